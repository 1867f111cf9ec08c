"""The one Jinja environment of render: override chain, autoescape, StrictUndefined, filters.

Search order: the deployment's override dir (``brand.template_dir`` in feeds.yaml, relative to
the file), then the repo's ``templates/``. An override can extend the original with
``{% extends "default:email/newsletter.mjml.j2" %}``. Every filter is registered in
``FILTERS`` below and documented in ``templates/README.md``.
"""

from __future__ import annotations

import functools
import io
import re
import textwrap
from collections.abc import Callable, Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit
from zoneinfo import ZoneInfo

import babel.dates
import babel.lists
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations
from jinja2 import (
    ChoiceLoader,
    Environment,
    FileSystemLoader,
    PrefixLoader,
    StrictUndefined,
    select_autoescape,
)

from newsletter.config import Config
from newsletter.render.placeholders import LegacySyntax

REPO_TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
CPH = ZoneInfo("Europe/Copenhagen")
LOCALES = {"da": "da_DK", "en": "en_GB"}
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


def template_dirs(config: Config) -> tuple[Path, ...]:
    dirs = []
    if config.brand.template_dir:
        override = Path(config.brand.template_dir)
        if not override.is_absolute():
            override = config.path.parent / override
        dirs.append(override)
    dirs.append(REPO_TEMPLATES)
    return tuple(dirs)


@functools.lru_cache(maxsize=8)
def environment(dirs: tuple[Path, ...] = (REPO_TEMPLATES,)) -> Environment:
    """Built once per override chain; Jinja caches the compiled templates in it."""
    loader = ChoiceLoader([
        FileSystemLoader([str(d) for d in dirs]),
        PrefixLoader({"default": FileSystemLoader(str(REPO_TEMPLATES))}, delimiter=":"),
    ])
    env = Environment(
        loader=loader,
        undefined=StrictUndefined,
        # .txt.j2 is plain text; everything else (mjml, html, atom) is escaped
        autoescape=select_autoescape(enabled_extensions=("mjml.j2", "html.j2", "atom.j2", "html", "xml"),
                                     disabled_extensions=("txt.j2", "txt"), default=True),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        extensions=[LegacySyntax],  # a bare %%name%% in a template file is this render's placeholder
    )
    env.filters.update(FILTERS)
    return env


def environment_for(config: Config) -> Environment:
    return environment(template_dirs(config))


# --- translations (Babel catalogs; Danish is the source language) ---------------------------

@functools.lru_cache(maxsize=4)
def translations(language: str) -> NullTranslations:
    """The catalog for ``language``, compiled from its .po in memory (no .mo files to keep in git)."""
    po = LOCALE_DIR / language / "LC_MESSAGES" / "messages.po"
    if language == "da" or not po.is_file():
        return NullTranslations()
    with po.open("rb") as f:
        catalog = read_po(f, locale=language)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(fp=buffer)


def gettext_for(language: str) -> Callable[..., str]:
    """``_("Uge %(week)s", week=48)`` in templates; passed in the context per render."""
    catalog = translations(language)

    def _(message: str, **values: Any) -> str:
        text = catalog.gettext(message)
        return text % values if values else text

    return _


# --- filters --------------------------------------------------------------------------------

def _local(value: date | datetime) -> date | datetime:
    return value.astimezone(CPH) if isinstance(value, datetime) else value


def date_long(value: date | datetime, language: str = "da") -> str:
    """``24. november 2026`` (da) / ``24 November 2026`` (en)."""
    return babel.dates.format_date(_local(value), "long", locale=LOCALES.get(language, language))


def date_weekday(value: date | datetime, language: str = "da") -> str:
    """``tirsdag 24. november`` (da) / ``Tuesday 24 November`` (en)."""
    pattern = "EEEE d. MMMM" if language == "da" else "EEEE d MMMM"
    return babel.dates.format_date(_local(value), pattern, locale=LOCALES.get(language, language))


def date_parts(value: date | datetime, language: str = "da") -> dict[str, str]:
    """Day number and short month for a date badge: ``{"day": "3", "month": "dec."}``."""
    local = _local(value)
    month = babel.dates.format_date(local, "MMM", locale=LOCALES.get(language, language))
    return {"day": str(local.day), "month": month.rstrip(".")}


def names(values: Any, language: str = "da") -> str:
    """``Middelfart Erhvervscenter og Business Kolding`` (da) / ``A, B and C`` (en)."""
    items = [str(v) for v in values or ()]
    return babel.lists.format_list(items, locale=LOCALES.get(language, language)) if items else ""


def time_hm(value: datetime | None, language: str = "da") -> str:
    """``kl.``-less local time: ``9.30`` in Danish (Retskrivningsordbogen: "kl. 9.30"), ``9:30``
    in English; empty for midnight (a date-only event)."""
    if value is None:
        return ""
    local = value.astimezone(CPH)
    if (local.hour, local.minute) == (0, 0):
        return ""
    return f"{local.hour}{'.' if language == 'da' else ':'}{local.minute:02d}"


def plain(value: Any) -> str:
    """Text from hostile input: no control or bidi characters, whitespace collapsed."""
    return " ".join(_CONTROL.sub("", str(value or "")).split())


def clip(value: Any, limit: int = 300) -> str:
    """Shorten on a word boundary with an ellipsis."""
    text = plain(value)
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0] if " " in text[:limit] else text[:limit]
    return cut.rstrip(" ,.;:-–") + "…"


def safe_url(value: Any) -> str:
    """An http(s) URL as is, or "" (javascript:, data:, relative and malformed URLs are dropped)."""
    url = str(value or "").strip()
    if not url or len(url) > 2000 or _CONTROL.search(url) or re.search(r"[\s<>\"'`\\]", url):
        return ""
    try:
        parts = urlsplit(url)
    except ValueError:
        return ""
    return url if parts.scheme in ("http", "https") and parts.netloc else ""


def with_utm(url: str, source: str, campaign: str, medium: str = "email") -> str:
    """Add utm_source/medium/campaign, keeping the existing query; leaves non-http links alone."""
    if not safe_url(url):
        return url
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    if any(k == "utm_source" for k, _ in query):
        return url
    query += [("utm_source", source), ("utm_medium", medium), ("utm_campaign", campaign)]
    return urlunsplit(parts._replace(query=urlencode(query)))


def _luminance(color: str) -> float:
    channels = [int(color[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def contrast(a: str, b: str) -> float:
    """WCAG contrast ratio of two ``#rrggbb`` colours (1 to 21)."""
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def readable(color: str, background: str = "#ffffff", minimum: float = 4.5) -> str:
    """``color`` darkened just enough to be readable as small text on ``background`` (WCAG AA).

    Brand accents are often bright (the default orange is 3.1:1 on white); the brand colour
    stays for bars and badges, text gets this shade.
    """
    shade = color.lower()
    factor = 1.0
    while contrast(shade, background) < minimum and factor > 0:
        factor = round(factor - 0.04, 2)
        shade = "#" + "".join(f"{round(int(color[i:i + 2], 16) * max(factor, 0)):02x}" for i in (1, 3, 5))
    return shade


def wrap(value: Any, width: int = 72, indent: str = "") -> str:
    """Wrap plain text for the text part; keeps blank-line paragraphs."""
    paragraphs = str(value or "").split("\n\n")
    return "\n\n".join(textwrap.fill(" ".join(p.split()), width=width, initial_indent=indent,
                                     subsequent_indent=indent, break_long_words=False,
                                     break_on_hyphens=False) for p in paragraphs if p.strip())


def underline(value: Any, char: str = "=") -> str:
    text = str(value)
    return f"{text}\n{char * len(text)}"


FILTERS: Mapping[str, Callable[..., Any]] = {
    "date_long": date_long,
    "date_weekday": date_weekday,
    "date_parts": date_parts,
    "time_hm": time_hm,
    "names": names,
    "plain": plain,
    "clip": clip,
    "safe_url": safe_url,
    "wrap": wrap,
    "underline": underline,
    "readable": readable,
}
