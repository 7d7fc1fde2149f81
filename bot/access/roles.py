"""Stored roles: admins and practitioners granted in chat or with ``finops-bot roles``."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from bot.access.tables import RoleGrant
from bot.db import Database, utcnow
from bot.identity import full

ROLES = ("admin", "practitioner")


class RoleStore:
    """Grant, revoke and list stored roles (team owner and member come from the team directory)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def grant(self, user_ref: str, role: str, granted_by: str) -> bool:
        """Give a role; False when the person already had it."""
        _check(user_ref, role)
        try:
            with self.db.session() as s:
                s.add(RoleGrant(user_ref=user_ref, role=role, granted_by=granted_by, created_at=utcnow()))
            return True
        except IntegrityError:
            return False

    def revoke(self, user_ref: str, role: str) -> bool:
        """Take a role away; False when the person did not have it."""
        _check(user_ref, role)
        with self.db.session() as s:
            row = s.exec(select(RoleGrant).where(RoleGrant.user_ref == user_ref, RoleGrant.role == role)).first()
            if row is None:
                return False
            s.delete(row)
            return True

    def all(self) -> dict[str, set[str]]:
        """Every stored role by user."""
        with self.db.session() as s:
            rows = s.exec(select(RoleGrant)).all()
        out: dict[str, set[str]] = {}
        for row in rows:
            out.setdefault(row.user_ref, set()).add(row.role)
        return out


def _check(user_ref: str, role: str) -> None:
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}: choose one of {', '.join(ROLES)}")
    full(user_ref)  # a grant names the person's workspace/tenant
