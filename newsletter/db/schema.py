"""Table definitions (SQLAlchemy Core). Migrations in ``migrations/versions`` create them.

Where a new table goes: define it here in the block of its domain, and add a migration
that creates it. Queries live in the per-domain modules beside this one.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from newsletter.db.types import UTCDateTime

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

# --- collect -------------------------------------------------------------------------------

sources = Table(
    "sources",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("key", String(200), nullable=False, unique=True),
    Column("partner_key", String(100), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("url", Text, nullable=False),
    Column("section", String(100), nullable=False),
    Column("enabled", Boolean, nullable=False, default=True),
    Column("in_config", Boolean, nullable=False, default=True),
    # HTTP caching state for conditional GET
    Column("etag", Text),
    Column("last_modified", Text),
    Column("retry_after", UTCDateTime),
    # health
    Column("last_fetch_at", UTCDateTime),
    Column("last_success_at", UTCDateTime),
    Column("last_status", Integer),
    Column("last_error", Text),
    Column("consecutive_failures", Integer, nullable=False, default=0),
    Column("gone", Boolean, nullable=False, default=False),
    Column("new_items_last_run", Integer, nullable=False, default=0),
    Column("last_new_item_at", UTCDateTime),
    Column("created_at", UTCDateTime, nullable=False),
)

items = Table(
    "items",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("source_id", Integer, ForeignKey("sources.id", ondelete="SET NULL")),
    Column("origin", String(20), nullable=False),  # "feed" or "curated"
    Column("partner_key", String(100)),
    Column("section", String(100)),
    Column("guid", Text),
    Column("url", Text, nullable=False),
    Column("canonical_url", Text, nullable=False),
    Column("title", Text, nullable=False),
    Column("summary_html", Text, nullable=False, default=""),
    Column("summary_text", Text, nullable=False, default=""),
    Column("image_url", Text),
    Column("image_alt", Text),
    Column("author", Text),
    Column("language", String(10)),
    Column("published_at", UTCDateTime, nullable=False),
    Column("first_seen_at", UTCDateTime, nullable=False),
    Column("date_is_estimated", Boolean, nullable=False, default=False),
    Column("content_hash", String(64), nullable=False),
    Column("pinned", Boolean, nullable=False, default=False),
    # events (curated items such as Industriens Dag)
    Column("event_starts_at", UTCDateTime),
    Column("event_ends_at", UTCDateTime),
    Column("event_location", Text),
    Column("signup_url", Text),
    Column("created_by", String(200)),
    Column("removed_at", UTCDateTime),
    UniqueConstraint("source_id", "guid"),
    Index("ix_items_canonical_url", "canonical_url"),
    Index("ix_items_content_hash", "content_hash"),
    Index("ix_items_first_seen_at", "first_seen_at"),
)

fetch_log = Table(
    "fetch_log",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("source_id", Integer, ForeignKey("sources.id", ondelete="CASCADE"), nullable=False),
    Column("fetched_at", UTCDateTime, nullable=False),
    Column("status", Integer),
    Column("outcome", String(20), nullable=False),  # ok, not_modified, error, skipped
    Column("error", Text),
    Column("new_items", Integer, nullable=False, default=0),
    Column("bytes", Integer, nullable=False, default=0),
    Column("duration_ms", Integer, nullable=False, default=0),
    Index("ix_fetch_log_source_id_fetched_at", "source_id", "fetched_at"),
)
