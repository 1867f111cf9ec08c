"""collect: keep the warnings of each source's last run (sources.last_warnings) and of every
fetch (fetch_log.warnings), so `newsletter sources` can show them after the run.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # plain ADD COLUMN (SQLite and PostgreSQL both have it): no table copy, no FK juggling
    op.add_column("sources", sa.Column("last_warnings", sa.JSON))
    op.add_column("fetch_log", sa.Column("warnings", sa.JSON))


def downgrade() -> None:
    with op.batch_alter_table("fetch_log") as batch:
        batch.drop_column("warnings")
    with op.batch_alter_table("sources") as batch:
        batch.drop_column("last_warnings")
