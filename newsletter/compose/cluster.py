"""Near-duplicate clustering (pure): the same story from several partners becomes one item.

Partners often republish one press release with light edits and a headline of their own, so
identical URLs are not enough. Two items are the same story when their texts share most of
their word 3-grams (containment, robust to a summary cut at another length), or when their
titles are nearly the same words and the texts do not contradict that.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from newsletter.events import CPH
from newsletter.models import Candidate

TEXT_CONTAINMENT = 0.5  # share of the shorter text's 3-grams found in the other
TITLE_JACCARD = 0.75
TITLE_TEXT_SUPPORT = 0.2  # a near-identical title also needs some shared text, unless a text is empty
MIN_SHINGLES = 6  # shorter texts carry too little evidence on their own
EVENT_TITLE_JACCARD = 0.5  # events on the same day and time need only a similar name

# Words that say nothing about which story it is.
_STOPWORD_TEXT = (
    "og i at det en den til er som på de med han af for ikke der var mig sig men et har om vi "
    "min havde ham hun nu over da fra du ud sin dem os op man hans hvor eller hvad skal selv her "
    "alle vil blev kunne ind når være dog noget ville jo deres efter ned skulle denne end dette "
    "mit også under have dig anden hende mine alt meget sit sine vor mod disse hvis din nogle hos "
    "blive mange ad bliver hendes været thi jer sådan nyt nye ny "
    "the a an of to in and for on with is are at by from"
)
STOPWORDS = frozenset(_STOPWORD_TEXT.split())


@dataclass(frozen=True)
class Cluster:
    """One story: the item shown and the near-duplicates it stands for."""

    lead: Candidate
    others: tuple[Candidate, ...] = ()


def words(text: str) -> list[str]:
    normal = unicodedata.normalize("NFKC", text).casefold()
    return re.findall(r"[\wæøå]+", normal)


def shingles(text: str, size: int = 3) -> frozenset[tuple[str, ...]]:
    tokens = words(text)
    return frozenset(tuple(tokens[i:i + size]) for i in range(len(tokens) - size + 1))


def title_terms(title: str) -> frozenset[str]:
    return frozenset(w for w in words(title) if w not in STOPWORDS and (len(w) > 1 or w.isdigit()))


def _containment(a: frozenset[tuple[str, ...]], b: frozenset[tuple[str, ...]]) -> float:
    if len(a) < MIN_SHINGLES or len(b) < MIN_SHINGLES:
        return 0.0
    return len(a & b) / min(len(a), len(b))


def _jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


@dataclass(frozen=True)
class _Features:
    text: frozenset[tuple[str, ...]]
    title: frozenset[str]


def _features(item: Candidate) -> _Features:
    return _Features(text=shingles(item.summary_text), title=title_terms(item.title))


def same_story(a: Candidate, b: Candidate) -> bool:
    return _same(a, b, _features(a), _features(b))


def _same(a: Candidate, b: Candidate, fa: _Features, fb: _Features) -> bool:
    if a.canonical_url and a.canonical_url == b.canonical_url:
        return True
    if a.is_event != b.is_event:
        return False
    if a.is_event and b.is_event:
        # two dates of one text (a monthly meeting) are two events; one date and a similar
        # name from two partners' calendars is one event (issue 12)
        if not _same_start(a, b):
            return False
        if _jaccard(fa.title, fb.title) >= EVENT_TITLE_JACCARD:
            return True
    text = _containment(fa.text, fb.text)
    if text >= TEXT_CONTAINMENT:
        return True
    if len(fa.title) >= 3 and _jaccard(fa.title, fb.title) >= TITLE_JACCARD:
        no_text = len(fa.text) < MIN_SHINGLES or len(fb.text) < MIN_SHINGLES
        return no_text or text >= TITLE_TEXT_SUPPORT
    return False


def _same_start(a: Candidate, b: Candidate) -> bool:
    if a.event_starts_at is None or b.event_starts_at is None:
        return False
    start_a, start_b = a.event_starts_at.astimezone(CPH), b.event_starts_at.astimezone(CPH)
    if start_a.date() != start_b.date():
        return False
    # a date without a time (all-day, or midnight) matches any time that day
    timed = all((s.hour, s.minute) != (0, 0) and not c.event_all_day
                for s, c in ((start_a, a), (start_b, b)))
    return not timed or (start_a.hour, start_a.minute) == (start_b.hour, start_b.minute)


def lead_order(item: Candidate) -> tuple[int, int, float, int]:
    """The item a cluster shows: pinned, then curated, then the earliest (the original)."""
    return (0 if item.pinned else 1, 0 if item.origin == "curated" else 1,
            item.published_at.timestamp(), item.id)


def cluster(items: Sequence[Candidate]) -> list[Cluster]:
    """Group near-duplicates (union-find over all pairs; a week has a few hundred items at most)."""
    parent = list(range(len(items)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    features = [_features(item) for item in items]
    for i in range(len(items)):
        for j in range(i + 1, len(items)):
            if find(i) != find(j) and _same(items[i], items[j], features[i], features[j]):
                parent[find(j)] = find(i)
    groups: dict[int, list[Candidate]] = {}
    for index, item in enumerate(items):
        groups.setdefault(find(index), []).append(item)
    result = []
    for members in groups.values():
        ordered = sorted(members, key=lead_order)
        result.append(Cluster(lead=ordered[0], others=tuple(ordered[1:])))
    result.sort(key=lambda c: items.index(c.lead))
    return result
