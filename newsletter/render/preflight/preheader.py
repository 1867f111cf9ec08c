"""The preheader is the line an inbox shows after the subject; the client then runs on into
the email's first visible words. If those repeat the preheader, the reader sees the same
words twice and learns nothing more (issue 8). Read from the rendered HTML: the hidden
preview text against the first visible words."""

from __future__ import annotations

import re
from typing import Any

from newsletter.render.preflight import Finding

HIDDEN = re.compile(r"display\s*:\s*none", re.I)
FIRST_WORDS = 40  # about what an inbox shows after the preheader


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", text.casefold())


def texts(doc: Any) -> tuple[str, list[str]]:
    """The hidden preview text and the first visible words of the body."""
    body = doc.find(".//body")
    if body is None:
        return "", []
    preview, visible = "", []
    for el in body.iter():
        if not isinstance(el.tag, str) or el.tag in ("style", "script"):
            continue
        hidden = any(HIDDEN.search(a.get("style") or "") for a in (el, *el.iterancestors()))
        own = el.text or ""
        if hidden:
            if not preview and own.strip():
                preview = " ".join(own.split())
            continue
        visible += _words(own)
        if el.tail and not any(HIDDEN.search(a.get("style") or "") for a in el.iterancestors()):
            visible += _words(el.tail)
        if len(visible) >= FIRST_WORDS:
            break
    return preview, visible[:FIRST_WORDS]


def check(doc: Any, html: str) -> list[Finding]:
    preview, visible = texts(doc)
    words = _words(preview)
    if len(words) < 3:
        return []
    n = len(words)
    if any(visible[i:i + n] == words for i in range(len(visible) - n + 1)):
        return [Finding("preheader", "warning", "preheader.repeats", {"preheader": preview[:80]})]
    return []
