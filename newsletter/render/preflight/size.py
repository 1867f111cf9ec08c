"""Gmail clips a message whose HTML is over about 102 KB ("[Message clipped]"), hiding the footer
with the unsubscribe link; warn well before that."""

from __future__ import annotations

from typing import Any

from newsletter.render.preflight import Finding

GMAIL_CLIP = 102 * 1024
WARN_AT = 90 * 1024


def check(doc: Any, html: str) -> list[Finding]:
    size = len(html.encode("utf-8"))
    kb = {"kb": size / 1024}
    if size >= GMAIL_CLIP:
        return [Finding("size", "error", "size.clipped", kb)]
    if size >= WARN_AT:
        return [Finding("size", "warning", "size.near_clip", kb)]
    return [Finding("size", "info", "size.ok", kb)]
