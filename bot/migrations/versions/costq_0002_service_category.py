"""costs: the FOCUS ServiceCategory of each daily and monthly aggregate ("what did we spend on compute?")

Rows imported before this migration have "" (no category): questions by category then say so and suggest
re-importing; the monthly rollup is rebuilt from cost_daily on the next refresh.

Revision ID: costq_0002
Revises: costq_0001
"""
import sqlalchemy as sa
from alembic import op

revision = "costq_0002"
down_revision = "costq_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for table in ("cost_daily", "cost_monthly"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("service_category", sa.String(100), nullable=False, server_default=""))
    op.execute("DELETE FROM cost_rollup")  # the rollup is rebuilt with the new column (it says so when stale)


def downgrade() -> None:
    for table in ("cost_daily", "cost_monthly"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("service_category")
