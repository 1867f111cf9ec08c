"""Reading a subscriber CSV file (pure): bytes -> text -> the header -> rows of cells.

What Danish offices actually send: comma, semicolon or tab separated; utf-8 (with or without
BOM), utf-16 (Excel "Unicode text", with a BOM or without) or windows-1252 (Excel "CSV" in
Denmark); header names in Danish or English, and Mailchimp's (``Email Address``, ``First
Name``, ``Last Name``); our own export (``email_as_typed``, ``newsletter``, ``status``); or
no header at all, just addresses. A byte that is not valid in the file's encoding (a bad byte
after a UTF-8 BOM, an odd-length UTF-16 file, a lone surrogate) spoils only its own row, which
is reported with its line number (issue 8 §7), never the whole file.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass

from newsletter.errors import SubscriberError

# Each undecodable byte becomes a lone surrogate U+DC00+byte (any byte, unlike Python's own
# "surrogateescape"), which no real text contains: the row holding one is reported.
ERRORS = "newsletter.import"
MAX_CELL = 10_000  # far above any address, name or organisation; a longer cell is a broken row
_BAD = re.compile("[\udc00-\udcff]")
# a valid multi-byte UTF-8 sequence: its presence says "this is UTF-8 with a few bad bytes"
_UTF8_MULTIBYTE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")


def _mark(error: UnicodeError) -> tuple[str, int]:
    assert isinstance(error, UnicodeDecodeError)
    bad = error.object[error.start:error.end]
    return "".join(chr(0xDC00 + b) for b in bad), error.end


codecs.register_error(ERRORS, _mark)

HEADERS = {
    "email": {"email", "e-mail", "mail", "emailadresse", "e-mailadresse", "e-mail-adresse",
              "e-mail adresse", "email address", "e-mail address", "mailadresse", "adresse"},
    "display": {"email as typed", "e-mail som skrevet", "email som skrevet"},
    "name": {"name", "navn", "fulde navn", "full name", "kontaktperson", "fornavn og efternavn"},
    "first_name": {"fornavn", "first name", "firstname", "fname", "given name"},
    "last_name": {"efternavn", "last name", "lastname", "lname", "surname", "family name"},
    "organisation": {"organisation", "organization", "virksomhed", "firma", "company",
                     "virksomhedsnavn", "arbejdsplads", "org"},
    "language": {"language", "sprog", "lang"},
    "newsletter": {"newsletter", "nyhedsbrev"},
    "status": {"status"},
    "email_hash": {"email hash"},
}


class ImportFileError(SubscriberError):
    def __init__(self, file: str, problem: str) -> None:
        super().__init__(f"{file}: {problem}")


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str


def decode(data: bytes, file: str = "the file") -> Decoded:
    """The file's text and encoding; undecodable bytes are marked (see ``bad_bytes``)."""
    if data.startswith(b"\xef\xbb\xbf"):
        return Decoded(data[3:].decode("utf-8", ERRORS), "utf-8 (BOM)")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        codec = "utf-16-le" if data.startswith(b"\xff\xfe") else "utf-16-be"
        return Decoded(data[2:].decode(codec, ERRORS), "utf-16")
    head = data[:200]
    if len(head) >= 4 and head[1::2].count(0) > len(head) // 4 and head[0] != 0:
        return Decoded(data.decode("utf-16-le", ERRORS), "utf-16 (no BOM)")
    if len(head) >= 4 and head[0::2].count(0) > len(head) // 4 and head[1] != 0:
        return Decoded(data.decode("utf-16-be", ERRORS), "utf-16 (no BOM)")
    try:
        return Decoded(data.decode("utf-8"), "utf-8")
    except UnicodeDecodeError:
        pass
    if _UTF8_MULTIBYTE.search(data):
        return Decoded(data.decode("utf-8", ERRORS), "utf-8")
    return Decoded(data.decode("cp1252", ERRORS), "windows-1252")


def bad_bytes(cells: list[str]) -> str | None:
    """The marked bytes in a row, as hex ("0xE6 0x80"), or None."""
    found = [f"0x{ord(ch) - 0xDC00:02X}" for cell in cells for ch in _BAD.findall(cell)]
    return " ".join(found[:4]) + (" ..." if len(found) > 4 else "") if found else None


def printable(value: str) -> str:
    """``value`` with marked bytes shown as ``\\xNN`` (a lone surrogate cannot be printed)."""
    return _BAD.sub(lambda m: f"\\x{ord(m.group()) - 0xDC00:02x}", value)


def sniff_delimiter(text: str) -> str:
    first = next((line for line in text.splitlines() if line.strip()), "")
    counts = {d: first.count(d) for d in (";", ",", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _header_key(cell: str) -> str:
    return " ".join(cell.replace("\ufeff", "").replace("_", " ").strip().strip('"').lower().split())


def map_header(header: list[str]) -> tuple[dict[str, int], tuple[str, ...]] | None:
    """{field: column index} and the ignored column names; None without an address column."""
    columns: dict[str, int] = {}
    ignored = []
    for index, cell in enumerate(header):
        key = _header_key(cell)
        field_name = next((f for f, names in HEADERS.items() if key in names), None)
        if field_name and field_name not in columns:
            columns[field_name] = index
        elif cell.strip():
            ignored.append(cell.strip())
    if "email" not in columns and "display" in columns:
        columns["email"] = columns["display"]
    if "email" not in columns:
        return None
    return columns, tuple(ignored)


@dataclass(frozen=True)
class Row:
    line: int  # where the record starts (the first line is 1)
    cells: list[str]
    problem: str | None = None  # the row could not be read (bad bytes, a broken field)


def iter_rows(text: str, delimiter: str) -> Iterator[Row]:
    """Every non-blank record; a record with undecodable bytes or a cell over ``MAX_CELL``
    comes with its problem instead of being stopped at."""
    # Python's csv refuses fields over 128 KB (a process-wide limit) by raising mid-file;
    # allow any length here and judge the cells ourselves.
    if csv.field_size_limit() < len(text) + 1:
        csv.field_size_limit(len(text) + 1)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    last = 0
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as e:
            start, last = last + 1, reader.line_num
            yield Row(start, [], f"the line cannot be read as CSV ({e})")
            continue
        start, last = last + 1, reader.line_num
        if not any(c.strip() for c in cells):
            continue
        longest = max(len(c) for c in cells)
        if longest > MAX_CELL:
            yield Row(start, [], f"a field of {longest:,} characters (at most {MAX_CELL:,}); check the "
                                 "quotes in this row: an unclosed quote swallows the lines after it")
            continue
        marked = bad_bytes(cells)
        if marked:
            yield Row(start, cells, f"bytes that are not valid text in this file's encoding ({marked}); "
                                    "fix the row or save the file again as 'CSV UTF-8'")
            continue
        yield Row(start, cells)
