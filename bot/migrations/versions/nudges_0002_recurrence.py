"""nudges: a recurrence may be an RRULE ("RRULE:FREQ=WEEKLY;INTERVAL=2;BYDAY=FR"), up to 64 characters

Revision ID: nudges_0002
Revises: 0005_nudges
"""
import sqlalchemy as sa
from alembic import op

revision = "nudges_0002"
down_revision = "0005_nudges"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":  # SQLite does not enforce VARCHAR lengths
        op.alter_column("nudge", "recurrence", type_=sa.String(64), existing_type=sa.String(16))


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.alter_column("nudge", "recurrence", type_=sa.String(16), existing_type=sa.String(64))
