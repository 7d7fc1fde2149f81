"""Scheduled work: the job queue claimed once across replicas, recurrences and time phrases."""
