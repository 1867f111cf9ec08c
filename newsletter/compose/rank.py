"""Sections, order and caps (pure): pinned, then curated, then newest; events by date.

Caps come from the config: per partner across the issue (one prolific partner cannot fill
it), per section, and for the whole issue. Items over a cap are kept in the issue as
excluded, with the reason, so a reviewer can still include them. Pinned items ignore caps:
a person chose them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from newsletter.compose.cluster import Cluster
from newsletter.models import Candidate, Placement


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
        return limits.events_section  # type: ignore[return-value]
    if item.section in limits.sections:
        return item.section  # type: ignore[return-value]
    partner = (limits.partner_section or {}).get(item.partner_key or "")
    if partner in limits.sections:
        return partner  # type: ignore[return-value]
    return limits.sections[0]


def priority(item: Candidate) -> tuple[int, int, float, int]:
    return (0 if item.pinned else 1, 0 if item.origin == "curated" else 1,
            -item.published_at.timestamp(), -item.id)


def event_order(item: Candidate) -> tuple[int, float, int]:
    starts = item.event_starts_at or item.published_at
    return (0 if item.pinned else 1, starts.timestamp(), item.id)


def rank(clusters: Sequence[Cluster], limits: Limits) -> list[Placement]:
    """Place every cluster lead in a section, in order, and mark what the caps leave out."""
    by_section: dict[str, list[Candidate]] = {key: [] for key in limits.sections}
    for group in clusters:
        by_section[section_of(group.lead, limits)].append(group.lead)
    for key, leads in by_section.items():
        leads.sort(key=event_order if key == limits.events_section else priority)

    # Caps are applied in overall priority order, so the partner cap keeps a partner's best items.
    decisions: dict[int, str] = {}
    per_partner: Counter[str] = Counter()
    per_section: Counter[str] = Counter()
    total = 0
    everything = sorted((i for leads in by_section.values() for i in leads), key=priority)
    for item in everything:
        section = section_of(item, limits)
        reason = ""
        if not item.pinned:
            if item.partner_key and per_partner[item.partner_key] >= limits.max_per_partner:
                reason = "partner cap"
            elif per_section[section] >= limits.section_max.get(section, 8):
                reason = "section cap"
            elif total >= limits.max_items:
                reason = "issue cap"
        if not reason:
            per_partner[item.partner_key or ""] += 1
            per_section[section] += 1
            total += 1
        decisions[item.id] = reason

    placements = []
    for key in limits.sections:
        for position, item in enumerate(by_section[key]):
            reason = decisions[item.id]
            placements.append(Placement(item.id, key, position, included=not reason, reason=reason))
    lead_section = {p.item_id: p.section for p in placements}
    for group in clusters:
        for other in group.others:
            placements.append(Placement(other.id, lead_section[group.lead.id], 0, included=False,
                                        reason="duplicate", duplicate_of=group.lead.id))
    return placements
