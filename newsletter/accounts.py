"""accounts: the team's users, roles, passwords, sessions and the four-eyes rule (issue 9).

Used by ``newsletter users ...`` and by the workspace's login (``web/team/auth.py``); SQL in
``db/users.py``. Roles are ordered: an approver may do all an editor may, an admin all an
approver may. Passwords are hashed with Argon2id (argon2-cffi's defaults, RFC 9106's second
recommended setting), must be ``team.password_min_length`` long and not on a short list of
the most common passwords. A new user (or ``users reset``) gets a one-time link to choose a
password; the database keeps only the SHA-256 of its token, so a copy of the database cannot
use an unused link. Sessions work the same way: the cookie holds a random token, the table its
hash; a session idle longer than ``team.session_idle_minutes`` is gone.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from email_validator import EmailNotValidError, validate_email
from sqlalchemy import Connection
from sqlalchemy.exc import IntegrityError

from newsletter.config import Config, TeamConfig
from newsletter.db import Database
from newsletter.db import users as q
from newsletter.db.issues import audit
from newsletter.db.types import utcnow
from newsletter.errors import AccountError, NotAllowed, NotFound
from newsletter.models import ROLES, User

# What each role may do; a route or command names the permission it needs.
PERMISSIONS = {
    "edit": "editor",  # edit drafts, curate, render, test-send
    "approve": "approver",  # approve, schedule, send, cancel
    "admin": "admin",  # users, sources, subscribers
}
EDIT_ACTIONS = frozenset({"edit", "include", "exclude", "move", "override", "curate"})

# The most used passwords in public breach corpora, and the obvious local ones.
_COMMON = """
123456 123456789 12345678 password qwerty123 qwerty 111111 12345 1234567 123123 1234567890
000000 abc123 password1 iloveyou 1q2w3e4r 1qaz2wsx qwertyuiop 123321 654321 666666 987654321
dragon monkey letmein football baseball welcome welcome1 sunshine princess master superman
trustno1 passw0rd admin admin123 administrator changeme secret login starwars hello123
password123 password1234 qwerty12345 123qwe 123456a a123456 zxcvbnm asdfghjkl michael
adgangskode adgangskode1 adgangskode123 kodeord kodeord123 sommer2026 vinter2026 efterår2026
forår2026 sommer123 danmark danmark123 danmark2026 kolding vejle fredericia billund
middelfart haderslev nyhedsbrev nyhedsbrev123 trekantomraadet trekantområdet
produktionscentrum danmarksproduktionscentrum hemmelighed velkommen velkommen1 velkommen123
123456789012 1234567890123 qwertyuiop123 password12345 passwordpassword
adgangskode1234 sommerferie2026 velkommen12345 iloveyou1234 qwerty123456
"""
COMMON_PASSWORDS = frozenset(_COMMON.split())

_hasher = PasswordHasher()


@dataclass(frozen=True)
class NewUserLink:
    user: User
    link: str
    expires: datetime


def role_allows(role: str, permission: str) -> bool:
    needed = PERMISSIONS[permission]
    return role in ROLES and ROLES.index(role) >= ROLES.index(needed)


def require(user: User, permission: str) -> None:
    if not role_allows(user.role, permission):
        raise NotAllowed(f"{user.name} is {user.role}; this needs the role {PERMISSIONS[permission]}")


def four_eyes_problem(approver: str, last_editor: str | None) -> str | None:
    """The four-eyes rule (``team.four_eyes``): whoever edited the issue last may not approve it."""
    if last_editor is not None and last_editor.strip().lower() == approver.strip().lower():
        return (f"{approver} made the last change to this issue; with the four-eyes rule "
                "(team.four_eyes) another approver must approve it")
    return None


def password_problem(password: str, team: TeamConfig, user: User | None = None) -> str | None:
    """Why a password may not be used, or None."""
    if len(password) < team.password_min_length:
        return f"the password must be at least {team.password_min_length} characters"
    lowered = password.lower()
    if lowered in COMMON_PASSWORDS or len(set(password)) < 4:
        return "this password is too common; choose a longer, less obvious one (a short sentence works)"
    if user is not None and lowered in (user.name.lower(), user.email.lower(), user.email.split("@")[0].lower()):
        return "the password may not be your name or address"
    return None


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _clean_name(name: str) -> str:
    name = name.strip()
    if not name or len(name) > 100 or any(c.isspace() or ord(c) < 32 for c in name):
        raise AccountError(f"{name!r} is not a user name: use one word (e.g. mette or mette.h), at most 100 characters")
    return name


def _clean_email(email: str) -> str:
    try:
        return validate_email(email.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as e:
        raise AccountError(f"{email!r} is not an e-mail address: {e}") from e


def _link(config: Config, token: str) -> str:
    return f"{config.settings.base_url.rstrip('/')}/team/password/{token}"


def add_user(db: Database, config: Config, name: str, email: str, role: str,
             now: datetime | None = None, by: str = "cli") -> NewUserLink:
    """Create a user without a password and return the one-time link to set it."""
    if role not in ROLES:
        raise AccountError(f"unknown role {role!r}; choose one of {', '.join(ROLES)}")
    name, email = _clean_name(name), _clean_email(email)
    now = now or utcnow()
    token = secrets.token_urlsafe(32)
    expires = now + timedelta(hours=config.data.team.set_password_hours)
    try:
        with db.begin() as conn:
            if q.find_user(conn, name) or q.find_user(conn, email):
                raise AccountError(f"a user named {name} or with the address {email} exists; see `newsletter users list`")
            user_id = q.insert_user(conn, name, email, role, _digest(token), expires, now)
            user = q.get_user(conn, user_id)
            audit(conn, by, "user-add", "user", user_id, {"name": name, "role": role})
    except IntegrityError as e:  # two adds at once
        raise AccountError(f"a user named {name} or with the address {email} exists") from e
    assert user is not None
    return NewUserLink(user, _link(config, token), expires)


def list_users(db: Database) -> list[User]:
    with db.connect() as conn:
        return q.list_users(conn)


def find(db: Database, name_or_email: str) -> User:
    with db.connect() as conn:
        user = q.find_user(conn, name_or_email)
    if user is None:
        raise NotFound(f"no user {name_or_email!r} (see `newsletter users list`)")
    return user


def _keep_an_admin(conn: Connection, user: User, what: str) -> None:
    """Refuse to take the last active admin away: nobody could then manage the users."""
    if user.role == "admin" and not user.disabled and q.active_admins(conn) == [user.id]:
        raise AccountError(f"{user.name} is the last active admin and cannot be {what}; "
                           "make another user admin first (newsletter users role NAME admin)")


def set_role(db: Database, name_or_email: str, role: str, by: str = "cli") -> User:
    """Give a user another role; it counts from their next request (sessions stay open)."""
    if role not in ROLES:
        raise AccountError(f"unknown role {role!r}; choose one of {', '.join(ROLES)}")
    user = find(db, name_or_email)
    if user.role == role:
        return user
    with db.begin() as conn:
        if role != "admin":
            _keep_an_admin(conn, user, f"made {role}")
        q.update_user(conn, user.id, utcnow(), role=role)
        audit(conn, by, "user-role", "user", user.id, {"name": user.name, "from": user.role, "to": role})
    return find(db, user.name)


def set_disabled(db: Database, name_or_email: str, disabled: bool = True, by: str = "cli") -> User:
    """Disable (or enable again) a user; a disabled user's sessions end at once."""
    user = find(db, name_or_email)
    now = utcnow()
    with db.begin() as conn:
        if disabled:
            _keep_an_admin(conn, user, "disabled")
        q.update_user(conn, user.id, now, disabled=disabled)
        q.delete_sessions_of(conn, user.id)
        audit(conn, by, "user-disable" if disabled else "user-enable", "user", user.id, {"name": user.name})
    return find(db, user.name)


def reset(db: Database, config: Config, name_or_email: str, now: datetime | None = None,
          by: str = "cli") -> NewUserLink:
    """Forget the password, end every session and make a new one-time link."""
    user = find(db, name_or_email)
    now = now or utcnow()
    token = secrets.token_urlsafe(32)
    expires = now + timedelta(hours=config.data.team.set_password_hours)
    with db.begin() as conn:
        q.update_user(conn, user.id, now, password_hash=None, set_token_hash=_digest(token),
                      set_token_expires=expires)
        q.delete_sessions_of(conn, user.id)
        audit(conn, by, "user-reset", "user", user.id, {"name": user.name})
    return NewUserLink(find(db, user.name), _link(config, token), expires)


def user_for_link(db: Database, token: str, now: datetime | None = None) -> User:
    with db.connect() as conn:
        found = q.user_by_token(conn, _digest(token))
    if found is None or found[1] < (now or utcnow()) or found[0].disabled:
        raise AccountError("this link has been used or is too old; ask an admin for a new one (newsletter users reset)")
    return found[0]


def set_password(db: Database, config: Config, token: str, password: str) -> User:
    """Use a one-time link: check the password, store its hash, and spend the link."""
    user = user_for_link(db, token)
    problem = password_problem(password, config.data.team, user)
    if problem:
        raise AccountError(problem)
    now = utcnow()
    with db.begin() as conn:
        q.update_user(conn, user.id, now, password_hash=_hasher.hash(password), set_token_hash=None,
                      set_token_expires=None)
        q.delete_sessions_of(conn, user.id)
    return find(db, user.name)


# --- login and sessions ---------------------------------------------------------------------

class LoginThrottled(AccountError):
    status = 429


def login(db: Database, config: Config, name_or_email: str, password: str, ip: str,
          now: datetime | None = None) -> tuple[User, str]:
    """Check a login; return the user and a new session token (for the cookie).

    Refused without checking the password when the account or the IP had too many failures in
    ``team.login_window_minutes``: guessing is slow whichever of the two an attacker varies."""
    team = config.data.team
    now = now or utcnow()
    account = name_or_email.strip().lower()[:100]
    since = now - timedelta(minutes=team.login_window_minutes)
    with db.begin() as conn:
        q.prune_attempts(conn, now - timedelta(days=1))
        if (q.failures_since(conn, since, account=account) >= team.login_failures_per_account
                or q.failures_since(conn, since, ip=ip) >= team.login_failures_per_ip):
            raise LoginThrottled(f"too many failed logins; wait {team.login_window_minutes} minutes and try again")
        user = q.find_user(conn, account)
        stored = q.password_hash(conn, user.id) if user else None
    ok = _verify(stored, password) and user is not None and not user.disabled
    token = secrets.token_urlsafe(32)
    with db.begin() as conn:
        q.record_attempt(conn, account, ip, ok, now)
        if ok and user is not None:
            q.insert_session(conn, _digest(token), user.id, now)
            q.update_user(conn, user.id, now, last_login_at=now)
            if stored and _hasher.check_needs_rehash(stored):
                q.update_user(conn, user.id, now, password_hash=_hasher.hash(password))
    if not ok or user is None:
        raise AccountError("wrong user name or password")
    return user, token


def _verify(stored: str | None, password: str) -> bool:
    if stored is None:
        # the same work as a real check, so the answer time does not tell which names exist
        stored = _DUMMY_HASH
        password = password + "\x00"
    try:
        return _hasher.verify(stored, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


_DUMMY_HASH = _hasher.hash(secrets.token_hex(16))


def session_user(db: Database, config: Config, token: str, now: datetime | None = None) -> User | None:
    """The user of a session token, or None (unknown, idle too long, or the user disabled).
    Marks the session used (at most once a minute, to spare the database)."""
    if not token:
        return None
    now = now or utcnow()
    idle = timedelta(minutes=config.data.team.session_idle_minutes)
    digest = _digest(token)
    with db.connect() as conn:
        found = q.session_user(conn, digest)
    if found is None:
        return None
    user, last_seen = found
    if user.disabled or now - last_seen > idle:
        with db.begin() as conn:
            q.delete_session(conn, digest)
        return None
    if now - last_seen > timedelta(minutes=1):
        with db.begin() as conn:
            q.touch_session(conn, digest, now)
            q.prune_sessions(conn, now - idle)
    return user


def logout(db: Database, token: str) -> None:
    with db.begin() as conn:
        q.delete_session(conn, _digest(token))
