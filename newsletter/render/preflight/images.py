"""Every image needs alt text (screen readers, blocked images) and a width (Outlook ignores CSS widths)."""

from __future__ import annotations

from typing import Any

from newsletter.render.preflight import Finding


def check(doc: Any, html: str) -> list[Finding]:
    findings = []
    for img in doc.iter("img"):
        src = (img.get("src") or "")[:120]
        if not (img.get("alt") or "").strip():
            findings.append(Finding("alt", "warning", f"image without alt text: {src}"))
        if not (img.get("width") or "").strip():
            findings.append(Finding("width", "warning", f"image without a width attribute: {src}"))
    return findings
