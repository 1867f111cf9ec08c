"""compose: issues, issue_items, renders, audit_log

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

from newsletter.db.types import UTCDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "issues",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("newsletter_key", sa.String(100), nullable=False),
        sa.Column("iso_year", sa.Integer, nullable=False),
        sa.Column("iso_week", sa.Integer, nullable=False),
        sa.Column("issue_date", sa.Date, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("subject", sa.Text, nullable=False),
        sa.Column("preheader", sa.Text, nullable=False),
        sa.Column("intro", sa.Text, nullable=False),
        sa.Column("window_start", UTCDateTime, nullable=False),
        sa.Column("window_end", UTCDateTime, nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
        sa.Column("approved_by", sa.String(200)),
        sa.Column("approved_at", UTCDateTime),
        sa.Column("sent_at", UTCDateTime),
        sa.UniqueConstraint("newsletter_key", "iso_year", "iso_week",
                            name="uq_issues_newsletter_key_iso_year_iso_week"),
    )
    op.create_table(
        "issue_items",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("issue_id", sa.Integer, sa.ForeignKey("issues.id", ondelete="CASCADE",
                  name="fk_issue_items_issue_id_issues"), nullable=False),
        sa.Column("item_id", sa.Integer, sa.ForeignKey("items.id", ondelete="CASCADE",
                  name="fk_issue_items_item_id_items"), nullable=False),
        sa.Column("duplicate_of", sa.Integer, sa.ForeignKey("items.id", ondelete="CASCADE",
                  name="fk_issue_items_duplicate_of_items")),
        sa.Column("section", sa.String(100), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("included", sa.Boolean, nullable=False),
        sa.Column("reason", sa.String(40), nullable=False),
        sa.Column("moved", sa.Boolean, nullable=False),
        sa.Column("edited", sa.Boolean, nullable=False),
        sa.Column("title_override", sa.Text),
        sa.Column("summary_override", sa.Text),
        sa.UniqueConstraint("issue_id", "item_id", name="uq_issue_items_issue_id_item_id"),
    )
    op.create_index("ix_issue_items_item_id", "issue_items", ["item_id"])
    op.create_table(
        "renders",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("issue_id", sa.Integer, sa.ForeignKey("issues.id", ondelete="CASCADE",
                  name="fk_renders_issue_id_issues"), nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("subject", sa.Text, nullable=False),
        sa.Column("preheader", sa.Text, nullable=False),
        sa.Column("html", sa.Text, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("web_html", sa.Text, nullable=False),
        sa.Column("preflight", sa.Text, nullable=False),
    )
    op.create_index("ix_renders_issue_id", "renders", ["issue_id"])
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("at", UTCDateTime, nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("action", sa.String(60), nullable=False),
        sa.Column("object_type", sa.String(40), nullable=False),
        sa.Column("object_id", sa.Integer),
        sa.Column("detail", sa.Text, nullable=False),
    )
    op.create_index("ix_audit_log_object_type_object_id", "audit_log", ["object_type", "object_id"])


def downgrade() -> None:
    op.drop_table("audit_log")
    op.drop_table("renders")
    op.drop_table("issue_items")
    op.drop_table("issues")
