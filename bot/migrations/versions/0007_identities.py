"""identities: stored people name their workspace/tenant (``slack:U1`` → ``slack:U1@T1``)

A person's tenant comes from the conversations the bot has had with them (``conversation_ref``), else from the
platform's only known workspace/tenant (conversation references and Slack installations). A person whose tenant
cannot be told stays as stored: such a ref matches nobody any more (a live person always carries a tenant), so
access fails closed; ``finops-bot roles list`` and ``team show`` still show them to fix by hand. Audit lines,
delivery records and budgets' "updated by" are history and keep the words they were written with.

Revision ID: 0007_identities
Revises: 0003_assessment, 0004_practice, 0006_surveys, nudges_0002, slack_0002
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_identities"
down_revision = ("0003_assessment", "0004_practice", "0006_surveys", "nudges_0002", "slack_0002")
branch_labels = None
depends_on = None

# (table, key column, person column, columns that with the person column are unique)
PEOPLE = (
    ("team_member", "id", "user_ref", ("team_id",)),
    ("role_grant", "id", "user_ref", ("role",)),
    ("survey_invite", "id", "user_ref", ("survey_id",)),
    ("survey_answer", "id", "user_ref", None),
    ("survey", "id", "author", None),
    ("nudge", "id", "author", None),
    ("assessment", "id", "user_ref", None),
    ("conversation_ref", "id", "user_ref", ("platform", "tenant", "channel")),
)


def _legacy(ref: str | None) -> bool:
    return bool(ref) and ":" in ref and "@" not in ref.partition(":")[2]  # type: ignore[union-attr]


def _tenants(conn: sa.Connection) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """Tenants each legacy person was seen in, and every tenant known per platform."""
    seen: dict[str, set[str]] = {}
    known: dict[str, set[str]] = {}
    for platform, tenant, user_ref in conn.execute(sa.text(
            "SELECT platform, tenant, user_ref FROM conversation_ref")):
        if tenant:
            known.setdefault(platform, set()).add(tenant)
            if _legacy(user_ref):
                seen.setdefault(user_ref, set()).add(tenant)
    if sa.inspect(conn).has_table("slack_installations"):
        for (team,) in conn.execute(sa.text("SELECT DISTINCT team_id FROM "
                                            "slack_installations")):
            if team:
                known.setdefault("slack", set()).add(team)
    return seen, known


def _qualified(ref: str, seen: dict[str, set[str]], known: dict[str, set[str]]) -> str | None:
    platform = ref.partition(":")[0]
    if platform == "console":
        return f"{ref}@local"
    tenants = seen.get(ref) or known.get(platform, set())
    return f"{ref}@{next(iter(tenants))}" if len(tenants) == 1 else None


def upgrade() -> None:
    conn = op.get_bind()
    seen, known = _tenants(conn)
    inspector = sa.inspect(conn)
    for table, key, column, unique in PEOPLE:
        if not inspector.has_table(table):
            continue
        cols = ", ".join((key, column, *(unique or ())))
        for row in conn.execute(sa.text(f"SELECT {cols} FROM {table}")).all():
            ref = row[1]
            if not _legacy(ref) or (new := _qualified(ref, seen, known)) is None:
                continue
            if unique:  # the person may already be there under the new ref: keep that row
                where = " AND ".join(f"{c} = :{c}" for c in unique)
                dup = conn.execute(sa.text(f"SELECT 1 FROM {table} WHERE {column} = :new AND {where}"),
                                   {"new": new, **{c: row[2 + i] for i, c in enumerate(unique)}}).first()
                if dup is not None:
                    conn.execute(sa.text(f"DELETE FROM {table} WHERE {key} = :k"), {"k": row[0]})
                    continue
            conn.execute(sa.text(f"UPDATE {table} SET {column} = :new WHERE {key} = :k"), {"new": new, "k": row[0]})


def downgrade() -> None:
    conn = op.get_bind()
    inspector = sa.inspect(conn)
    for table, key, column, _unique in PEOPLE:
        if not inspector.has_table(table):
            continue
        for k, ref in conn.execute(sa.text(f"SELECT {key}, {column} FROM {table}")).all():
            if ref and "@" in ref.partition(":")[2]:
                conn.execute(sa.text(f"UPDATE {table} SET {column} = :old WHERE {key} = :k"),
                             {"old": ref.rpartition("@")[0], "k": k})
