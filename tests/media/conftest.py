"""Fixtures for media: real images made with Pillow, a hand-made decompression bomb, items
pointing at a real local HTTP server, and a config with short timeouts."""

from __future__ import annotations

import io
import struct
import zlib
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from PIL import Image, ImageDraw

from newsletter.config import Config
from newsletter.db import Database
from newsletter.db.issues import add_item

NOW = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)  # Tuesday of ISO week 48

CONFIG = """\
brand:
  name: Danmarks Produktionscentrum
  logo_url: "{logo}"
collect:
  connect_timeout: 2
  read_timeout: 1
  deadline: 3
  max_bytes: 400000
sections:
  - key: partnere
    title: Nyt fra partnerne
    max_items: 20
newsletters:
  - key: ugebrev
    name: Nyt fra Danmarks Produktionscentrum
    sections: [partnere]
    max_per_partner: 20
partners:
  - key: business-kolding
    name: Business Kolding
  - key: billund-erhverv
    name: Billund Erhverv
{extra}"""


def jpeg(width: int, height: int, colour: tuple[int, int, int] = (30, 90, 140)) -> bytes:
    img = Image.new("RGB", (width, height), colour)
    draw = ImageDraw.Draw(img)
    draw.ellipse((width // 4, height // 4, width * 3 // 4, height * 3 // 4), fill=(240, 180, 40))
    out = io.BytesIO()
    img.save(out, "JPEG", quality=85)
    return out.getvalue()


def png(width: int, height: int, alpha: bool = False) -> bytes:
    img = Image.new("RGBA" if alpha else "RGB", (width, height), (200, 60, 40, 128) if alpha else (200, 60, 40))
    out = io.BytesIO()
    img.save(out, "PNG")
    return out.getvalue()


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_bomb(side: int = 60_000) -> bytes:
    """A valid PNG header claiming side x side pixels (3.6 billion), with a few bytes of data:
    what a decompression bomb looks like to a decoder that trusts the header."""
    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)  # 1-bit greyscale
    data = zlib.compress(b"\0" * 1000)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", data) + _chunk(b"IEND", b"")


@pytest.fixture
def media_config(make_config: Callable[..., Config], http_server: Any) -> Callable[..., Config]:
    def make(extra: str = "", logo: str | None = None) -> Config:
        logo_url = logo if logo is not None else http_server.url("/logo.png")
        return make_config(CONFIG.format(logo=logo_url, extra=extra))
    return make


@pytest.fixture
def item(db: Database) -> Callable[..., int]:
    counter = iter(range(1, 10_000))

    def make(title: str, image_url: str | None, partner: str = "business-kolding", **extra: Any) -> int:
        n = next(counter)
        when = NOW - timedelta(hours=n)
        with db.begin() as conn:
            return add_item(conn, title=title, url=f"https://example.dk/nyhed/{n}", published_at=when,
                            first_seen_at=when, summary_text=f"Resumé {n}.", partner_key=partner,
                            section="partnere", guid=f"g{n}", image_url=image_url, **extra)
    return make
