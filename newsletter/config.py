"""Configuration: feeds.yaml (partners, sources, sections, newsletters, brand) plus the environment.

Loaded once, validated at load, frozen afterwards. A mistake raises ``ConfigError`` naming the
file, the key path (``partners[3].sources[0].url``) and what is wrong.
Secrets and deployment settings come only from the environment (or a ``.env`` file):
DATABASE_URL, SMTP_URL, SECRET_KEY, BASE_URL.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from newsletter.errors import ConfigError

# re-exported: Settings and the environment loader used to live here
from newsletter.settings import Settings as Settings
from newsletter.settings import load_settings as load_settings
from newsletter.settings import read_dotenv as read_dotenv

KEY_PATTERN = r"^[a-z0-9][a-z0-9_-]*$"
SourceKind = Literal["feed", "jsonfeed", "html", "sitemap", "ical"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Selectors(_Model):
    """CSS selectors for a news-list page; all but ``item`` are relative to one item."""

    item: str
    title: str
    link: str = "a"
    date: str | None = None
    summary: str | None = None
    image: str | None = None
    # events (issue 12): where an item's start, end and place are; Danish date forms
    starts: str | None = None
    ends: str | None = None
    place: str | None = None
    # read each item's own page for schema.org Event JSON-LD (date, place, sign-up)
    event_pages: bool = False


class SourceConfig(_Model):
    key: str = Field(default="", pattern=r"^$|" + KEY_PATTERN)
    kind: SourceKind
    url: str
    section: str | None = None
    enabled: bool = True
    selectors: Selectors | None = None
    max_items: int = Field(default=50, ge=1, le=1000)
    language: str = "da"

    @field_validator("url")
    @classmethod
    def _url_scheme(cls, value: str) -> str:
        scheme = urlsplit(value).scheme
        if scheme and scheme not in ("http", "https", "file"):
            raise ValueError(f"URL scheme {scheme!r} is not supported; use http, https or file")
        return value

    @model_validator(mode="after")
    def _html_needs_selectors(self) -> SourceConfig:
        if self.kind == "html" and self.selectors is None:
            raise ValueError("a source of kind 'html' needs 'selectors' (at least item and title)")
        return self


class PartnerConfig(_Model):
    key: str = Field(pattern=KEY_PATTERN)
    name: str = Field(min_length=1)
    short_name: str = ""
    website: str = ""
    municipality: str | None = None
    section: str | None = None
    sources: tuple[SourceConfig, ...] = ()


class SectionConfig(_Model):
    key: str = Field(pattern=KEY_PATTERN)
    title: str = Field(min_length=1)
    title_en: str = ""
    max_items: int = Field(default=8, ge=1, le=100)


WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class NewsletterConfig(_Model):
    key: str = Field(pattern=KEY_PATTERN)
    name: str = Field(min_length=1)
    language: Literal["da", "en"] = "da"
    sections: tuple[str, ...] = ()
    subject: str = "Nyt fra Danmarks Produktionscentrum · uge {{ week }}"
    preheader: str = "Ugens nyheder fra erhvervsfremmen i Trekantområdet"
    intro: str = ""
    max_per_partner: int = Field(default=3, ge=1, le=100)
    max_items: int = Field(default=30, ge=1, le=500)
    window_days: int = Field(default=7, ge=1, le=90)
    empty_week: Literal["skip", "curated_only"] = "skip"
    utm: bool = True
    send_day: str = "thu 08:00"
    # compose/render (issue 3): events section, why the reader gets the email (markedsføringsloven §10), UTM source
    events_section: str = "arrangementer"
    # events (issue 12): an event further ahead than this waits for a later issue
    events_weeks_ahead: int = Field(default=8, ge=1, le=104)
    footer_reason: str = ""
    utm_source: str = "nyhedsbrev"

    @field_validator("send_day")
    @classmethod
    def _send_day(cls, value: str) -> str:
        """"thu 08:00" (also "thursday 8.00"), written back as "thu 08:00": compose, the
        deadlines, the workspace and the events window all read it, so a typo is refused here."""
        parts = value.split() or ["thu"]
        day, clock = parts[0].lower()[:3], parts[1] if len(parts) > 1 else "08:00"
        match = re.fullmatch(r"(\d{1,2})[:.](\d{2})", clock)
        if day not in WEEKDAYS or len(parts) > 2 or not match or int(match[1]) > 23 or int(match[2]) > 59:
            raise ValueError(f"{value!r} is not a weekday and a time, e.g. 'thu 08:00'")
        return f"{day} {int(match[1]):02d}:{match[2]}"


class ColorsConfig(_Model):
    primary: str = Field(default="#0b3d5c", pattern=r"^#[0-9a-fA-F]{6}$")
    accent: str = Field(default="#e5722f", pattern=r"^#[0-9a-fA-F]{6}$")
    text: str = Field(default="#1d1d1b", pattern=r"^#[0-9a-fA-F]{6}$")
    background: str = Field(default="#f3f4f6", pattern=r"^#[0-9a-fA-F]{6}$")


class BrandConfig(_Model):
    name: str = "Danmarks Produktionscentrum"
    organisation: str = "Trekantområdet Danmark"
    website: str = "https://www.trekantomraadet.dk"
    logo_url: str = ""
    logo_alt: str = "Danmarks Produktionscentrum"
    colors: ColorsConfig = ColorsConfig()
    font_family: str = "Arial, Helvetica, sans-serif"
    sender_name: str = "Danmarks Produktionscentrum"
    sender_email: str = "nyhedsbrev@example.dk"
    reply_to: str = ""
    contact_email: str = "kontakt@example.dk"
    postal_address: str = ""
    cvr: str = ""
    # render (issue 3): a deployment template dir searched before the repo's templates/
    template_dir: str = ""


class CollectConfig(_Model):
    concurrency: int = Field(default=16, ge=1, le=256)
    per_host: int = Field(default=4, ge=1, le=64)
    connect_timeout: float = Field(default=5.0, gt=0)
    read_timeout: float = Field(default=15.0, gt=0)
    deadline: float = Field(default=45.0, gt=0)
    max_bytes: int = Field(default=10_000_000, ge=1024)
    max_redirects: int = Field(default=5, ge=0, le=20)
    contact_url: str = "https://www.trekantomraadet.dk"
    stale_after_days: int = Field(default=21, ge=1)
    sitemap_pages_per_run: int = Field(default=20, ge=0, le=500)
    summary_chars: int = Field(default=300, ge=40, le=5000)
    # None: parse in processes when a run fetches 50+ sources on a multi-core machine; 0: threads
    parse_processes: int | None = Field(default=None, ge=0, le=32)


class SendConfig(_Model):
    """Queue and send (issue 5): pace, retries, bounces, list headers, DKIM. The DKIM private
    key is a secret: its path comes from the environment (DKIM_KEY_PATH), never from here."""

    workers: int = Field(default=4, ge=1, le=64)
    rate_per_second: float = Field(default=20.0, ge=0)
    rate_per_hour: int = Field(default=0, ge=0)
    batch_size: int = Field(default=100, ge=1, le=10_000)
    lease_seconds: int = Field(default=300, ge=1)
    smtp_timeout: float = Field(default=30.0, gt=0)
    # how long to wait for the reply to the final "." of DATA (RFC 5321 §4.5.3.2.6: 10 minutes);
    # no reply in that time is an unknown fate, never a retry (issue 8, §5)
    smtp_data_timeout: float = Field(default=600.0, gt=0)
    max_attempts: int = Field(default=6, ge=1, le=50)
    backoff_seconds: float = Field(default=60.0, ge=0)
    backoff_max_seconds: float = Field(default=3600.0, ge=0)
    bounce_threshold: int = Field(default=3, ge=1)
    stop_after_content_refusals: int = Field(default=5, ge=0)
    list_id: str = ""
    feedback_id: str = ""
    unsubscribe_mailto: str = ""
    message_id_domain: str = ""
    dkim_selector: str = ""
    dkim_domain: str = ""


class ScheduleConfig(_Model):
    timezone: str = "Europe/Copenhagen"
    collect: tuple[str, ...] = ("0 6,12,18 * * *",)
    draft: tuple[str, ...] = ("0 9 * * tue",)
    send: tuple[str, ...] = ("*/5 * * * *",)
    reviewers: tuple[str, ...] = ()
    # issue 11: the unattended week. `deadlines` checks each newsletter's planned send
    # (newsletters[].send_day): a reminder `remind_before_hours` before it while the issue is not
    # approved, the issue held (never sent) and the team told at that time, and an approved
    # issue nobody queued queued then (`queue_approved`).
    deadlines: tuple[str, ...] = ("*/10 * * * *",)
    remind_before_hours: int = Field(default=24, ge=0, le=24 * 7)
    queue_approved: bool = True
    # issue 10/11: approved social posts go out at their planned times (social.schedule) on the
    # networks with a publisher; this is how often the scheduler looks for due posts
    social: tuple[str, ...] = ("*/10 * * * *",)

    @field_validator("collect", "draft", "send", "deadlines", "social", "reviewers", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return (value,) if isinstance(value, str) else value

    @field_validator("reviewers")
    @classmethod
    def _addresses(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for address in value:
            if "@" not in address or any(c in address for c in " \r\n,;<>"):
                raise ValueError(f"{address!r} is not one e-mail address")
        return value

    @field_validator("collect", "draft", "send", "deadlines", "social")
    @classmethod
    def _cron_fields(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for expr in value:
            if len(expr.split()) != 5:
                raise ValueError(f"{expr!r} is not a 5-field cron expression (minute hour day month weekday)")
        return value


class SubscribersConfig(_Model):
    """Sign-up, consent and link settings (issue 4); see README, "Subscribers"."""

    consent_version: str = "2026-1"
    confirm_link_hours: int = Field(default=72, ge=1, le=24 * 30)
    preferences_link_days: int = Field(default=365, ge=1)
    resend_after_minutes: int = Field(default=10, ge=0)
    subscribe_per_ip: int = Field(default=10, ge=1)
    rate_window_minutes: int = Field(default=10, ge=1)
    privacy_url: str = ""


class TeamConfig(_Model):
    """The team's browser workspace (issue 9); see docs/workspace.md."""

    four_eyes: bool = False  # the approver may not be the last person who edited the issue
    session_idle_minutes: int = Field(default=120, ge=5, le=24 * 60)
    password_min_length: int = Field(default=12, ge=8, le=128)
    login_failures_per_account: int = Field(default=5, ge=1)
    login_failures_per_ip: int = Field(default=20, ge=1)
    login_window_minutes: int = Field(default=15, ge=1)
    set_password_hours: int = Field(default=72, ge=1, le=24 * 30)


SOCIAL_NETWORKS = ("linkedin", "x", "facebook", "bluesky", "mastodon")


DEFAULT_SLOTS: dict[str, tuple[str, ...]] = {
    "linkedin": ("tue 09:30", "thu 09:30"),
    "x": ("mon-fri 09:00", "mon-fri 14:00"),
    "facebook": ("mon,wed,fri 10:00",),
    "bluesky": ("mon-fri 09:15", "mon-fri 14:15"),
    "mastodon": ("mon-fri 09:15", "mon-fri 14:15"),
}
DEFAULT_MAX_HASHTAGS = {"linkedin": 3, "x": 2, "facebook": 2, "bluesky": 2, "mastodon": 3}
DEFAULT_MAX_POSTS = {"linkedin": 4, "x": 10, "facebook": 4, "bluesky": 10, "mastodon": 10}


def _known_networks(value: dict[str, Any]) -> dict[str, Any]:
    for key in value:
        if key not in SOCIAL_NETWORKS:
            raise ValueError(f"unknown network {key!r}; known: {', '.join(SOCIAL_NETWORKS)}")
    return value


_SLOT = re.compile(r"^(mon|tue|wed|thu|fri|sat|sun)(-(mon|tue|wed|thu|fri|sat|sun))?"
                   r"(,(mon|tue|wed|thu|fri|sat|sun)(-(mon|tue|wed|thu|fri|sat|sun))?)* ([01]?[0-9]|2[0-3]):[0-5][0-9]$")


class SocialHashtagsConfig(_Model):
    """Hashtags (issue 10), written as words ("Danmarks Produktionscenter") or tags; each becomes
    CamelCase (#DanmarksProduktionscenter). The issue's and partner's come first."""

    always: tuple[str, ...] = ()
    partners: dict[str, tuple[str, ...]] = Field(default_factory=dict)
    sections: dict[str, tuple[str, ...]] = Field(default_factory=dict)


class SocialScheduleConfig(_Model):
    """When posts are planned: slots such as ``"tue 09:30"`` or ``"mon-fri 12:00"``, Danish time,
    from the day after the issue goes out. ``weekends: false`` skips Saturday and Sunday."""

    timezone: str = "Europe/Copenhagen"
    weekends: bool = False
    start_days_after: int = Field(default=1, ge=0, le=14)
    slots: dict[str, tuple[str, ...]] = Field(default_factory=lambda: dict(DEFAULT_SLOTS))

    @field_validator("slots")
    @classmethod
    def _slot_syntax(cls, value: dict[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
        _known_networks(value)
        for network, slots in value.items():
            if not slots:
                raise ValueError(f"{network}: give at least one slot such as 'tue 09:30'")
            for slot in slots:
                if not _SLOT.match(slot.strip().lower()):
                    raise ValueError(f"{network}: {slot!r} is not a slot like 'tue 09:30' or 'mon-fri 12:00'")
        return {**DEFAULT_SLOTS, **value}  # a network not named keeps its default slots


class SocialPublisherConfig(_Model):
    """How one network's approved posts leave the tool. Tokens and secrets come from the
    environment variable named here, never from this file."""

    kind: Literal["webhook", "mastodon", "bluesky", "linkedin"]
    url: str
    token_env: str = ""
    secret_env: str = ""
    handle: str = ""          # bluesky: the account's handle or DID
    organization: str = ""    # linkedin: urn:li:organization:<id>
    api_version: str = "202511"  # linkedin: the LinkedIn-Version header (YYYYMM)
    timeout: float = Field(default=20.0, gt=0)
    retries: int = Field(default=4, ge=0, le=10)
    backoff_seconds: float = Field(default=2.0, ge=0)

    @field_validator("url")
    @classmethod
    def _http(cls, value: str) -> str:
        if urlsplit(value).scheme not in ("http", "https"):
            raise ValueError(f"{value!r} is not an http(s) URL")
        return value.rstrip("/")


class SocialConfig(_Model):
    """Social posts (issue 10): which networks, hashtags, when, and how they are published."""

    networks: tuple[str, ...] = SOCIAL_NETWORKS
    hashtags: SocialHashtagsConfig = SocialHashtagsConfig()
    max_hashtags: dict[str, int] = Field(default_factory=lambda: dict(DEFAULT_MAX_HASHTAGS))
    # item posts drafted per network and issue (the issue's first items); 0 = every included item
    max_posts: dict[str, int] = Field(default_factory=lambda: dict(DEFAULT_MAX_POSTS))
    issue_post: bool = True
    schedule: SocialScheduleConfig = SocialScheduleConfig()
    publishers: dict[str, SocialPublisherConfig] = Field(default_factory=dict)
    # a post still 'publishing' this long after its run started is looked at again (see publish/)
    publish_lease_seconds: int = Field(default=600, ge=1)

    @field_validator("publishers")
    @classmethod
    def _networks_known(cls, value: dict[str, Any]) -> dict[str, Any]:
        return _known_networks(value)

    @field_validator("max_hashtags", "max_posts")
    @classmethod
    def _caps(cls, value: dict[str, int], info: Any) -> dict[str, int]:
        _known_networks(value)
        if any(n < 0 for n in value.values()):
            raise ValueError("give 0 or more")
        defaults = DEFAULT_MAX_HASHTAGS if info.field_name == "max_hashtags" else DEFAULT_MAX_POSTS
        return {**defaults, **value}  # a network not named keeps its default

    @field_validator("networks")
    @classmethod
    def _networks_listed(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        _known_networks(dict.fromkeys(value))
        return tuple(dict.fromkeys(value))
class MediaConfig(_Model):
    """Pictures we own (issue 10): lead images fetched at draft time, verified, cropped and
    resized, stored under ``folder`` and linked at ``base_url``; see docs/media.md."""

    hotlink: bool = False  # true: the email links the partner's image as before (no copies)
    folder: str = ""  # default: <var>/media; relative paths are relative to feeds.yaml
    base_url: str = ""  # default: BASE_URL + "/media" (set it to a CDN that mirrors folder)
    max_pixels: int = Field(default=40_000_000, ge=10_000, le=200_000_000)
    min_width: int = Field(default=480, ge=1, le=4000)
    jpeg_quality: int = Field(default=82, ge=40, le=95)
    retry_minutes: int = Field(default=60, ge=0)
    # URL prefix -> local folder (relative to feeds.yaml): images read from disk instead of the
    # network, e.g. the demo's sample images; nothing outside the folder is ever read
    local_folders: dict[str, str] = Field(default_factory=dict)

    @field_validator("base_url")
    @classmethod
    def _http_base(cls, value: str) -> str:
        if value and urlsplit(value).scheme not in ("http", "https"):
            raise ValueError("base_url must be an http(s) URL, e.g. https://cdn.example.dk/media")
        return value.rstrip("/")

    @field_validator("local_folders")
    @classmethod
    def _prefixes(cls, value: dict[str, str]) -> dict[str, str]:
        for prefix in value:
            if urlsplit(prefix).scheme not in ("http", "https") or not prefix.endswith("/"):
                raise ValueError(f"{prefix!r}: a prefix is an http(s) URL ending in '/'")
        return value


class FileConfig(_Model):
    """The shape of feeds.yaml."""

    brand: BrandConfig = BrandConfig()
    subscribers: SubscribersConfig = SubscribersConfig()
    collect: CollectConfig = CollectConfig()
    schedule: ScheduleConfig = ScheduleConfig()
    send: SendConfig = SendConfig()
    team: TeamConfig = TeamConfig()
    social: SocialConfig = SocialConfig()
    media: MediaConfig = MediaConfig()
    sections: tuple[SectionConfig, ...] = Field(min_length=1)
    partners: tuple[PartnerConfig, ...] = ()
    newsletters: tuple[NewsletterConfig, ...] = Field(min_length=1)
    default_section: str = ""


@dataclass(frozen=True)
class Source:
    """One source as collect sees it: config plus the partner it belongs to."""

    key: str
    partner_key: str
    partner_name: str
    kind: str
    url: str
    section: str
    enabled: bool
    selectors: Selectors | None
    max_items: int
    language: str


@dataclass(frozen=True)
class Config:
    path: Path
    data: FileConfig
    settings: Settings

    @property
    def brand(self) -> BrandConfig:
        return self.data.brand

    @property
    def collect(self) -> CollectConfig:
        return self.data.collect

    @property
    def media(self) -> MediaConfig:
        return self.data.media

    @property
    def sections(self) -> tuple[SectionConfig, ...]:
        return self.data.sections

    @property
    def partners(self) -> tuple[PartnerConfig, ...]:
        return self.data.partners

    @property
    def newsletters(self) -> tuple[NewsletterConfig, ...]:
        return self.data.newsletters

    def sources(self) -> list[Source]:
        return _flatten_sources(self.data, self.path.parent)

    def partner(self, key: str) -> PartnerConfig | None:
        return next((p for p in self.partners if p.key == key), None)

    def section(self, key: str) -> SectionConfig | None:
        return next((s for s in self.sections if s.key == key), None)

    def sections_of(self, newsletter: NewsletterConfig) -> tuple[str, ...]:
        """The section keys a newsletter carries, in order: its own list, else every section."""
        return newsletter.sections or tuple(s.key for s in self.sections)

    def newsletter(self, key: str | None = None) -> NewsletterConfig:
        if key is None:
            return self.newsletters[0]
        for newsletter in self.newsletters:
            if newsletter.key == key:
                return newsletter
        known = ", ".join(n.key for n in self.newsletters)
        raise ConfigError(str(self.path), "newsletters", f"no newsletter {key!r}; known: {known}")


def source_key(partner: PartnerConfig, index: int) -> str:
    """A source's key: its own, else the partner's key, then ``partner-2``, ``partner-3``..."""
    own = partner.sources[index].key
    return own or (partner.key if index == 0 else f"{partner.key}-{index + 1}")


def _flatten_sources(data: FileConfig, base_dir: Path) -> list[Source]:
    default_section = data.default_section or data.sections[0].key
    result = []
    for partner in data.partners:
        for index, source in enumerate(partner.sources):
            key = source_key(partner, index)
            result.append(
                Source(
                    key=key,
                    partner_key=partner.key,
                    partner_name=partner.name,
                    kind=source.kind,
                    url=_resolve_url(source.url, base_dir),
                    section=source.section or partner.section or default_section,
                    enabled=source.enabled,
                    selectors=source.selectors,
                    max_items=source.max_items,
                    language=source.language,
                )
            )
    return result


def _resolve_url(url: str, base_dir: Path) -> str:
    """A URL without a scheme is a file path relative to the config file."""
    if urlsplit(url).scheme:
        return url
    return (base_dir / url).resolve().as_uri()


def _format_loc(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif str(part).startswith(("function-after", "function-before", "literal")):
            continue
        else:
            out += f".{part}" if out else str(part)
    return out


def _check_references(data: FileConfig, file: str) -> None:
    section_keys = {s.key for s in data.sections}
    _unique([s.key for s in data.sections], file, "sections", "section key")
    _unique([p.key for p in data.partners], file, "partners", "partner key")
    _unique([n.key for n in data.newsletters], file, "newsletters", "newsletter key")
    if data.default_section and data.default_section not in section_keys:
        raise ConfigError(file, "default_section", _unknown_section(data.default_section, section_keys))
    source_keys: dict[str, str] = {}
    for p_index, partner in enumerate(data.partners):
        if partner.section and partner.section not in section_keys:
            raise ConfigError(file, f"partners[{p_index}].section", _unknown_section(partner.section, section_keys))
        for s_index, source in enumerate(partner.sources):
            where = f"partners[{p_index}].sources[{s_index}]"
            if source.section and source.section not in section_keys:
                raise ConfigError(file, f"{where}.section", _unknown_section(source.section, section_keys))
            key = source_key(partner, s_index)
            if key in source_keys:
                raise ConfigError(file, f"{where}.key", f"source key {key!r} is already used by {source_keys[key]}")
            source_keys[key] = where
    partner_keys = {p.key for p in data.partners}
    for key in data.social.hashtags.partners:
        if key not in partner_keys:
            raise ConfigError(file, f"social.hashtags.partners.{key}", f"unknown partner {key!r}")
    for key in data.social.hashtags.sections:
        if key not in section_keys:
            raise ConfigError(file, f"social.hashtags.sections.{key}", _unknown_section(key, section_keys))
    for n_index, newsletter in enumerate(data.newsletters):
        for s_index, section in enumerate(newsletter.sections):
            if section not in section_keys:
                raise ConfigError(file, f"newsletters[{n_index}].sections[{s_index}]", _unknown_section(section, section_keys))


def _unknown_section(key: str, known: set[str]) -> str:
    return f"unknown section {key!r}; known sections: {', '.join(sorted(known))}"


def _unique(keys: list[str], file: str, path: str, what: str) -> None:
    seen: set[str] = set()
    for index, key in enumerate(keys):
        if key in seen:
            raise ConfigError(file, f"{path}[{index}].key", f"duplicate {what} {key!r}")
        seen.add(key)


def parse_config(text: str, file: str) -> FileConfig:
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise ConfigError(file, where, f"not valid YAML: {getattr(e, 'problem', e)}") from e
    if not isinstance(raw, dict):
        raise ConfigError(file, "", "the file must be a YAML mapping with sections, partners and newsletters")
    try:
        data = FileConfig.model_validate(raw)
    except ValidationError as e:
        # every problem, one line each, so a person fixes the file in one go (issue 11)
        first, *rest = e.errors()
        others = "".join(f"\n{file}: {_format_loc(tuple(err['loc']))}: {_describe(err)}" for err in rest)
        raise ConfigError(file, _format_loc(tuple(first["loc"])), _describe(first) + others) from e
    _check_references(data, file)
    return data


def _describe(error: Any) -> str:
    if error["type"] == "extra_forbidden":
        return "unknown key (check the spelling against the README's configuration section)"
    if error["type"] == "missing":
        return "required key is missing"
    message = str(error["msg"])
    return message.removeprefix("Value error, ")


def default_config_path() -> Path:
    return Path(os.environ.get("NEWSLETTER_CONFIG", "feeds.yaml"))


def load_config(path: Path | str | None = None, settings: Settings | None = None) -> Config:
    path = Path(path) if path is not None else default_config_path()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as e:
        raise ConfigError(str(path), "", "file not found (set --config or NEWSLETTER_CONFIG)") from e
    except UnicodeDecodeError as e:
        raise ConfigError(str(path), "", f"not UTF-8 text: {e}") from e
    data = parse_config(text, str(path))
    return Config(path=path.resolve(), data=data, settings=settings or load_settings())
