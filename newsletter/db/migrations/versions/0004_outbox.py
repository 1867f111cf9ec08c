"""outbox: outbox_issues (the approved issue frozen at queue time) and outbox (one row per
issue and subscriber). No foreign keys to issues/subscribers: see the note in schema.py.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

from newsletter.db.types import UTCDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "outbox_issues",
        sa.Column("issue_id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("newsletter_key", sa.String(100), nullable=False),
        sa.Column("subject", sa.Text, nullable=False),
        sa.Column("preheader", sa.Text, nullable=False),
        sa.Column("html", sa.Text, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("web_url", sa.Text, nullable=False),
        sa.Column("send_after", UTCDateTime, nullable=False),
        sa.Column("queued_at", UTCDateTime, nullable=False),
    )
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("issue_id", sa.Integer, nullable=False),
        sa.Column("subscriber_id", sa.Integer, nullable=False),
        sa.Column("newsletter_key", sa.String(100), nullable=False),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("unsubscribe_url", sa.Text, nullable=False),
        sa.Column("preferences_url", sa.Text, nullable=False),
        sa.Column("message_id", sa.String(250), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("send_after", UTCDateTime, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("lease_owner", sa.String(64)),
        sa.Column("lease_until", UTCDateTime),
        sa.Column("last_error", sa.Text),
        sa.Column("response", sa.Text),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
        sa.Column("sent_at", UTCDateTime),
        sa.UniqueConstraint("issue_id", "subscriber_id", name="uq_outbox_issue_id_subscriber_id"),
        sa.UniqueConstraint("message_id", name="uq_outbox_message_id"),
    )
    op.create_index("ix_outbox_status_send_after", "outbox", ["status", "send_after"])
    op.create_index("ix_outbox_subscriber_id", "outbox", ["subscriber_id"])


def downgrade() -> None:
    op.drop_table("outbox")
    op.drop_table("outbox_issues")
