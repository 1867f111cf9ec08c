"""Preflight: checks of a rendered email, one per module, each ``check(doc, html) -> [Finding]``.

Shown by ``newsletter render`` and stored with the render. Add a check by writing a module
with a ``check`` function and listing it in ``CHECKS`` (the link check is separate: it does I/O).
A finding carries a stable ``code`` and its ``params``; its words, Danish and English, are in
``texts.py`` (``finding.text("da")``); ``message`` is the English, for the CLI and logs.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import lxml.html

from newsletter.render.preflight.texts import TEXTS, text


@dataclass(frozen=True)
class Finding:
    check: str
    level: str  # "error", "warning", "info"
    code: str  # a key of texts.TEXTS; "" only for a finding stored before codes existed
    params: Mapping[str, Any] = field(default_factory=dict, hash=False)
    stored: str = field(default="", compare=False)  # the stored English of a finding without a code

    def __post_init__(self) -> None:
        if self.code and self.code not in TEXTS:
            raise KeyError(f"no preflight text {self.code!r}: add it to newsletter/render/preflight/texts.py")

    def text(self, lang: str = "da") -> str:
        return text(self.code, self.params, lang) if self.code else self.stored

    @property
    def message(self) -> str:
        return self.text("en")

    def to_dict(self) -> dict[str, Any]:
        """What the render stores; ``message`` (English) too, for readers of older renders."""
        return {"check": self.check, "level": self.level, "code": self.code, "params": dict(self.params),
                "message": self.message}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Finding:
        code = str(data.get("code") or "")
        if code not in TEXTS:  # stored before findings had codes: show the words it was stored with
            return cls(str(data["check"]), str(data["level"]), "", {}, str(data.get("message", "")))
        return cls(str(data["check"]), str(data["level"]), code, dict(data.get("params") or {}))


Check = Callable[[Any, str], list[Finding]]


def parse(html: str) -> Any:
    return lxml.html.document_fromstring(html.encode("utf-8"))


def run_checks(html: str, *, check_links: bool = False, timeout: float = 10.0,
               concurrency: int = 8, web_url: str = "") -> list[Finding]:
    from newsletter.render.preflight import contrast, images, links, preheader, size

    doc = parse(html)
    findings: list[Finding] = []
    for module in (size, images, links, contrast, preheader):
        findings.extend(module.check(doc, html))
    if check_links:
        findings.extend(links.check_online(doc, timeout=timeout, concurrency=concurrency, web_url=web_url))
    return findings
