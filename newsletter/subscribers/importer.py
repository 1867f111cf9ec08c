"""CSV import of subscribers for one newsletter (issue 4).

Accepts what Danish offices actually send: comma, semicolon or tab separated; utf-8 (with or
without BOM), utf-16 (Excel "Unicode text") or windows-1252 (Excel "CSV" in Denmark); header
names in Danish or English; blank lines and extra columns. Each bad row is reported with its
line number and the reason, the good rows go in, all in ONE transaction: a crash half way
leaves the database as it was. ``dry_run`` does the same work and rolls back.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import Connection

from newsletter.config import Config
from newsletter.db import Database
from newsletter.db import subscribers as q
from newsletter.db.types import utcnow
from newsletter.errors import InvalidAddress, SubscriberError
from newsletter.subscribers.addresses import Address, address_hash, normalise
from newsletter.subscribers.common import (
    check_newsletter,
    clean_language,
    clean_text,
    from_spreadsheet,
)

BATCH = 1000

HEADERS = {
    "email": {"email", "e-mail", "mail", "emailadresse", "e-mailadresse", "e-mail-adresse",
              "e-mail adresse", "email address", "e-mail address", "mailadresse", "adresse"},
    "name": {"name", "navn", "fulde navn", "full name", "kontaktperson", "fornavn og efternavn"},
    "organisation": {"organisation", "organization", "virksomhed", "firma", "company",
                     "virksomhedsnavn", "arbejdsplads", "org"},
    "language": {"language", "sprog", "lang"},
}


class ImportFileError(SubscriberError):
    def __init__(self, file: str, problem: str) -> None:
        super().__init__(f"{file}: {problem}")


@dataclass(frozen=True)
class RowProblem:
    row: int  # line number in the file (the header is line 1)
    email: str
    reason: str


@dataclass(frozen=True)
class ImportReport:
    file: str
    newsletter: str
    encoding: str
    delimiter: str
    rows: int = 0
    added: int = 0  # new subscribers
    subscribed: int = 0  # existing subscribers added to this newsletter
    problems: tuple[RowProblem, ...] = ()
    ignored_columns: tuple[str, ...] = ()
    dry_run: bool = False

    @property
    def imported(self) -> int:
        return self.added + self.subscribed


# --- reading the file (pure) -----------------------------------------------------------------

def decode(data: bytes, file: str = "the file") -> tuple[str, str]:
    """(text, encoding name) for utf-8 (BOM or not), utf-16 with BOM, else windows-1252."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="strict"), "utf-8 (BOM)"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "utf-16"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "windows-1252"
    except UnicodeDecodeError as e:
        raise ImportFileError(file, f"neither utf-8 nor windows-1252 (byte {e.start}); save it as "
                                    "'CSV UTF-8' in Excel") from e


def sniff_delimiter(text: str) -> str:
    first = next((line for line in text.splitlines() if line.strip()), "")
    counts = {d: first.count(d) for d in (";", ",", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _header_key(cell: str) -> str:
    return " ".join(cell.replace("\ufeff", "").replace("_", " ").strip().strip('"').lower().split())


def map_header(header: list[str], file: str) -> tuple[dict[str, int], tuple[str, ...]]:
    columns: dict[str, int] = {}
    ignored = []
    for index, cell in enumerate(header):
        key = _header_key(cell)
        field_name = next((f for f, names in HEADERS.items() if key in names), None)
        if field_name and field_name not in columns:
            columns[field_name] = index
        elif cell.strip():
            ignored.append(cell.strip())
    if "email" not in columns:
        raise ImportFileError(file, "no e-mail column; the first line must name the columns, e.g. "
                                    "'email;navn;organisation' (found: " + ", ".join(header) + ")")
    return columns, tuple(ignored)


def iter_rows(text: str, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    """(line number where the record starts, cells); blank lines skipped."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    last = 0
    for cells in reader:
        start, last = last + 1, reader.line_num
        if any(c.strip() for c in cells):
            yield start, cells


# --- the import ------------------------------------------------------------------------------

@dataclass
class _Row:
    line: int
    address: Address
    name: str
    organisation: str
    language: str


@dataclass
class _State:
    seen: dict[str, int] = field(default_factory=dict)
    problems: list[RowProblem] = field(default_factory=list)
    added: int = 0
    subscribed: int = 0
    rows: int = 0


def import_csv(db: Database, config: Config, path: Path, newsletter_key: str, consent_source: str,
               imported_by: str, dry_run: bool = False, now: datetime | None = None) -> ImportReport:
    if not consent_source.strip():
        raise SubscriberError("say where the consent came from (--consent-source), e.g. "
                              "'tilmeldt ved Industriens Dag 2026, papirblanket'")
    check_newsletter(config, newsletter_key)
    try:
        data = path.read_bytes()
    except OSError as e:
        raise ImportFileError(str(path), f"cannot read: {e.strerror}") from e
    text, encoding = decode(data, str(path))
    delimiter = sniff_delimiter(text)
    rows = iter_rows(text, delimiter)
    try:
        _line, header = next(rows)
    except StopIteration:
        raise ImportFileError(str(path), "the file is empty") from None
    columns, ignored = map_header(header, str(path))
    state = _State()
    ctx = _Context(newsletter_key, consent_source.strip(), f"{path.name}", imported_by, now or utcnow())
    with db.connect() as conn:
        transaction = conn.begin()
        try:
            batch: list[_Row] = []
            for line, cells in rows:
                state.rows += 1
                row = _parse_row(line, cells, columns, state)
                if row is not None:
                    batch.append(row)
                if len(batch) >= BATCH:
                    _store(conn, batch, ctx, state)
                    batch = []
            _store(conn, batch, ctx, state)
        except BaseException:
            transaction.rollback()
            raise
        if dry_run:
            transaction.rollback()
        else:
            transaction.commit()
    return ImportReport(file=str(path), newsletter=newsletter_key, encoding=encoding,
                        delimiter={"\t": "tab"}.get(delimiter, delimiter), rows=state.rows,
                        added=state.added, subscribed=state.subscribed,
                        problems=tuple(sorted(state.problems, key=lambda p: p.row)),
                        ignored_columns=ignored, dry_run=dry_run)


@dataclass(frozen=True)
class _Context:
    newsletter: str
    consent_source: str
    file: str
    by: str
    now: datetime


def _cell(cells: list[str], columns: dict[str, int], name: str) -> str:
    index = columns.get(name)
    return cells[index] if index is not None and index < len(cells) else ""


def _parse_row(line: int, cells: list[str], columns: dict[str, int], state: _State) -> _Row | None:
    raw = from_spreadsheet(_cell(cells, columns, "email"))
    try:
        address = normalise(raw)
    except InvalidAddress as e:
        state.problems.append(RowProblem(line, clean_text(raw, 80), f"invalid address: {e.problem}"))
        return None
    first = state.seen.get(address.email)
    if first is not None:
        state.problems.append(RowProblem(line, address.display, f"duplicate of line {first}"))
        return None
    state.seen[address.email] = line
    return _Row(line, address, clean_text(from_spreadsheet(_cell(cells, columns, "name"))),
                clean_text(from_spreadsheet(_cell(cells, columns, "organisation"))),
                clean_language(_cell(cells, columns, "language")))


def _store(conn: Connection, batch: list[_Row], ctx: _Context, state: _State) -> None:
    if not batch:
        return
    hashes = {row.address.email: address_hash(row.address.email) for row in batch}
    suppressed = q.suppressed_among(conn, list(hashes.values()))
    existing = q.existing_by_email(conn, [row.address.email for row in batch], ctx.newsletter)
    new_rows: list[_Row] = []
    to_subscribe: list[tuple[int, _Row]] = []
    for row in batch:
        email = row.address.email
        if hashes[email] in suppressed:
            state.problems.append(RowProblem(row.line, row.address.display,
                                             "suppressed: the person was erased on request and may not be added back"))
            continue
        if email not in existing:
            new_rows.append(row)
            continue
        subscriber_id, status = existing[email]
        if status is None:
            to_subscribe.append((subscriber_id, row))
        elif status == "active":
            state.problems.append(RowProblem(row.line, row.address.display, "already subscribed"))
        elif status == "pending":
            _activate_pending(conn, subscriber_id, row, ctx)
            state.subscribed += 1
        else:
            state.problems.append(RowProblem(row.line, row.address.display,
                                             f"{status}: an import does not add them back"))
    ids = q.insert_subscribers_many(conn, [
        {"email": r.address.email, "email_display": r.address.display, "name": r.name,
         "organisation": r.organisation, "language": r.language, "created_at": ctx.now,
         "updated_at": ctx.now} for r in new_rows])
    to_subscribe.extend(zip(ids, new_rows, strict=True))
    sub_ids = q.insert_subscriptions_many(conn, [
        {"subscriber_id": sid, "newsletter_key": ctx.newsletter, "status": "active", "all_sections": True,
         "created_at": ctx.now, "updated_at": ctx.now, "confirmed_at": ctx.now} for sid, _ in to_subscribe])
    q.insert_consents_many(conn, [_consent(sub_id, row, ctx) for sub_id, (_, row) in zip(sub_ids, to_subscribe, strict=True)])
    state.added += len(new_rows)
    state.subscribed += len(to_subscribe) - len(new_rows)


def _consent(subscription_id: int, row: _Row, ctx: _Context) -> dict[str, object]:
    return {"subscription_id": subscription_id, "action": "given", "at": ctx.now, "source": "import",
            "detail": _consent_detail(row, ctx), "ip": None,
            "consent_version": None, "consent_text": ctx.consent_source}


def _consent_detail(row: _Row, ctx: _Context) -> str:
    return f"{ctx.file} line {row.line}, imported by {ctx.by}"


def _activate_pending(conn: Connection, subscriber_id: int, row: _Row, ctx: _Context) -> None:
    for subscription in q.subscriptions_of(conn, subscriber_id):
        if subscription.newsletter_key == ctx.newsletter:
            q.set_status(conn, subscription.id, "active", ctx.now)
            q.add_consent(conn, subscription.id, action="given", source="import",
                          detail=_consent_detail(row, ctx), now=ctx.now, text=ctx.consent_source)
