"""Text must be readable on what is behind it: WCAG 2.1 AA asks a contrast of 4.5:1 for body
text (issue 8). The pairs are read from the rendered email itself, so they are the colours the
templates actually use (links on the page background, white on the brand's primary colour in
the header and the date badges, grey footer text, ...), including a deployment's overrides.

Each element with text of its own gets the colour and background it inherits from inline
styles and ``bgcolor``; one warning per pair under 4.5:1, with an example of the text.
"""

from __future__ import annotations

import re
from typing import Any

from newsletter.render.env import contrast
from newsletter.render.preflight import Finding

MINIMUM = 4.5
NAMED = {"white": "#ffffff", "black": "#000000"}
_COLOR = re.compile(r"(?<![-\w])color\s*:\s*([^;!]+)", re.I)
_BACKGROUND = re.compile(r"(?<![-\w])background(?:-color)?\s*:\s*([^;!]+)", re.I)
_HEX = re.compile(r"#(?:[0-9a-f]{6}|[0-9a-f]{3})\b", re.I)
SKIP = {"head", "style", "script", "title"}
_HIDDEN = re.compile(r"display\s*:\s*none|mso-hide\s*:\s*all", re.I)


def _hex(value: str | None) -> str | None:
    """``#abc``/``#aabbcc``/``white`` -> ``#aabbcc``; None for anything else (gradients, rgb())."""
    if not value:
        return None
    value = value.strip().lower()
    if value in NAMED:
        return NAMED[value]
    match = _HEX.search(value)
    if match is None or not value.startswith("#"):
        return None
    code = match.group(0)[1:]
    if len(code) == 3:
        code = "".join(c * 2 for c in code)
    return "#" + code


def _own(el: Any) -> tuple[str | None, str | None]:
    style = el.get("style") or ""
    fg = _hex(m.group(1)) if (m := _COLOR.search(style)) else None
    bg = _hex(m.group(1)) if (m := _BACKGROUND.search(style)) else None
    if fg is None and el.tag == "font":
        fg = _hex(el.get("color"))
    if bg is None:
        bg = _hex(el.get("bgcolor"))
    return fg, bg


def _text_of_own(el: Any) -> str:
    parts = [el.text or ""] + [child.tail or "" for child in el]
    return " ".join("".join(parts).split())


def pairs(doc: Any) -> dict[tuple[str, str], tuple[int, str]]:
    """(text colour, background) -> (how many elements, an example text)."""
    found: dict[tuple[str, str], tuple[int, str]] = {}
    body = doc.find(".//body")
    if body is None:
        return found
    stack: list[tuple[Any, str, str]] = [(body, "#000000", "#ffffff")]
    while stack:
        el, fg, bg = stack.pop()
        if not isinstance(el.tag, str) or el.tag in SKIP or _HIDDEN.search(el.get("style") or ""):
            continue  # the hidden preheader is white on white on purpose
        own_fg, own_bg = _own(el)
        fg, bg = own_fg or fg, own_bg or bg
        text = _text_of_own(el)
        if text:
            count, example = found.get((fg, bg), (0, text))
            found[(fg, bg)] = (count + 1, max(example, text, key=len))  # the longest says most
        stack.extend((child, fg, bg) for child in el)
    return found


def check(doc: Any, html: str) -> list[Finding]:
    findings = []
    for (fg, bg), (count, example) in sorted(pairs(doc).items()):
        ratio = contrast(fg, bg)
        if ratio < MINIMUM:
            findings.append(Finding("contrast", "warning", "contrast.low", {
                "fg": fg, "bg": bg, "ratio": ratio, "minimum": MINIMUM, "count": count, "example": example[:60]}))
    return findings
