"""Preflight: checks of a rendered email, one per module, each ``check(doc, html) -> [Finding]``.

Shown by ``newsletter render`` and stored with the render. Add a check by writing a module
with a ``check`` function and listing it in ``CHECKS`` (the link check is separate: it does I/O).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

import lxml.html


@dataclass(frozen=True)
class Finding:
    check: str
    level: str  # "error", "warning", "info"
    message: str

    def to_dict(self) -> dict[str, str]:
        return asdict(self)


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
