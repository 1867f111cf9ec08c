"""subscribers: subscribers, subscriptions, subscription_sections, consent_records, suppressions

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

from newsletter.db.types import UTCDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "subscribers",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("email_display", sa.String(320), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("organisation", sa.String(200), nullable=False),
        sa.Column("language", sa.String(2), nullable=False),
        sa.Column("confirm_nonce", sa.String(64)),
        sa.Column("confirm_sent_at", UTCDateTime),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
        sa.UniqueConstraint("email", name="uq_subscribers_email"),
    )
    op.create_table(
        "subscriptions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("subscriber_id", sa.Integer, sa.ForeignKey("subscribers.id", ondelete="CASCADE", name="fk_subscriptions_subscriber_id_subscribers"), nullable=False),
        sa.Column("newsletter_key", sa.String(100), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("all_sections", sa.Boolean, nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
        sa.Column("confirmed_at", UTCDateTime),
        sa.Column("unsubscribed_at", UTCDateTime),
        sa.UniqueConstraint("subscriber_id", "newsletter_key", name="uq_subscriptions_subscriber_id_newsletter_key"),
    )
    op.create_index("ix_subscriptions_newsletter_key_status", "subscriptions", ["newsletter_key", "status"])
    op.create_table(
        "subscription_sections",
        sa.Column("subscription_id", sa.Integer, sa.ForeignKey("subscriptions.id", ondelete="CASCADE", name="fk_subscription_sections_subscription_id_subscriptions"), primary_key=True),
        sa.Column("section", sa.String(100), primary_key=True),
    )
    op.create_table(
        "consent_records",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("subscription_id", sa.Integer, sa.ForeignKey("subscriptions.id", ondelete="CASCADE", name="fk_consent_records_subscription_id_subscriptions"), nullable=False),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("at", UTCDateTime, nullable=False),
        sa.Column("source", sa.String(20), nullable=False),
        sa.Column("detail", sa.Text, nullable=False),
        sa.Column("ip", sa.String(45)),
        sa.Column("consent_version", sa.String(40)),
        sa.Column("consent_text", sa.Text),
    )
    op.create_index("ix_consent_records_subscription_id", "consent_records", ["subscription_id"])
    op.create_table(
        "suppressions",
        sa.Column("email_hash", sa.String(64), primary_key=True),
        sa.Column("reason", sa.String(40), nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("suppressions")
    op.drop_table("consent_records")
    op.drop_table("subscription_sections")
    op.drop_index("ix_subscriptions_newsletter_key_status", "subscriptions")
    op.drop_table("subscriptions")
    op.drop_table("subscribers")
