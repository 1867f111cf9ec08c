"""subscribers: rate_limit_hits, the per-IP limit on sign-ups and new-link requests, shared by
every web worker (it was in memory, one process only).

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

from newsletter.db.types import UTCDateTime

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rate_limit_hits",
        sa.Column("key", sa.String(100), nullable=False),
        sa.Column("window_start", UTCDateTime, nullable=False),
        sa.Column("hits", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("key", "window_start", name="pk_rate_limit_hits"),
    )
    op.create_index("ix_rate_limit_hits_window_start", "rate_limit_hits", ["window_start"])


def downgrade() -> None:
    op.drop_table("rate_limit_hits")
