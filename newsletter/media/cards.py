"""Social cards: a branded 1200x627 PNG (LinkedIn's link-image size; X, Facebook, Bluesky and
Mastodon crop 1.91:1 the same way) per item and one for the issue. Pure: a ``CardSpec`` in,
PNG bytes out.

Layout: the brand's primary colour; at the top the logo (or the brand name); the partner in
the accent colour; the title as large as fits in four lines (then cut with "…"); the week at
the bottom above an accent bar. With a picture, it fills the right 45 %. The typeface is
Source Sans Pro (SIL Open Font License 1.1, from the ``font-source-sans-pro`` wheel), which
has æ, ø, å and the rest of Latin-1 and Latin Extended-A.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import lru_cache

import font_source_sans_pro
from PIL import Image, ImageDraw, ImageFont

WIDTH, HEIGHT = 1200, 627
PAD = 64
BAR = 12
PICTURE_WIDTH = 540
TITLE_SIZES = (64, 58, 52, 46, 40)
MAX_LINES = 4

Font = ImageFont.FreeTypeFont


@dataclass(frozen=True)
class CardSpec:
    title: str
    kicker: str  # the partner, or "Ugens nyhedsbrev"
    footer: str  # "Uge 48 · Nyt fra Danmarks Produktionscentrum"
    primary: str  # "#0b3d5c"
    accent: str
    text: str  # the brand's text colour, used when the primary colour is too light for white
    brand_name: str
    logo: bytes | None = None  # PNG/JPEG bytes of our logo copy
    picture: bytes | None = None  # JPEG bytes of our 16:9 copy


@lru_cache(maxsize=32)
def font(weight: str, size: int) -> Font:
    files = font_source_sans_pro.font_files_ttf
    return ImageFont.truetype(files[{"bold": "SourceSansProBold", "semibold": "SourceSansProSemibold"}
                                    .get(weight, "SourceSansPro")], size)


def _rgb(colour: str) -> tuple[int, int, int]:
    value = colour.lstrip("#")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


def _luminance(rgb: tuple[int, int, int]) -> float:
    def channel(c: int) -> float:
        s = c / 255
        return s / 12.92 if s <= 0.03928 else ((s + 0.055) / 1.055) ** 2.4
    r, g, b = (channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: tuple[int, int, int], b: tuple[int, int, int]) -> float:
    """WCAG 2 contrast ratio."""
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def wrap(text: str, face: Font, width: int) -> list[str]:
    """Greedy word wrap; a word wider than the line is broken between characters."""
    lines: list[str] = []
    line = ""
    for word in text.split():
        while face.getlength(word) > width:  # a URL or a very long compound
            cut = max(1, next((i for i in range(len(word), 0, -1) if face.getlength(word[:i]) <= width), 1))
            if line:
                lines.append(line)
                line = ""
            lines.append(word[:cut])
            word = word[cut:]
        candidate = f"{line} {word}".strip()
        if face.getlength(candidate) <= width or not line:
            line = candidate
        else:
            lines.append(line)
            line = word
    if line:
        lines.append(line)
    return lines


def fit_title(text: str, width: int) -> tuple[Font, list[str]]:
    """The largest title size whose wrap fits ``MAX_LINES`` without breaking a word; else the
    smallest, cut with "…"."""
    for size in TITLE_SIZES:
        face = font("bold", size)
        lines = wrap(text, face, width)
        whole_words = all(face.getlength(word) <= width for word in text.split())
        if len(lines) <= MAX_LINES and whole_words:
            return face, lines
    lines = lines[:MAX_LINES]
    last = lines[-1]
    while last and face.getlength(last + " …") > width:
        last = last.rsplit(" ", 1)[0] if " " in last else last[:-1]
    lines[-1] = (last.rstrip(" ,.;:–-") + " …").strip()
    return face, lines


def _fitted_line(text: str, face: Font, width: int) -> str:
    if face.getlength(text) <= width:
        return text
    while text and face.getlength(text + "…") > width:
        text = text[:-1]
    return text.rstrip() + "…"


def _picture(data: bytes, size: tuple[int, int]) -> Image.Image:
    with Image.open(io.BytesIO(data)) as opened:
        picture = opened.convert("RGB")
    w, h = picture.size
    tw, th = size
    if w * th > h * tw:  # wider: trim the sides
        crop_w = h * tw // th
        box = ((w - crop_w) // 2, 0, (w - crop_w) // 2 + crop_w, h)
    else:
        crop_h = w * th // tw
        box = (0, (h - crop_h) // 3, w, (h - crop_h) // 3 + crop_h)
    return picture.resize(size, Image.Resampling.LANCZOS, box=box)


def _logo(data: bytes, max_height: int, max_width: int) -> Image.Image | None:
    try:
        with Image.open(io.BytesIO(data)) as opened:
            logo = opened.convert("RGBA")
    except Exception:  # noqa: BLE001 - a logo we cannot read: the brand name is drawn instead
        return None
    scale = min(max_height / logo.height, max_width / logo.width, 1.0)
    return logo.resize((max(1, round(logo.width * scale)), max(1, round(logo.height * scale))),
                       Image.Resampling.LANCZOS)


def draw_card(spec: CardSpec) -> bytes:
    background = _rgb(spec.primary)
    white = (255, 255, 255)
    ink = white if contrast(white, background) >= 4.5 else _rgb(spec.text)
    accent = _rgb(spec.accent)
    kicker_ink = accent if contrast(accent, background) >= 3 else ink
    card = Image.new("RGB", (WIDTH, HEIGHT), background)
    draw = ImageDraw.Draw(card)

    text_right = WIDTH - PAD
    if spec.picture:
        try:
            card.paste(_picture(spec.picture, (PICTURE_WIDTH, HEIGHT - BAR)), (WIDTH - PICTURE_WIDTH, 0))
            text_right = WIDTH - PICTURE_WIDTH - 48
        except Exception:  # noqa: BLE001 - an unreadable copy: the card goes without it
            pass
    text_width = text_right - PAD
    draw.rectangle((0, HEIGHT - BAR, WIDTH, HEIGHT), fill=accent)

    y = PAD - 8
    logo = _logo(spec.logo, 56, min(320, text_width)) if spec.logo else None
    if logo is not None:
        card.paste(logo, (PAD, y), logo)
        y += logo.height
    else:
        face = font("semibold", 30)
        draw.text((PAD, y), _fitted_line(spec.brand_name, face, text_width), font=face, fill=ink)
        y += 40
    y += 44

    kicker_face = font("bold", 26)
    draw.text((PAD, y), _fitted_line(spec.kicker.upper(), kicker_face, text_width), font=kicker_face,
              fill=kicker_ink)
    y += 46

    face, lines = fit_title(spec.title, text_width)
    line_height = round(face.size * 1.12)
    for line in lines:
        draw.text((PAD, y), line, font=face, fill=ink)
        y += line_height

    footer_face = font("regular", 24)
    draw.text((PAD, HEIGHT - BAR - PAD + 8), _fitted_line(spec.footer, footer_face, text_width),
              font=footer_face, fill=ink, anchor="ls")
    out = io.BytesIO()
    card.save(out, "PNG", compress_level=1)  # level 6 is 4x slower and no smaller with a photo
    return out.getvalue()
