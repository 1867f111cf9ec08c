"""team workspace (issue 9): users of the browser workspace, their sessions, and the
per-account / per-IP login attempt counts that rate-limit the login form.

Revision ID: 0010
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

from newsletter.db.types import UTCDateTime

revision = "0010"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("password_hash", sa.Text),
        sa.Column("disabled", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("set_token_hash", sa.String(64)),
        sa.Column("set_token_expires", UTCDateTime),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
        sa.Column("last_login_at", UTCDateTime),
        sa.UniqueConstraint("name", name="uq_users_name"),
        sa.UniqueConstraint("email", name="uq_users_email"),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "team_sessions",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE",
                                                       name="fk_team_sessions_user_id_users"),
                  nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("last_seen_at", UTCDateTime, nullable=False),
    )
    op.create_index("ix_team_sessions_user_id", "team_sessions", ["user_id"])
    op.create_table(
        "login_attempts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("at", UTCDateTime, nullable=False),
        sa.Column("account", sa.String(100), nullable=False),
        sa.Column("ip", sa.String(64), nullable=False),
        sa.Column("ok", sa.Boolean, nullable=False),
    )
    op.create_index("ix_login_attempts_account_at", "login_attempts", ["account", "at"])
    op.create_index("ix_login_attempts_ip_at", "login_attempts", ["ip", "at"])


def downgrade() -> None:
    op.drop_table("login_attempts")
    op.drop_table("team_sessions")
    op.drop_table("users")
