"""Fit the email under Gmail's clip (issue 8): Gmail cuts a message whose HTML passes about
102 KB ("[Message clipped]") and hides what follows, which is the footer with the unsubscribe
link, the postal address and the CVR number (markedsføringsloven §10, e-handelsloven §7).

When the rendered email passes ``TARGET`` the email (and its text part) is made smaller in
three steps, each only as far as needed, and the team is told what was done:

1. summaries are shortened to ``SHORT_SUMMARY`` characters;
2. the lowest-ranked items (the last places of each section first) leave their cards and
   become plain links in a "Mere fra ugen" list at the end, at most ``MAX_LINKS`` of them;
3. past that, the lowest-ranked items are left out of the email, and one line under the list
   links the web version, which always shows every item in full.

``fit`` is pure apart from the ``render`` function it is given; sizes are measured on the
real render, never estimated alone.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any

from newsletter.render.env import clip
from newsletter.render.preflight import Finding
from newsletter.render.preflight.size import WARN_AT
from newsletter.render.preflight.texts import part

# The warning line of the size check, 12 KB under the clip: room for the per-recipient
# values filled at send time (links, address) and for a client's own markup.
TARGET = WARN_AT
SHORT_SUMMARY = 140
MAX_LINKS = 20  # a longer list of bare links is not read; what passes it is in the web version
MAX_TRIES = 6  # renders after the first two measurements; each step closes most of the gap


@dataclass(frozen=True)
class Fitting:
    """What was done to the email; empty when it fitted as it was."""

    before: int  # bytes of HTML before fitting
    after: int
    shortened: int = 0  # summaries shortened
    moved: tuple[int, ...] = ()  # item ids shown as links under "Mere fra ugen"
    web_only: tuple[int, ...] = ()  # item ids left to the web version

    @property
    def changed(self) -> bool:
        return bool(self.shortened or self.moved or self.web_only)

    def finding(self) -> Finding:
        steps = []
        if self.shortened:
            steps.append(part("fit.shortened", n=self.shortened, chars=SHORT_SUMMARY))
        if self.moved:
            steps.append(part("fit.moved", n=len(self.moved), ids=list(self.moved)))
        if self.web_only:
            steps.append(part("fit.web_only", n=len(self.web_only), ids=list(self.web_only)))
        return Finding("fit", "warning", "fit.shrunk",
                       {"before": self.before / 1024, "after": self.after / 1024, "steps": steps})


def size_of(html: str) -> int:
    return len(html.encode("utf-8"))


def shorten(context: dict[str, Any]) -> tuple[dict[str, Any], set[int]]:
    """A copy of ``context`` with every summary over ``SHORT_SUMMARY`` characters clipped,
    and the ids of the items whose summary was clipped."""
    clipped: set[int] = set()
    sections = []
    for section in context["sections"]:
        entries = []
        for entry in section["entries"]:
            if len(entry["summary"]) > SHORT_SUMMARY:
                entry = {**entry, "summary": clip(entry["summary"], SHORT_SUMMARY)}
                clipped.add(entry["id"])
            entries.append(entry)
        sections.append({**section, "entries": entries})
    return {**context, "sections": sections}, clipped


def ranked(context: dict[str, Any]) -> list[int]:
    """Item ids from the lowest-ranked up: the last place of every section first, then the
    next-to-last, ...; among equal places the later section goes first."""
    places = [(position, index, entry["id"])
              for index, section in enumerate(context["sections"])
              for position, entry in enumerate(section["entries"])]
    return [item_id for _, _, item_id in sorted(places, reverse=True)]


def move(context: dict[str, Any], moved: set[int], web_only: set[int]) -> dict[str, Any]:
    """A copy of ``context`` with ``moved`` items as "Mere fra ugen" links and ``web_only``
    items left out of the email (their count is shown with a link to the web version)."""
    sections = []
    links = []
    for section in context["sections"]:
        keep = []
        for entry in section["entries"]:
            if entry["id"] in web_only:
                continue
            if entry["id"] in moved:
                links.append({"id": entry["id"], "title": entry["title"],
                              "url": entry["url"] or entry["signup_url"], "partner": entry["partner"],
                              "is_event": entry["is_event"], "starts_at": entry["starts_at"]})
            else:
                keep.append(entry)
        if keep:
            sections.append({**section, "entries": keep})
    more = {**context["more"], "entries": links, "web_only": len(web_only)}
    return {**context, "sections": sections, "more": more}


def layout(order: list[int], n: int) -> tuple[set[int], set[int]]:
    """The ``n`` lowest-ranked items leave their cards: the best ``MAX_LINKS`` of them become
    links, the rest go to the web version only. Each step of ``n`` makes the email smaller."""
    removed = order[:n]
    links = removed[-MAX_LINKS:] if n else []
    return set(links), set(removed) - set(links)


def fit(context: dict[str, Any], render: Callable[[dict[str, Any]], str],
        target: int = TARGET) -> tuple[str, dict[str, Any], Fitting]:
    """The email HTML under ``target`` (if at all possible), the context it came from, and
    what was done. ``render`` turns a context into the email HTML."""
    html = render(context)
    before = size_of(html)
    if before <= target:
        return html, context, Fitting(before, before)

    short, shortened = shorten(context)
    html = render(short)
    if size_of(html) <= target:
        return html, short, Fitting(before, size_of(html), len(shortened))

    order = ranked(short)

    def make(n: int) -> dict[str, Any]:
        return move(short, *layout(order, n))

    html, fitted, n = _search(make, render, size_of(html), len(order), target)
    moved, web_only = layout(order, n)
    return html, fitted, Fitting(before, size_of(html), len(shortened - moved - web_only),
                                 _in_issue_order(short, moved),
                                 _in_issue_order(short, web_only))


def _search(make: Callable[[int], dict[str, Any]], render: Callable[[dict[str, Any]], str],
            at_zero: int, total: int, target: int) -> tuple[str, dict[str, Any], int]:
    """The smallest n (items out of their cards, lowest-ranked first) whose render fits,
    found from the measured cost per item: a few renders, not one per item."""
    at_all = render(make(total))
    if size_of(at_all) > target:  # not even without cards (a very long intro): do what we can
        return at_all, make(total), total
    per_item = max((at_zero - size_of(at_all)) / total, 1.0)
    n = min(total, max(1, math.ceil((at_zero - target) / per_item)))
    best: tuple[str, dict[str, Any], int] = (at_all, make(total), total)
    for _ in range(MAX_TRIES):
        context = make(n)
        html = render(context)
        size = size_of(html)
        if size <= target:
            if n < best[2]:
                best = (html, context, n)
            # the estimate may overshoot: give back what the spare room allows
            spare = math.floor((target - size) / per_item)
            if spare < 1 or n == 0:
                break
            n = max(0, n - spare)
        elif best[2] <= n + 1:
            break
        else:
            n = min(best[2] - 1, n + max(1, math.ceil((size - target) / per_item)))
    return best


def _in_issue_order(context: dict[str, Any], ids: Collection[int]) -> tuple[int, ...]:
    chosen = set(ids)
    return tuple(e["id"] for s in context["sections"] for e in s["entries"] if e["id"] in chosen)
