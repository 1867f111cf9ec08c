"""Queries of the team's accounts (issue 9): users, browser sessions, login attempts.

Every function takes a ``Connection``; the caller owns the transaction. Rows become
``newsletter.accounts.User`` here and nowhere else.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select, update

from newsletter.db.schema import login_attempts, team_sessions, users
from newsletter.db.types import inserted_id
from newsletter.models import User


def _user(row: Any) -> User:
    m = row._mapping
    return User(id=m["id"], name=m["name"], email=m["email"], role=m["role"],
                disabled=bool(m["disabled"]), has_password=m["password_hash"] is not None,
                created_at=m["created_at"], last_login_at=m["last_login_at"])


# --- users ----------------------------------------------------------------------------------

def insert_user(conn: Connection, name: str, email: str, role: str, token_hash: str,
                token_expires: datetime, now: datetime) -> int:
    return inserted_id(conn.execute(insert(users).values(
        name=name, email=email, role=role, disabled=False, set_token_hash=token_hash,
        set_token_expires=token_expires, created_at=now, updated_at=now)))


def get_user(conn: Connection, user_id: int) -> User | None:
    row = conn.execute(select(users).where(users.c.id == user_id)).first()
    return _user(row) if row else None


def find_user(conn: Connection, name_or_email: str) -> User | None:
    key = name_or_email.strip().lower()
    row = conn.execute(select(users).where(
        (func.lower(users.c.name) == key) | (func.lower(users.c.email) == key))).first()
    return _user(row) if row else None


def list_users(conn: Connection) -> list[User]:
    return [_user(row) for row in conn.execute(select(users).order_by(users.c.name))]


def active_admins(conn: Connection) -> list[int]:
    """The ids of the admins who may log in, their rows locked until the transaction ends
    (PostgreSQL), so two admins demoting each other at once cannot both succeed."""
    query = select(users.c.id).where(users.c.role == "admin", users.c.disabled.is_(False)).with_for_update()
    return [int(i) for i in conn.scalars(query)]


def password_hash(conn: Connection, user_id: int) -> str | None:
    return conn.scalar(select(users.c.password_hash).where(users.c.id == user_id))


def user_by_token(conn: Connection, token_hash: str) -> tuple[User, datetime] | None:
    row = conn.execute(select(users).where(users.c.set_token_hash == token_hash)).first()
    return (_user(row), row._mapping["set_token_expires"]) if row else None


def update_user(conn: Connection, user_id: int, now: datetime, **values: Any) -> None:
    conn.execute(update(users).where(users.c.id == user_id).values(updated_at=now, **values))


# --- sessions -------------------------------------------------------------------------------

def insert_session(conn: Connection, token_hash: str, user_id: int, now: datetime) -> None:
    conn.execute(insert(team_sessions).values(token_hash=token_hash, user_id=user_id,
                                              created_at=now, last_seen_at=now))


def session_user(conn: Connection, token_hash: str) -> tuple[User, datetime] | None:
    """The user of a session and when it was last used."""
    row = conn.execute(select(users, team_sessions.c.last_seen_at)
                       .join(team_sessions, team_sessions.c.user_id == users.c.id)
                       .where(team_sessions.c.token_hash == token_hash)).first()
    return (_user(row), row._mapping["last_seen_at"]) if row else None


def touch_session(conn: Connection, token_hash: str, now: datetime) -> None:
    conn.execute(update(team_sessions).where(team_sessions.c.token_hash == token_hash)
                 .values(last_seen_at=now))


def delete_session(conn: Connection, token_hash: str) -> None:
    conn.execute(delete(team_sessions).where(team_sessions.c.token_hash == token_hash))


def delete_sessions_of(conn: Connection, user_id: int) -> int:
    return int(conn.execute(delete(team_sessions).where(team_sessions.c.user_id == user_id)).rowcount)


def prune_sessions(conn: Connection, idle_before: datetime) -> None:
    conn.execute(delete(team_sessions).where(team_sessions.c.last_seen_at < idle_before))


# --- login attempts -------------------------------------------------------------------------

def record_attempt(conn: Connection, account: str, ip: str, ok: bool, now: datetime) -> None:
    conn.execute(insert(login_attempts).values(at=now, account=account[:100], ip=ip[:64], ok=ok))


def failures_since(conn: Connection, since: datetime, *, account: str | None = None,
                   ip: str | None = None) -> int:
    query = select(func.count()).select_from(login_attempts).where(
        login_attempts.c.at >= since, login_attempts.c.ok.is_(False))
    if account is not None:
        query = query.where(login_attempts.c.account == account[:100])
    if ip is not None:
        query = query.where(login_attempts.c.ip == ip[:64])
    return int(conn.scalar(query) or 0)


def prune_attempts(conn: Connection, before: datetime) -> None:
    conn.execute(delete(login_attempts).where(login_attempts.c.at < before))
