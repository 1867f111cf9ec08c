"""Sections, order and caps (pure): pinned, then curated, then stories several partners carry,
then newest; events by date.

Caps come from the config: per partner across the issue (one prolific partner cannot fill
it), per section, and for the whole issue. Items over a cap are kept in the issue as
excluded, with the reason, so a reviewer can still include them. Pinned items ignore caps:
a person chose them.

A near-duplicate cluster is one story. When the partner of its usual representative is at
its cap, another member from a partner with room shows the story instead, so a story three
partners carry does not vanish because one of them was busy that week. Only a member with an
http(s) link can show a story: the email cannot link anywhere else.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from newsletter.compose.cluster import Cluster
from newsletter.compose.select import has_web_link
from newsletter.models import Candidate, Placement

NO_LINK = "no http(s) link"


@dataclass(frozen=True)
class Limits:
    sections: tuple[str, ...]  # in the order of the issue
    section_max: Mapping[str, int]
    events_section: str | None
    max_per_partner: int
    max_items: int
    partner_section: Mapping[str, str] | None = None  # partner key -> its configured section


def section_of(item: Candidate, limits: Limits) -> str:
    """Events go to the events section; otherwise the item's (source's or curated) section."""
    if item.is_event and limits.events_section in limits.sections:
        return limits.events_section
    if item.section in limits.sections:
        return item.section
    partner = (limits.partner_section or {}).get(item.partner_key or "")
    if partner in limits.sections:
        return partner
    return limits.sections[0]


def priority(item: Candidate) -> tuple[int, int, float, int]:
    return (0 if item.pinned else 1, 0 if item.origin == "curated" else 1,
            -item.published_at.timestamp(), -item.id)


def partner_count(group: Cluster) -> int:
    """How many partners carry the story (items without a partner count as one: the team)."""
    return len({m.partner_key or "" for m in (group.lead, *group.others)})


def story_priority(group: Cluster) -> tuple[int, int, int, float, int]:
    """Pinned, curated, then the rest; inside each tier more partners first, then newest."""
    lead = group.lead
    return (0 if lead.pinned else 1, 0 if lead.origin == "curated" else 1, -partner_count(group),
            -lead.published_at.timestamp(), -lead.id)


def event_order(item: Candidate) -> tuple[int, float, int]:
    starts = item.event_starts_at or item.published_at
    return (0 if item.pinned else 1, starts.timestamp(), item.id)


def representative(members: Sequence[Candidate], per_partner: Mapping[str, int],
                   max_per_partner: int) -> Candidate:
    """The member that shows the story: the usual lead unless its partner is at the cap and
    another member's partner has room. ``members`` are in the cluster's lead order."""
    first = members[0]
    if first.pinned:
        return first
    for member in members:
        if not member.partner_key or per_partner.get(member.partner_key, 0) < max_per_partner:
            return member
    return first


@dataclass(frozen=True)
class _Story:
    shown: Candidate
    others: tuple[Candidate, ...]
    section: str
    reason: str
    order: tuple[int, int, int, float, int]


def _decide(clusters: Sequence[Cluster], limits: Limits) -> list[_Story]:
    """Caps are applied in overall priority order, so the partner cap keeps a partner's best items."""
    per_partner: Counter[str] = Counter()
    per_section: Counter[str] = Counter()
    total = 0
    stories = []
    for group in sorted(clusters, key=story_priority):
        members = (group.lead, *group.others)
        linkable = [m for m in members if has_web_link(m)]
        shown = representative(linkable, per_partner, limits.max_per_partner) if linkable else group.lead
        section = section_of(shown, limits)
        reason = "" if linkable else NO_LINK
        if not reason and not shown.pinned:
            if shown.partner_key and per_partner[shown.partner_key] >= limits.max_per_partner:
                reason = "partner cap"
            elif per_section[section] >= limits.section_max.get(section, 8):
                reason = "section cap"
            elif total >= limits.max_items:
                reason = "issue cap"
        if not reason:
            per_partner[shown.partner_key or ""] += 1
            per_section[section] += 1
            total += 1
        stories.append(_Story(shown, tuple(m for m in members if m is not shown), section, reason,
                              story_priority(group)))
    return stories


def rank(clusters: Sequence[Cluster], limits: Limits) -> list[Placement]:
    """Place one item per story in a section, in order, and mark what the caps leave out."""
    stories = _decide(clusters, limits)
    placements = []
    for key in limits.sections:
        here = [s for s in stories if s.section == key]
        here.sort(key=(lambda s: event_order(s.shown)) if key == limits.events_section
                  else (lambda s: s.order))
        for position, story in enumerate(here):
            placements.append(Placement(story.shown.id, key, position, included=not story.reason,
                                        reason=story.reason))
    for story in stories:
        for other in story.others:
            placements.append(Placement(other.id, story.section, 0, included=False,
                                        reason="duplicate", duplicate_of=story.shown.id))
    return placements
