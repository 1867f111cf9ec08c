"""schedule (issue 11): job runs and the scheduler's heartbeat for `newsletter status` and the
health endpoint, the notices sent about an issue (reminder, held, queued) so each goes once,
and the hourly send count shared by every send process.

Revision ID: 0014
Revises: 0013
"""

from collections import Counter
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import op

from newsletter.db.types import UTCDateTime

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "job_runs",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("job", sa.String(50), nullable=False),
        sa.Column("started_at", UTCDateTime, nullable=False),
        sa.Column("finished_at", UTCDateTime),
        sa.Column("outcome", sa.String(10), nullable=False),
        sa.Column("message", sa.Text, nullable=False, server_default=""),
        sa.Column("duration_ms", sa.Integer),
        sa.Column("host", sa.String(200), nullable=False, server_default=""),
    )
    op.create_index("ix_job_runs_job_started_at", "job_runs", ["job", "started_at"])
    op.create_table(
        "scheduler_heartbeat",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("host", sa.String(200), nullable=False, server_default=""),
        sa.Column("pid", sa.Integer, nullable=False, server_default="0"),
        sa.Column("started_at", UTCDateTime, nullable=False),
        sa.Column("beat_at", UTCDateTime, nullable=False),
        sa.Column("stopped_at", UTCDateTime),
    )
    op.create_table(
        "schedule_notices",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("issue_id", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("at", UTCDateTime, nullable=False),
        sa.Column("detail", sa.Text, nullable=False, server_default=""),
        sa.UniqueConstraint("issue_id", "kind", name="uq_schedule_notices_issue_id_kind"),
    )
    counts = op.create_table(
        "send_counts",
        sa.Column("minute", UTCDateTime, primary_key=True),
        sa.Column("sent", sa.Integer, nullable=False, server_default="0"),
    )
    _count_the_last_hour(counts)


def _count_the_last_hour(counts: sa.Table) -> None:
    """What was sent in the hour before the upgrade counts against the shared hourly limit, so a
    restart into this version mid-send never allows a second full hour's worth at once."""
    outbox = sa.table("outbox", sa.column("status", sa.String), sa.column("sent_at", UTCDateTime))
    since = datetime.now(UTC) - timedelta(hours=1)
    per_minute = Counter(
        sent_at.replace(second=0, microsecond=0)
        for (sent_at,) in op.get_bind().execute(sa.select(outbox.c.sent_at).where(
            outbox.c.status == "sent", outbox.c.sent_at > since))
    )
    if per_minute:
        op.bulk_insert(counts, [{"minute": minute, "sent": n} for minute, n in sorted(per_minute.items())])


def downgrade() -> None:
    for table in ("send_counts", "schedule_notices", "scheduler_heartbeat"):
        op.drop_table(table)
    op.drop_index("ix_job_runs_job_started_at", table_name="job_runs")
    op.drop_table("job_runs")
