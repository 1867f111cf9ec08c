"""Source kinds: turn one fetched document into a ``Parsed`` (issue 2).

A kind is keyed by the feeds.yaml ``kind:`` value and implements the ``Kind`` protocol. To add
one, write a module with a class that has ``parse(body, headers, url, selectors=None, *, now=None)``
and register it in ``_BUILTIN`` below (and in ``config.SourceKind``). ``now`` is collect's clock
for the run: relative and year-less dates ("i går", "3. marts") and a calendar's window of
recurring dates are read against it.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from datetime import datetime
from typing import Protocol

from newsletter.config import Selectors
from newsletter.errors import ParseError
from newsletter.models import Parsed


class Kind(Protocol):
    name: str

    def parse(
        self,
        body: bytes,
        headers: Mapping[str, str],
        url: str,
        selectors: Selectors | None = None,
        *,
        now: datetime | None = None,
    ) -> Parsed: ...


# kind -> "module:Class"; imported on first use so a kind's dependencies load only when needed
_BUILTIN: dict[str, str] = {
    "feed": "newsletter.collect.kinds.feed:FeedKind",
    "jsonfeed": "newsletter.collect.kinds.jsonfeed:JsonFeedKind",
    "html": "newsletter.collect.kinds.html:HtmlKind",
    "sitemap": "newsletter.collect.kinds.sitemap:SitemapKind",
    "ical": "newsletter.collect.kinds.ical:IcalKind",
}
_loaded: dict[str, Kind] = {}


def register(name: str, kind: Kind) -> None:
    """Mount a kind under a feeds.yaml ``kind:`` value (replaces an existing one)."""
    _loaded[name] = kind


def known_kinds() -> list[str]:
    return sorted(set(_BUILTIN) | set(_loaded))


def get_kind(kind: str) -> Kind:
    if kind in _loaded:
        return _loaded[kind]
    target = _BUILTIN.get(kind)
    if target is None:
        raise ParseError(kind, f"unknown source kind {kind!r}; known kinds: {', '.join(known_kinds())}")
    module_name, class_name = target.split(":")
    instance: Kind = getattr(importlib.import_module(module_name), class_name)()
    _loaded[kind] = instance
    return instance
