"""costs: import records, daily aggregates, budgets, alert claims, allocation rules

Revision ID: 0002_costs
Revises: 0001_core
"""
import sqlalchemy as sa
from alembic import op

revision = "0002_costs"
down_revision = "0001_core"
branch_labels = ("costs",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "cost_import",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("file_name", sa.String(512), nullable=False),
        sa.Column("checksum", sa.String(64), nullable=False, index=True),
        sa.Column("sources", sa.JSON, nullable=False),
        sa.Column("billing_periods", sa.JSON, nullable=False),
        sa.Column("rows_total", sa.Integer, nullable=False),
        sa.Column("rows_imported", sa.Integer, nullable=False),
        sa.Column("rows_rejected", sa.Integer, nullable=False),
        sa.Column("rejected", sa.JSON, nullable=False),
        sa.Column("totals", sa.JSON, nullable=False),
        sa.Column("focus_version", sa.String(16), nullable=False, server_default=""),
        sa.Column("data_as_of", sa.DateTime(timezone=True)),
        sa.Column("replaced_rows", sa.Integer, nullable=False, server_default="0"),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "cost_daily",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("import_id", sa.Integer, sa.ForeignKey("cost_import.id", ondelete="CASCADE"), nullable=False,
                  index=True),
        sa.Column("source", sa.String(300), nullable=False),
        sa.Column("billing_period", sa.Date, nullable=False),
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("team", sa.String(120)),
        sa.Column("alloc_tag", sa.String(200)),
        sa.Column("provider", sa.String(120), nullable=False),
        sa.Column("sub_account_id", sa.String(200), nullable=False),
        sa.Column("sub_account_name", sa.String(200), nullable=False),
        sa.Column("service", sa.String(200), nullable=False),
        sa.Column("region", sa.String(100), nullable=False),
        sa.Column("category", sa.String(40), nullable=False),
        sa.Column("currency", sa.String(12), nullable=False),
        sa.Column("billed", sa.BigInteger, nullable=False),
        sa.Column("effective", sa.BigInteger, nullable=False),
        sa.Column("rows", sa.Integer, nullable=False),
    )
    op.create_index("ix_cost_daily_team_day", "cost_daily", ["team", "day"])
    op.create_index("ix_cost_daily_source_period", "cost_daily", ["source", "billing_period"])
    op.create_table(
        "cost_budget",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("team_id", sa.Integer, sa.ForeignKey("team.id", ondelete="CASCADE"), nullable=False, index=True),
        sa.Column("currency", sa.String(12), nullable=False),
        sa.Column("period", sa.String(16), nullable=False),
        sa.Column("amount", sa.BigInteger, nullable=False),
        sa.Column("thresholds", sa.JSON, nullable=False),
        sa.Column("updated_by", sa.String(255), nullable=False, server_default=""),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("team_id", "currency"),
    )
    op.create_table(
        "cost_alert",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("budget_id", sa.Integer, sa.ForeignKey("cost_budget.id", ondelete="CASCADE"), nullable=False,
                  index=True),
        sa.Column("period_start", sa.Date, nullable=False),
        sa.Column("threshold", sa.String(32), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("error", sa.String(500)),
        sa.Column("detail", sa.String(1000), nullable=False, server_default=""),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("budget_id", "period_start", "threshold"),
    )
    op.create_table(
        "cost_allocation_rule",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("match_key", sa.String(200), nullable=False, server_default=""),
        sa.Column("match_value", sa.String(300), nullable=False),
        sa.Column("team_id", sa.Integer, sa.ForeignKey("team.id", ondelete="CASCADE"), nullable=False, index=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("kind", "match_key", "match_value"),
    )


def downgrade() -> None:
    for name in ("cost_allocation_rule", "cost_alert", "cost_budget", "cost_daily", "cost_import"):
        op.drop_table(name)
