"""Table definitions (SQLAlchemy Core). Migrations in ``migrations/versions`` create them.

Where a new table goes: define it here in the block of its domain, and add a migration
that creates it. Queries live in the per-domain modules beside this one.
"""

from __future__ import annotations

import secrets

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from newsletter.db.types import Occurrences, UTCDateTime

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
    Column("last_warnings", JSON),  # list of str: the warnings of the last run (migration 0006)
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
    # events from any source (issue 12, migration 0013): all-day, the calendar's UID, and the
    # dates of a recurring event inside the collect window
    Column("event_all_day", Boolean, nullable=False, default=False),
    Column("event_uid", Text),
    Column("event_occurrences", Occurrences),
    UniqueConstraint("source_id", "guid"),
    Index("ix_items_canonical_url", "canonical_url"),
    Index("ix_items_content_hash", "content_hash"),
    Index("ix_items_first_seen_at", "first_seen_at"),
    Index("ix_items_event_starts_at", "event_starts_at"),
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
    Column("warnings", JSON),  # list of str (migration 0006)
    Index("ix_fetch_log_source_id_fetched_at", "source_id", "fetched_at"),
)

# --- compose / review / render (issue 3) ----------------------------------------------------

issues = Table(
    "issues",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("newsletter_key", String(100), nullable=False),
    Column("iso_year", Integer, nullable=False),
    Column("iso_week", Integer, nullable=False),
    Column("issue_date", Date, nullable=False),
    Column("status", String(20), nullable=False),  # draft, approved, queued, sent
    Column("subject", Text, nullable=False),
    Column("preheader", Text, nullable=False, default=""),
    Column("intro", Text, nullable=False, default=""),
    Column("window_start", UTCDateTime, nullable=False),
    Column("window_end", UTCDateTime, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("approved_by", String(200)),
    Column("approved_at", UTCDateTime),
    Column("sent_at", UTCDateTime),
    UniqueConstraint("newsletter_key", "iso_year", "iso_week"),
)

issue_items = Table(
    "issue_items",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("issue_id", Integer, ForeignKey("issues.id", ondelete="CASCADE"), nullable=False),
    Column("item_id", Integer, ForeignKey("items.id", ondelete="CASCADE"), nullable=False),
    # a near-duplicate points at the item shown in its place ("Også omtalt af ...")
    Column("duplicate_of", Integer, ForeignKey("items.id", ondelete="CASCADE")),
    Column("section", String(100), nullable=False),
    Column("position", Integer, nullable=False, default=0),
    Column("included", Boolean, nullable=False, default=True),
    Column("reason", String(40), nullable=False, default=""),  # why compose left it out
    Column("moved", Boolean, nullable=False, default=False),
    Column("edited", Boolean, nullable=False, default=False),
    Column("title_override", Text),
    Column("summary_override", Text),
    UniqueConstraint("issue_id", "item_id"),
    Index("ix_issue_items_item_id", "item_id"),
)

renders = Table(
    "renders",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("issue_id", Integer, ForeignKey("issues.id", ondelete="CASCADE"), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("subject", Text, nullable=False),
    Column("preheader", Text, nullable=False),
    Column("html", Text, nullable=False),
    Column("text", Text, nullable=False),
    Column("web_html", Text, nullable=False),
    Column("preflight", Text, nullable=False, default="[]"),  # JSON list of findings
    # the random token of this render's placeholders (issue 8); NULL: made before, bare %%name%%
    Column("placeholder_token", String(32)),
    Index("ix_renders_issue_id", "issue_id"),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("at", UTCDateTime, nullable=False),
    Column("actor", String(200), nullable=False),
    Column("action", String(60), nullable=False),
    Column("object_type", String(40), nullable=False),
    Column("object_id", Integer),
    Column("detail", Text, nullable=False, default="{}"),  # JSON
    Index("ix_audit_log_object_type_object_id", "object_type", "object_id"),
)

# --- subscribers (issue 4) ---------------------------------------------------------------

def new_link_key() -> str:
    """A subscriber's link key: every signed link names it, so a link works only for the row it
    was made for (issue 8). 16 URL-safe characters, 96 random bits."""
    return secrets.token_urlsafe(12)


subscribers = Table(
    "subscribers",
    metadata,
    # AUTOINCREMENT on SQLite (sqlite_autoincrement below): an erased person's id is never
    # given to the next sign-up (issue 8, migration 0008). PostgreSQL's sequence never reuses.
    Column("id", Integer, primary_key=True),
    # normalised (lower case, punycode domain): the identity; email_display: as typed
    Column("email", String(320), nullable=False, unique=True),
    Column("email_display", String(320), nullable=False),
    Column("name", String(200), nullable=False, default=""),
    Column("organisation", String(200), nullable=False, default=""),
    Column("language", String(2), nullable=False, default="da"),
    # the double opt-in link carries this; cleared when used, so a replayed link is refused
    Column("confirm_nonce", String(64)),
    Column("confirm_sent_at", UTCDateTime),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    # random, per row; every unsubscribe and preferences link carries it (migration 0008)
    Column("link_key", String(32), nullable=False, default=new_link_key),
    sqlite_autoincrement=True,
)

# One web sign-up: what that person asked for (issue 8). The confirmation link carries the
# request's nonce and confirms exactly these newsletters and details, nothing a later form
# for the same address added. Deleted with the subscriber (erasure) and when used.
signup_requests = Table(
    "signup_requests",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("subscriber_id", Integer, ForeignKey("subscribers.id", ondelete="CASCADE"), nullable=False),
    Column("nonce", String(64), nullable=False, unique=True),
    Column("newsletters", JSON, nullable=False),  # list of newsletter keys
    Column("email_display", String(320), nullable=False),
    Column("name", String(200), nullable=False, default=""),
    Column("organisation", String(200), nullable=False, default=""),
    Column("language", String(2), nullable=False, default="da"),
    Column("created_at", UTCDateTime, nullable=False),
    Index("ix_signup_requests_subscriber_id", "subscriber_id"),
    sqlite_autoincrement=True,
)

subscriptions = Table(
    "subscriptions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("subscriber_id", Integer, ForeignKey("subscribers.id", ondelete="CASCADE"), nullable=False),
    Column("newsletter_key", String(100), nullable=False),
    Column("status", String(20), nullable=False),  # pending active unsubscribed bounced complained
    Column("all_sections", Boolean, nullable=False, default=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("confirmed_at", UTCDateTime),
    Column("unsubscribed_at", UTCDateTime),
    UniqueConstraint("subscriber_id", "newsletter_key"),
    Index("ix_subscriptions_newsletter_key_status", "newsletter_key", "status"),
)

subscription_sections = Table(
    "subscription_sections",
    metadata,
    Column("subscription_id", Integer, ForeignKey("subscriptions.id", ondelete="CASCADE"), primary_key=True),
    Column("section", String(100), primary_key=True),
)

consent_records = Table(
    "consent_records",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("subscription_id", Integer, ForeignKey("subscriptions.id", ondelete="CASCADE"), nullable=False),
    Column("action", String(20), nullable=False),  # given, confirmed, withdrawn
    Column("at", UTCDateTime, nullable=False),
    Column("source", String(20), nullable=False),  # web, import, team, preferences, unsubscribe
    Column("detail", Text, nullable=False, default=""),  # file and row, team member, ...
    Column("ip", String(45)),
    Column("consent_version", String(40)),
    Column("consent_text", Text),
    Index("ix_consent_records_subscription_id", "subscription_id"),
)

suppressions = Table(
    "suppressions",
    metadata,
    Column("email_hash", String(64), primary_key=True),  # sha256 of the normalised address
    Column("reason", String(40), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)

# Hits per client IP and fixed window, for the web's rate limit (several workers share it).
# Rows older than two windows are pruned as new hits arrive, so the table stays small and an
# IP (personal data) is kept only minutes.
rate_limit_hits = Table(
    "rate_limit_hits",
    metadata,
    Column("key", String(100), primary_key=True),
    Column("window_start", UTCDateTime, primary_key=True),
    Column("hits", Integer, nullable=False),
    Index("ix_rate_limit_hits_window_start", "window_start"),
)

# --- outbox (issue 5) ----------------------------------------------------------------------
# issue_id and subscriber_id are plain integers without foreign keys on purpose: the outbox
# is a delivery log that must keep its rows (and their fate) even if an issue is deleted, and
# migrations 0002/0003 were written in parallel. A GDPR erase deletes a subscriber's rows with
# ``newsletter.db.outbox.erase_subscriber``.

# What was approved, frozen at queue time: every recipient gets the same version even if the
# issue is edited (and sent back to draft) while the queue drains.
outbox_issues = Table(
    "outbox_issues",
    metadata,
    Column("issue_id", Integer, primary_key=True, autoincrement=False),
    Column("newsletter_key", String(100), nullable=False),
    Column("subject", Text, nullable=False),
    Column("preheader", Text, nullable=False, default=""),
    Column("html", Text, nullable=False),
    Column("text", Text, nullable=False),
    Column("web_url", Text, nullable=False, default=""),
    Column("send_after", UTCDateTime, nullable=False),
    Column("queued_at", UTCDateTime, nullable=False),
    Column("placeholder_token", String(32)),  # the render's token; NULL: queued before issue 8
)

# One row per (issue, subscriber). status: pending -> leased -> sending -> sent, or
# retry (back to pending with a later send_after), failed, bounced, skipped, unknown.
outbox = Table(
    "outbox",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("issue_id", Integer, nullable=False),
    Column("subscriber_id", Integer, nullable=False),
    Column("newsletter_key", String(100), nullable=False),
    Column("email", String(320), nullable=False),
    Column("name", String(200), nullable=False, default=""),
    Column("unsubscribe_url", Text, nullable=False, default=""),
    Column("preferences_url", Text, nullable=False, default=""),
    Column("message_id", String(250), nullable=False, unique=True),
    Column("status", String(12), nullable=False),
    Column("send_after", UTCDateTime, nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("lease_owner", String(64)),
    Column("lease_until", UTCDateTime),
    Column("last_error", Text),
    Column("response", Text),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("sent_at", UTCDateTime),
    UniqueConstraint("issue_id", "subscriber_id"),
    Index("ix_outbox_status_send_after", "status", "send_after"),
    Index("ix_outbox_subscriber_id", "subscriber_id"),
)

# --- team workspace (issue 9, migration 0010) ----------------------------------------------
# ids are never reused (AUTOINCREMENT on SQLite): an old audit entry or session never names
# a later person.

users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(100), nullable=False, unique=True),  # the login name, shown in the audit log
    Column("email", String(320), nullable=False, unique=True),
    Column("role", String(20), nullable=False),  # editor, approver, admin
    Column("password_hash", Text),  # argon2id; None until the set-password link is used
    Column("disabled", Boolean, nullable=False, default=False),
    Column("set_token_hash", String(64)),  # sha256 of the one-time set-password token
    Column("set_token_expires", UTCDateTime),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("last_login_at", UTCDateTime),
    sqlite_autoincrement=True,
)

# One row per logged-in browser; the cookie holds the token, the table only its hash.
team_sessions = Table(
    "team_sessions",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("last_seen_at", UTCDateTime, nullable=False),
    Index("ix_team_sessions_user_id", "user_id"),
)

# Every login attempt, for the per-account and per-IP limits; pruned after a day.
login_attempts = Table(
    "login_attempts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("at", UTCDateTime, nullable=False),
    Column("account", String(100), nullable=False),
    Column("ip", String(64), nullable=False),
    Column("ok", Boolean, nullable=False),
    Index("ix_login_attempts_account_at", "account", "at"),
    Index("ix_login_attempts_ip_at", "ip", "at"),
)


# --- social (issue 10) -----------------------------------------------------------------------
# One row per (issue, network, subject); subject is "issue" for the issue's own post or
# "item:<id>". status: draft -> approved -> exported | publishing -> posted, or unknown (a
# publish was under way when the process died: held for a person) / failed (refused).

social_posts = Table(
    "social_posts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("issue_id", Integer, ForeignKey("issues.id", ondelete="CASCADE"), nullable=False),
    Column("network", String(20), nullable=False),
    Column("subject", String(40), nullable=False),
    Column("item_id", Integer, ForeignKey("items.id", ondelete="SET NULL")),
    Column("text", Text, nullable=False),
    Column("link", Text, nullable=False, default=""),
    Column("title", Text, nullable=False, default=""),
    Column("description", Text, nullable=False, default=""),
    Column("image_url", Text, nullable=False, default=""),
    Column("status", String(12), nullable=False),
    Column("edited", Boolean, nullable=False, default=False),
    Column("planned_at", UTCDateTime),
    Column("approved_by", String(200)),
    Column("approved_at", UTCDateTime),
    Column("exported_at", UTCDateTime),
    Column("publish_key", String(64), nullable=False),  # the Idempotency-Key / record key sent
    Column("publish_started_at", UTCDateTime),  # the current (or last) attempt
    Column("first_attempt_at", UTCDateTime),    # the first: idempotency windows count from it
    Column("attempts", Integer, nullable=False, default=0),
    Column("posted_at", UTCDateTime),
    Column("remote_id", Text),
    Column("remote_url", Text),
    Column("last_error", Text),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    UniqueConstraint("issue_id", "network", "subject"),
    Index("ix_social_posts_status_planned_at", "status", "planned_at"),
)


# --- media (issue 10) ------------------------------------------------------------------------

# One row per (source image URL, use): what became of it. status "ok" names the stored files
# (content-addressed, under media.folder); "failed" keeps the reason shown in `issue show`.
media_images = Table(
    "media_images",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("url_hash", String(64), nullable=False),  # sha256 of source_url: an index-sized key
    Column("kind", String(10), nullable=False),  # "card" (item picture) or "logo"
    Column("source_url", Text, nullable=False),
    Column("status", String(10), nullable=False),  # ok, failed
    Column("error", Text),
    Column("attempts", Integer, nullable=False, default=0),
    Column("fetched_at", UTCDateTime, nullable=False),
    Column("content_type", String(100)),
    Column("original_width", Integer),
    Column("original_height", Integer),
    Column("name_1x", String(80)),
    Column("width_1x", Integer),
    Column("height_1x", Integer),
    Column("name_2x", String(80)),
    Column("width_2x", Integer),
    Column("height_2x", Integer),
    UniqueConstraint("url_hash", "kind"),
)

# The social card last drawn for an issue (item_id 0) or one of its items, and the hash of
# what it shows, so a card is redrawn only when its title, partner, picture or brand changed.
media_cards = Table(
    "media_cards",
    metadata,
    Column("issue_id", Integer, ForeignKey("issues.id", ondelete="CASCADE"), primary_key=True,
           autoincrement=False),
    Column("item_id", Integer, primary_key=True, autoincrement=False),
    Column("input_hash", String(64), nullable=False),
    Column("name", String(80), nullable=False),
    Column("drawn_at", UTCDateTime, nullable=False),
)


# --- schedule (issue 11) -------------------------------------------------------------------------

# One row per run of a scheduled job (or `newsletter run`): what `newsletter status` shows.
job_runs = Table(
    "job_runs",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("job", String(50), nullable=False),
    Column("started_at", UTCDateTime, nullable=False),
    Column("finished_at", UTCDateTime),
    Column("outcome", String(10), nullable=False),  # running, ok, error
    Column("message", Text, nullable=False, default=""),
    Column("duration_ms", Integer),
    Column("host", String(200), nullable=False, default=""),
    Index("ix_job_runs_job_started_at", "job", "started_at"),
)

# The running scheduler says it is alive once a minute (one row); the health endpoint reads it.
scheduler_heartbeat = Table(
    "scheduler_heartbeat",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("host", String(200), nullable=False, default=""),
    Column("pid", Integer, nullable=False, default=0),
    Column("started_at", UTCDateTime, nullable=False),
    Column("beat_at", UTCDateTime, nullable=False),
    Column("stopped_at", UTCDateTime),
)

# What the scheduler told the team about an issue, once each: reminder, held, queued.
schedule_notices = Table(
    "schedule_notices",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("issue_id", Integer, nullable=False),
    Column("kind", String(20), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("detail", Text, nullable=False, default=""),
    UniqueConstraint("issue_id", "kind"),
)

# Send slots taken per minute by every send process together: send.rate_per_hour is one budget
# for all of them, counted over the last 60 minutes (issue 11).
send_counts = Table(
    "send_counts",
    metadata,
    Column("minute", UTCDateTime, primary_key=True),
    Column("sent", Integer, nullable=False, default=0),
)
