"""Maturity assessments in chat: the lens model, stored answers, the question flow and team maturity status."""
