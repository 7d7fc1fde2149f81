"""Practitioner tools: roles, audit log, the scheduler, nudges and surveys."""
