"""events (issue 12): every item can be an event, however it arrived. Adds whether it is
all-day, the calendar's UID (for a stable .ics UID) and the dates of a recurring event; the
start, end, place and sign-up columns exist since 0002.

Revision ID: 0013
Revises: 0012
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("items", sa.Column("event_all_day", sa.Boolean, nullable=False,
                                     server_default=sa.false()))
    op.add_column("items", sa.Column("event_uid", sa.Text))
    op.add_column("items", sa.Column("event_occurrences", sa.JSON))
    op.create_index("ix_items_event_starts_at", "items", ["event_starts_at"])


def downgrade() -> None:
    op.drop_index("ix_items_event_starts_at", table_name="items")
    with op.batch_alter_table("items") as batch:
        batch.drop_column("event_occurrences")
        batch.drop_column("event_uid")
        batch.drop_column("event_all_day")
