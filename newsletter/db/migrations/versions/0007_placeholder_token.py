"""render + outbox: the random token of a render's per-recipient placeholders (issue 8, §1),
kept with the render and with the issue frozen at queue time. NULL marks rows from before: the
send step fills their bare %%name%% placeholders as it always did.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("renders", sa.Column("placeholder_token", sa.String(32)))
    op.add_column("outbox_issues", sa.Column("placeholder_token", sa.String(32)))


def downgrade() -> None:
    with op.batch_alter_table("outbox_issues") as batch:
        batch.drop_column("placeholder_token")
    with op.batch_alter_table("renders") as batch:
        batch.drop_column("placeholder_token")
