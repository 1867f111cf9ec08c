"""The networks, keyed by the name used in feeds.yaml and in the database (issue 10).

Each network is one pure module (``x``, ``bluesky``, ``mastodon``, ``linkedin``, ``facebook``)
with ``NAME``, ``LABEL``, ``LIMIT``, ``count``, ``shorten`` and ``format_text``. To add one,
write its module and add it to ``_MODULES``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType

from newsletter.errors import SocialError
from newsletter.social import bluesky, facebook, linkedin, mastodon, x

_MODULES: tuple[ModuleType, ...] = (linkedin, x, facebook, bluesky, mastodon)


@dataclass(frozen=True)
class Network:
    name: str
    label: str
    limit: int
    count: Callable[[str], int]
    shorten: Callable[[str, int], str]
    format_text: Callable[[str], str]


@dataclass(frozen=True)
class Measure:
    """A post's length as its network counts it, and what is wrong with it (for the team)."""

    network: str
    count: int
    limit: int
    problems: tuple[str, ...] = ()   # the post cannot be approved until these are fixed
    warnings: tuple[str, ...] = ()   # worth a look, but the post can go

    @property
    def ok(self) -> bool:
        return not self.problems

    def describe(self) -> str:
        notes = [*self.problems, *self.warnings]
        return f"{self.count}/{self.limit}" + (f" ({'; '.join(notes)})" if notes else "")


NETWORKS: dict[str, Network] = {
    m.NAME: Network(m.NAME, m.LABEL, m.LIMIT, m.count, m.shorten, m.format_text) for m in _MODULES
}
NAMES: tuple[str, ...] = tuple(NETWORKS)


def network(name: str) -> Network:
    try:
        return NETWORKS[name]
    except KeyError:
        raise SocialError(f"unknown network {name!r}; known: {', '.join(NAMES)}") from None


def measure(name: str, text: str) -> Measure:
    rules = network(name)
    used = rules.count(text)
    problems: list[str] = []
    if not text.strip():
        problems.append("the post is empty")
    if used > rules.limit:
        problems.append(f"{used - rules.limit} over {rules.label}'s limit of {rules.limit}")
    if name == "x" and not x.parse(text).valid and used <= rules.limit and text.strip():
        problems.append("X refuses the characters U+FFFE, U+FEFF and U+FFFF")
    if name == "bluesky":
        size = len(bluesky.format_text(text).encode("utf-8"))
        if size > bluesky.MAX_BYTES:
            problems.append(f"{size} bytes; Bluesky takes at most {bluesky.MAX_BYTES} (long emoji sequences)")
    warnings: list[str] = []
    if name == "linkedin" and text.strip() and not linkedin.hook_ok(text):
        warnings.append(f"the first line is longer than the {linkedin.HOOK} characters shown before '…se mere'")
    return Measure(name, used, rules.limit, tuple(problems), tuple(warnings))
