"""social: social_posts, one row per (issue, network, subject) with its approval and publish
record (issue 10).

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

from newsletter.db.types import UTCDateTime

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "social_posts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("issue_id", sa.Integer, sa.ForeignKey("issues.id", ondelete="CASCADE",
                                                        name="fk_social_posts_issue_id_issues"),
                  nullable=False),
        sa.Column("network", sa.String(20), nullable=False),
        sa.Column("subject", sa.String(40), nullable=False),
        sa.Column("item_id", sa.Integer, sa.ForeignKey("items.id", ondelete="SET NULL",
                                                       name="fk_social_posts_item_id_items")),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("link", sa.Text, nullable=False, server_default=""),
        sa.Column("title", sa.Text, nullable=False, server_default=""),
        sa.Column("description", sa.Text, nullable=False, server_default=""),
        sa.Column("image_url", sa.Text, nullable=False, server_default=""),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("edited", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("planned_at", UTCDateTime),
        sa.Column("approved_by", sa.String(200)),
        sa.Column("approved_at", UTCDateTime),
        sa.Column("exported_at", UTCDateTime),
        sa.Column("publish_key", sa.String(64), nullable=False),
        sa.Column("publish_started_at", UTCDateTime),
        sa.Column("first_attempt_at", UTCDateTime),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("posted_at", UTCDateTime),
        sa.Column("remote_id", sa.Text),
        sa.Column("remote_url", sa.Text),
        sa.Column("last_error", sa.Text),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
        sa.UniqueConstraint("issue_id", "network", "subject",
                            name="uq_social_posts_issue_id_network_subject"),
    )
    op.create_index("ix_social_posts_status_planned_at", "social_posts", ["status", "planned_at"])


def downgrade() -> None:
    op.drop_index("ix_social_posts_status_planned_at", table_name="social_posts")
    op.drop_table("social_posts")
