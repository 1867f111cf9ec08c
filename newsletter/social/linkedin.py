"""LinkedIn (the team's main channel): 3,000 characters, and the hook in the first ~210 (issue 10).

LinkedIn shows about 210 characters of a post before "…se mere"; ``hook`` is that part, and
``hook_ok`` says whether the post's first line (its title) is all inside it. Characters are
counted as UTF-16 code units, as LinkedIn's editor counts them (an emoji is 2), so a post we
call 3,000 is never refused.

The Posts API takes the text in LinkedIn's "little text" format, where ``\\ | { } @ [ ] ( ) < >
# * _ ~`` are markup: ``little_text`` escapes them and turns hashtags into hashtag templates.
"""

from __future__ import annotations

import regex

from newsletter.social.text import HASHTAG, find_urls
from newsletter.social.text import shorten as _shorten

NAME = "linkedin"
LABEL = "LinkedIn"
LIMIT = 3000
HOOK = 210
_RESERVED = regex.compile(r"([\\|{}@\[\]()<>#*_~])")


def count(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def hook(text: str) -> str:
    """What LinkedIn shows before "…se mere" (about 210 characters, cut at a word)."""
    if count(text) <= HOOK:
        return text
    return _shorten(text, HOOK, count)


def hook_ok(text: str) -> bool:
    """Whether the first line (the title) is shown whole before "…se mere"."""
    first = text.strip().split("\n", 1)[0].strip()
    return count(first) <= HOOK


def shorten(text: str, limit: int = LIMIT) -> str:
    return _shorten(text, limit, count)


def format_text(text: str) -> str:
    return text


def _escape_words(text: str) -> str:
    out: list[str] = []
    position = 0
    for m in HASHTAG.finditer(text):
        out.append(_RESERVED.sub(r"\\\1", text[position:m.start()]))
        out.append("{hashtag|\\#|" + _RESERVED.sub(r"\\\1", m.group("tag")) + "}")
        position = m.end()
    out.append(_RESERVED.sub(r"\\\1", text[position:]))
    return "".join(out)


def little_text(text: str) -> str:
    """The post as the Posts API ``commentary`` field wants it: reserved characters escaped
    (unescaped, LinkedIn silently cuts the post at the first one), ``#Tag`` as
    ``{hashtag|\\#|Tag}``, and links left as they are so LinkedIn still links them."""
    out: list[str] = []
    position = 0
    for url in find_urls(text):
        out.append(_escape_words(text[position:url.start]))
        out.append(url.value)
        position = url.end
    out.append(_escape_words(text[position:]))
    return "".join(out)
