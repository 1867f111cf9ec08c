"""subscribers (issue 8): ids are never reused, every link names its row, a confirmation
confirms exactly one sign-up.

- ``subscribers.link_key``: a random key per row, filled in for every existing row; the
  unsubscribe and preferences links carry it from now on.
- On SQLite, ``subscribers`` is rebuilt with AUTOINCREMENT, so the id of an erased person
  is never handed to the next sign-up (without it SQLite reuses the highest id once that
  row is deleted). PostgreSQL's sequence never reuses an id, so there it is only the column.
- ``signup_requests``: one row per web sign-up; a pending confirmation link made before this
  migration (it carries ``subscribers.confirm_nonce``) becomes a request for the
  subscriptions that were pending, so it keeps working for what it was sent for.

Revision ID: 0008
Revises: 0007
"""

import secrets

import sqlalchemy as sa
from alembic import op

from newsletter.db.types import UTCDateTime

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

# The tables below ``subscribers`` whose rows SQLite's DROP TABLE would delete through
# ON DELETE CASCADE while the table is rebuilt (foreign keys stay on: the migration runs
# inside one transaction, where PRAGMA foreign_keys cannot be switched off). They are kept
# in temporary copies and put back, parents first.
CHILDREN = ("subscriptions", "subscription_sections", "consent_records")


def _referencing(bind: sa.Connection, parents: set[str]) -> set[str]:
    """Tables with a foreign key to any of ``parents``, recursively."""
    names = [r[0] for r in bind.exec_driver_sql(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")]
    found: set[str] = set()
    changed = True
    while changed:
        changed = False
        for name in names:
            if name in found:
                continue
            targets = {r[2] for r in bind.exec_driver_sql(f'PRAGMA foreign_key_list("{name}")')}
            if targets & (parents | found):
                found.add(name)
                changed = True
    return found


def _rebuild_subscribers(autoincrement: bool, drop_link_key: bool = False) -> None:
    bind = op.get_bind()
    children = _referencing(bind, {"subscribers"})
    unknown = children - set(CHILDREN)
    if unknown:
        raise RuntimeError(f"migration 0008 must also keep the rows of {sorted(unknown)} while it "
                           "rebuilds subscribers; add them to CHILDREN")
    kept = [t for t in CHILDREN if t in children]
    for table in kept:
        bind.exec_driver_sql(f'CREATE TEMP TABLE "keep_{table}" AS SELECT * FROM "{table}"')
    with op.batch_alter_table("subscribers", recreate="always",
                              table_kwargs={"sqlite_autoincrement": autoincrement}) as batch:
        if drop_link_key:
            batch.drop_column("link_key")
        else:
            batch.alter_column("link_key", existing_type=sa.String(32), nullable=False)
    for table in kept:  # CHILDREN is in parent-first order
        bind.exec_driver_sql(f'DELETE FROM "{table}"')
        bind.exec_driver_sql(f'INSERT INTO "{table}" SELECT * FROM "keep_{table}"')
        bind.exec_driver_sql(f'DROP TABLE "keep_{table}"')
    problems = bind.exec_driver_sql("PRAGMA foreign_key_check").all()
    if problems:
        raise RuntimeError(f"migration 0008 left rows without their parent: {problems[:5]}")


def upgrade() -> None:
    bind = op.get_bind()
    op.add_column("subscribers", sa.Column("link_key", sa.String(32)))
    ids = [r[0] for r in bind.execute(sa.text("SELECT id FROM subscribers"))]
    for start in range(0, len(ids), 1000):
        bind.execute(sa.text("UPDATE subscribers SET link_key = :key WHERE id = :id"),
                     [{"key": secrets.token_urlsafe(12), "id": i} for i in ids[start:start + 1000]])
    if bind.dialect.name == "sqlite":
        _rebuild_subscribers(autoincrement=True)
    else:
        op.alter_column("subscribers", "link_key", existing_type=sa.String(32), nullable=False)

    op.create_table(
        "signup_requests",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("subscriber_id", sa.Integer, sa.ForeignKey(
            "subscribers.id", ondelete="CASCADE", name="fk_signup_requests_subscriber_id_subscribers"),
            nullable=False),
        sa.Column("nonce", sa.String(64), nullable=False),
        sa.Column("newsletters", sa.JSON, nullable=False),
        sa.Column("email_display", sa.String(320), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("organisation", sa.String(200), nullable=False),
        sa.Column("language", sa.String(2), nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.UniqueConstraint("nonce", name="uq_signup_requests_nonce"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_signup_requests_subscriber_id", "signup_requests", ["subscriber_id"])

    # Confirmation links already in people's inboxes: each names the subscriber's nonce and
    # confirms what was pending when it was sent.
    pending: dict[int, list[str]] = {}
    for sid, key in bind.execute(sa.text(
            "SELECT subscriber_id, newsletter_key FROM subscriptions WHERE status = 'pending' ORDER BY id")):
        pending.setdefault(sid, []).append(key)
    requests = sa.table("signup_requests", sa.column("subscriber_id"), sa.column("nonce"),
                        sa.column("newsletters", sa.JSON), sa.column("email_display"), sa.column("name"),
                        sa.column("organisation"), sa.column("language"), sa.column("created_at", UTCDateTime))
    rows = bind.execute(sa.text(
        "SELECT id, confirm_nonce, email_display, name, organisation, language, updated_at "
        "FROM subscribers WHERE confirm_nonce IS NOT NULL").columns(
            sa.column("id"), sa.column("confirm_nonce"), sa.column("email_display"), sa.column("name"),
            sa.column("organisation"), sa.column("language"), sa.column("updated_at", UTCDateTime))).all()
    values = [{"subscriber_id": r[0], "nonce": r[1], "newsletters": pending[r[0]], "email_display": r[2],
               "name": r[3], "organisation": r[4], "language": r[5], "created_at": r[6]}
              for r in rows if r[0] in pending]
    if values:
        bind.execute(requests.insert(), values)
    bind.execute(sa.text("UPDATE subscribers SET confirm_nonce = NULL"))


def downgrade() -> None:
    op.drop_index("ix_signup_requests_subscriber_id", "signup_requests")
    op.drop_table("signup_requests")
    if op.get_bind().dialect.name == "sqlite":
        _rebuild_subscribers(autoincrement=False, drop_link_key=True)
    else:
        op.drop_column("subscribers", "link_key")
