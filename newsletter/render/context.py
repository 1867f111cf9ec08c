"""The template context of an issue: plain dicts, lists and strings (documented in templates/README.md).

Content is passed as plain text (Jinja escapes it); URLs are checked (http/https only) and
get UTM parameters here, so no template has to remember to.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from newsletter.config import Config
from newsletter.models import Issue, IssueItem
from newsletter.render.env import (
    clip,
    date_long,
    gettext_for,
    plain,
    readable,
    safe_url,
    time_hm,
    with_utm,
)
from newsletter.render.placeholders import mark_trusted, placeholder, placeholders

TITLE_CHARS = 160
SUMMARY_CHARS = 320


def campaign(issue: Issue) -> str:
    return f"{issue.newsletter_key}-{issue.iso_year}-w{issue.iso_week:02d}"


def archive_path(issue: Issue) -> str:
    """Where an issue lives in the archive site, relative to its root."""
    return f"{issue.newsletter_key}/{issue.iso_year}-uge-{issue.iso_week:02d}.html"


def web_url(config: Config, issue: Issue) -> str:
    return f"{config.settings.base_url}/arkiv/{archive_path(issue)}"


def partner_name(config: Config, key: str | None) -> str:
    if not key:
        return config.brand.name
    partner = config.partner(key)
    return partner.name if partner else key


def section_title(config: Config, key: str, language: str) -> str:
    """The section's heading in ``language`` (English falls back to the Danish title)."""
    section = config.section(key)
    if section is None:
        return key
    return (section.title_en or section.title) if language == "en" else section.title


def _entry(config: Config, placed: IssueItem, link: Any, language: str) -> dict[str, Any]:
    item = placed.item
    summary = clip(placed.summary, SUMMARY_CHARS)
    title = clip(placed.title, TITLE_CHARS) or clip(summary, 90) or \
        gettext_for(language)("Nyt fra %(partner)s", partner=partner_name(config, item.partner_key))
    image = safe_url(item.image_url)
    alt = clip(item.image_alt, 200)
    return {
        "id": item.id,
        "title": title,
        "summary": summary,
        "url": link(item.url),
        "image_url": image,
        # the title follows the image: an alt that repeats it would be read twice, so the
        # image is decorative then (alt=""), as it is when the feed gave no alt at all
        "image_alt": "" if _same_words(alt, title) else alt,
        "partner": partner_name(config, item.partner_key),
        "also": [partner_name(config, key) for key in placed.also_by],
        "is_event": item.is_event,
        "starts_at": item.event_starts_at,
        "ends_at": item.event_ends_at,
        "time": time_hm(item.event_starts_at, language),
        "end_time": time_hm(item.event_ends_at, language),
        "location": clip(item.event_location, 200),
        "signup_url": link(item.signup_url) if safe_url(item.signup_url) else "",
    }


def _same_words(a: str, b: str) -> bool:
    """Equal apart from case, punctuation and spacing (or ``a`` empty)."""
    def words(text: str) -> list[str]:
        return re.findall(r"\w+", text.casefold())
    return not words(a) or words(a) == words(b)


def _contains(outer: str, inner: str) -> bool:
    return bool(inner.strip()) and inner.casefold() in outer.casefold()


def footer_parts(config: Config, newsletter_name: str, language: str, token: str = "") -> dict[str, str]:
    """The sender lines and the reason line of the footer without doubled names (issue 8):
    no "Trekantområdet Danmark · Trekantområdet Danmark" when the brand is the organisation, no
    organisation repeated at the start of the postal address, no "Nyt fra X fra Y"."""
    brand = config.brand
    _ = gettext_for(language)
    show_name = not (_contains(brand.organisation, brand.name) or _contains(brand.name, brand.organisation))
    postal = brand.postal_address.strip()
    if brand.organisation.strip() and postal.casefold().startswith(brand.organisation.strip().casefold()):
        postal = postal[len(brand.organisation.strip()):].lstrip(" ,·-–")
    if _contains(newsletter_name, brand.organisation):
        reason = _("Du modtager dette nyhedsbrev, fordi %(email)s er tilmeldt %(newsletter)s.",
                   email=placeholder("email", token), newsletter=newsletter_name)
    else:
        reason = _("Du modtager dette nyhedsbrev, fordi %(email)s er tilmeldt %(newsletter)s hos %(organisation)s.",
                   email=placeholder("email", token), newsletter=newsletter_name, organisation=brand.organisation)
    return {"name": brand.name if show_name else "", "postal_address": postal, "reason": reason}


def build_context(config: Config, issue: Issue, placed: Sequence[IssueItem], token: str = "") -> dict[str, Any]:
    """The context of one render; ``token`` marks the per-recipient placeholders (see
    ``placeholders.py``). Only the template's own values carry it, never content."""
    newsletter = config.newsletter(issue.newsletter_key)
    language = newsletter.language
    _ = gettext_for(language)
    tag = campaign(issue)

    def link(url: Any) -> str:
        checked = safe_url(url)
        if not checked:
            return ""
        return with_utm(checked, newsletter.utm_source, tag) if newsletter.utm else checked

    sections: list[dict[str, Any]] = []
    order = config.sections_of(newsletter)
    for key in order:
        entries = [_entry(config, p, link, language) for p in placed
                   if p.section == key and p.included]
        entries = [e for e in entries if e["url"] or e["signup_url"]]
        if not entries:
            continue
        sections.append({"key": key, "title": section_title(config, key, language), "entries": entries,
                         "is_events": key == newsletter.events_section})

    brand = config.brand
    footer = footer_parts(config, newsletter.name, language, token)
    # footer_reason is the team's text (feeds.yaml): a bare %%email%% in it is a placeholder
    reason = mark_trusted(newsletter.footer_reason, token) or footer["reason"]
    label = _("Uge %(week)s", week=issue.iso_week) + " · " + date_long(issue.issue_date, language)
    return {
        "_": _,
        "language": language,
        "brand": {
            "name": brand.name, "organisation": brand.organisation, "website": safe_url(brand.website),
            "logo_url": safe_url(brand.logo_url), "logo_alt": brand.logo_alt or brand.name,
            "colors": {**brand.colors.model_dump(),
                       # text on the white cards: brand colours darkened where they are too light
                       "accent_text": readable(brand.colors.accent),
                       "primary_text": readable(brand.colors.primary)}, "font_family": brand.font_family,
            "sender_name": brand.sender_name, "sender_email": brand.sender_email,
            "contact_email": brand.contact_email, "postal_address": footer["postal_address"],
            "cvr": brand.cvr,
            # the brand name beside the organisation in the footer ("" when it would repeat it)
            "footer_name": footer["name"],
        },
        "newsletter": {"key": newsletter.key, "name": newsletter.name, "language": language},
        "issue": {
            "id": issue.id, "year": issue.iso_year, "week": issue.iso_week, "date": issue.issue_date,
            "label": label, "subject": plain(issue.subject), "preheader": plain(issue.preheader),
            "intro": issue.intro.strip(), "campaign": tag,
        },
        "sections": sections,
        "item_count": sum(len(s["entries"]) for s in sections),
        # filled by render.fit when the email would pass Gmail's clip (issue 8)
        "more": {"title": _("Mere fra ugen"), "entries": [], "web_only": 0},
        "links": {
            "unsubscribe": placeholder("unsubscribe_url", token),
            "preferences": placeholder("preferences_url", token),
            "web": web_url(config, issue),
            "archive": f"{config.settings.base_url}/arkiv/",
            "subscribe": f"{config.settings.base_url}/tilmeld",
        },
        "recipient": {"name": placeholder("name", token), "email": placeholder("email", token)},
        "placeholders": placeholders(token),
        "footer_reason": reason,
    }
