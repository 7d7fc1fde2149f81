"""Surveys: pulse and assessment surveys, anonymous or named, their sending, answers and results."""
