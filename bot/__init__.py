"""finops-bot: a FinOps assistant for Slack, Microsoft Teams and the terminal."""

__version__ = "0.1.0"
