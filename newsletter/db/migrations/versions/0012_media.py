"""media: media_images (lead images and logo copies) and media_cards (social cards drawn)

Revision ID: 0012
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

from newsletter.db.types import UTCDateTime

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "media_images",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("url_hash", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("source_url", sa.Text, nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("error", sa.Text),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("fetched_at", UTCDateTime, nullable=False),
        sa.Column("content_type", sa.String(100)),
        sa.Column("original_width", sa.Integer),
        sa.Column("original_height", sa.Integer),
        sa.Column("name_1x", sa.String(80)),
        sa.Column("width_1x", sa.Integer),
        sa.Column("height_1x", sa.Integer),
        sa.Column("name_2x", sa.String(80)),
        sa.Column("width_2x", sa.Integer),
        sa.Column("height_2x", sa.Integer),
        sa.UniqueConstraint("url_hash", "kind", name="uq_media_images_url_hash_kind"),
    )
    op.create_table(
        "media_cards",
        sa.Column("issue_id", sa.Integer, sa.ForeignKey("issues.id", ondelete="CASCADE",
                                                        name="fk_media_cards_issue_id_issues"),
                  nullable=False),
        sa.Column("item_id", sa.Integer, nullable=False),
        sa.Column("input_hash", sa.String(64), nullable=False),
        sa.Column("name", sa.String(80), nullable=False),
        sa.Column("drawn_at", UTCDateTime, nullable=False),
        sa.PrimaryKeyConstraint("issue_id", "item_id", name="pk_media_cards"),
    )


def downgrade() -> None:
    op.drop_table("media_cards")
    op.drop_table("media_images")
