"""Every image needs alt text (screen readers, blocked images) and a width (Outlook ignores CSS widths).

``alt=""`` is right for a decorative image, such as an item's picture right above its title
(issue 8: an alt that repeats the title is read twice), but not for an image that is a link's
only content: that link would have no name.
"""

from __future__ import annotations

from typing import Any

from newsletter.render.preflight import Finding


def _only_content_of_a_link(img: Any) -> bool:
    for parent in img.iterancestors("a"):
        return not " ".join(parent.text_content().split())
    return False


def check(doc: Any, html: str) -> list[Finding]:
    findings = []
    for img in doc.iter("img"):
        src = (img.get("src") or "")[:120]
        alt = img.get("alt")
        if alt is None:
            findings.append(Finding("alt", "warning", "alt.missing", {"src": src}))
        elif not alt.strip() and _only_content_of_a_link(img):
            findings.append(Finding("alt", "warning", "alt.linked_empty", {"src": src}))
        if not (img.get("width") or "").strip():
            findings.append(Finding("width", "warning", "width.missing", {"src": src}))
    return findings
