"""Gmail clips a message whose HTML is over about 102 KB ("[Message clipped]"), hiding the footer
with the unsubscribe link; warn well before that."""

from __future__ import annotations

from typing import Any

from newsletter.render.preflight import Finding

GMAIL_CLIP = 102 * 1024
WARN_AT = 90 * 1024


def check(doc: Any, html: str) -> list[Finding]:
    size = len(html.encode("utf-8"))
    kb = f"{size / 1024:.1f} KB"
    if size >= GMAIL_CLIP:
        return [Finding("size", "error", f"HTML is {kb}; Gmail clips messages over ~102 KB. Remove items or images.")]
    if size >= WARN_AT:
        return [Finding("size", "warning", f"HTML is {kb}; close to Gmail's ~102 KB clip (warning above 90 KB).")]
    return [Finding("size", "info", f"HTML is {kb} (Gmail clips at ~102 KB).")]
