"""CSV import of subscribers (issues 4 and 8).

Reads the files ``csvfile`` describes, our own export included, so an export imported into an
empty database gives back the same people: each row's newsletter (the ``newsletter`` column,
else ``--newsletter``), its status (an unsubscribed, bounced or complained person is stored
as such, so a later list cannot add them back; never as active), the address as typed
(``email_as_typed``), and the erased (``status`` erased + ``email_hash``: back on the
suppression list). Pending rows (never confirmed) are not imported.

Each bad row is reported with its line number and the reason; the good rows go in, all in
ONE transaction: a crash half way leaves the database as it was. ``dry_run`` does the same
work and rolls back. Two imports at once take turns (``q.lock_for_import``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import Connection
from sqlalchemy.exc import IntegrityError, OperationalError

from newsletter.config import Config
from newsletter.db import Database
from newsletter.db import subscribers as q
from newsletter.db.types import utcnow
from newsletter.errors import InvalidAddress, InvalidDetail, SubscriberError
from newsletter.subscribers.addresses import address_hash
from newsletter.subscribers.common import (
    check_newsletter,
    clean_language,
    clean_text,
    from_spreadsheet,
)
from newsletter.subscribers.csvfile import (
    ImportFileError,
    Row,
    decode,
    iter_rows,
    map_header,
    printable,
    sniff_delimiter,
)
from newsletter.subscribers.validate import Person, check_address, check_person

__all__ = ["ImportFileError", "ImportReport", "RowProblem", "import_csv"]

BATCH = 1000

# what a status cell may say -> what we store ("pending" and "erased" are handled apart)
STATUS_WORDS = {
    "active": "active", "aktiv": "active", "subscribed": "active", "tilmeldt": "active", "": "active",
    "unsubscribed": "unsubscribed", "afmeldt": "unsubscribed", "frameldt": "unsubscribed",
    "bounced": "bounced", "cleaned": "bounced", "returneret": "bounced",
    "complained": "complained", "klage": "complained",
    "pending": "pending", "afventer": "pending",
    "erased": "erased", "slettet": "erased",
}
_HASH = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True)
class RowProblem:
    row: int  # line number in the file (the header is line 1)
    email: str
    reason: str


@dataclass(frozen=True)
class ImportReport:
    file: str
    newsletter: str  # the --newsletter given, or the newsletters named in the file
    encoding: str
    delimiter: str
    rows: int = 0
    added: int = 0  # active subscriptions of people new to the database
    subscribed: int = 0  # active subscriptions of people already stored
    inactive: int = 0  # subscriptions stored as unsubscribed, bounced or complained
    suppressed: int = 0  # erased people put (back) on the suppression list
    problems: tuple[RowProblem, ...] = ()
    ignored_columns: tuple[str, ...] = ()
    header: bool = True  # False: a file of bare addresses
    dry_run: bool = False

    @property
    def imported(self) -> int:
        """Subscriptions made active."""
        return self.added + self.subscribed


@dataclass
class _Row:
    line: int
    person: Person
    language: str
    newsletter: str
    status: str  # active, unsubscribed, bounced, complained


@dataclass
class _State:
    seen: dict[tuple[str, str], int] = field(default_factory=dict)
    problems: list[RowProblem] = field(default_factory=list)
    newsletters: set[str] = field(default_factory=set)
    added: int = 0
    subscribed: int = 0
    inactive: int = 0
    suppressed: int = 0
    rows: int = 0

    def problem(self, line: int, email: str, reason: str) -> None:
        self.problems.append(RowProblem(line, email, reason))


@dataclass(frozen=True)
class _Context:
    newsletter: str | None
    known: frozenset[str]
    consent_source: str
    file: str
    by: str
    now: datetime


def import_csv(db: Database, config: Config, path: Path, newsletter_key: str | None, consent_source: str,
               imported_by: str, dry_run: bool = False, now: datetime | None = None) -> ImportReport:
    """Import ``path``; rows go to their ``newsletter`` column, else to ``newsletter_key``."""
    if not consent_source.strip():
        raise SubscriberError("say where the consent came from (--consent-source), e.g. "
                              "'tilmeldt ved Industriens Dag 2026, papirblanket'")
    if newsletter_key is not None:
        check_newsletter(config, newsletter_key)
    file = str(path)
    try:
        data = path.read_bytes()
    except OSError as e:
        raise ImportFileError(file, f"cannot read: {e.strerror}") from e
    decoded = decode(data, file)
    delimiter = sniff_delimiter(decoded.text)
    rows = iter_rows(decoded.text, delimiter)
    first = next(rows, None)
    if first is None:
        raise ImportFileError(file, "the file is empty")
    header = first.problem is None and map_header(first.cells)
    if header:
        columns, ignored = header
        pending_first: list[Row] = []
    elif first.problem is None and _looks_like_addresses(first.cells):
        # a file of bare addresses: the first line is a row too
        columns, ignored = {"email": _address_column(first.cells)}, ()
        pending_first = [first]
    elif first.problem is not None:
        raise ImportFileError(file, f"line 1 (the header): {first.problem}")
    else:
        raise ImportFileError(file, "no e-mail column; the first line must name the columns, e.g. "
                                    "'email;navn;organisation', or every line be an address (found: "
                              + ", ".join(printable(clean_text(c, 40)) for c in first.cells[:8]) + ")")
    if newsletter_key is None and "newsletter" not in columns:
        raise ImportFileError(file, "the file has no newsletter column: say which newsletter the rows are for "
                                    "(--newsletter KEY)")
    ctx = _Context(newsletter_key, frozenset(n.key for n in config.newsletters), consent_source.strip(),
                   path.name, imported_by, now or utcnow())
    state = _State()
    try:
        _run(db, [*pending_first, *rows], columns, ctx, state, dry_run)
    except OperationalError as e:
        raise ImportFileError(file, "the database stayed busy (another import or a long job held it); "
                                    "nothing was imported, run the import again") from e
    except IntegrityError as e:
        raise ImportFileError(file, "someone added the same subscribers while this import ran; nothing was "
                                    "imported, run the import again") from e
    return ImportReport(file=file, newsletter=newsletter_key or ", ".join(sorted(state.newsletters)),
                        encoding=decoded.encoding, delimiter={"\t": "tab"}.get(delimiter, delimiter),
                        rows=state.rows, added=state.added, subscribed=state.subscribed,
                        inactive=state.inactive, suppressed=state.suppressed,
                        problems=tuple(sorted(state.problems, key=lambda p: p.row)),
                        ignored_columns=ignored, header=bool(header), dry_run=dry_run)


def _looks_like_addresses(cells: list[str]) -> bool:
    return any(_is_address(c) for c in cells)


def _address_column(cells: list[str]) -> int:
    return next(i for i, c in enumerate(cells) if _is_address(c))


def _is_address(cell: str) -> bool:
    try:
        check_address(from_spreadsheet(cell))
    except InvalidAddress:
        return False
    return True


def _run(db: Database, rows: object, columns: dict[str, int], ctx: _Context, state: _State,
         dry_run: bool) -> None:
    with db.connect() as conn:
        transaction = conn.begin()
        try:
            q.lock_for_import(conn)
            batch: list[_Row] = []
            for row in rows:  # type: ignore[attr-defined]
                state.rows += 1
                parsed = _parse_row(conn, row, columns, ctx, state)
                if parsed is not None:
                    batch.append(parsed)
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


def _cell(cells: list[str], columns: dict[str, int], name: str) -> str:
    index = columns.get(name)
    return from_spreadsheet(cells[index]) if index is not None and index < len(cells) else ""


def _parse_row(conn: Connection, row: Row, columns: dict[str, int], ctx: _Context, state: _State) -> _Row | None:
    raw = _cell(row.cells, columns, "email")
    shown = printable(clean_text(raw, 80))
    if row.problem is not None:
        state.problem(row.line, shown, row.problem)
        return None
    word = _cell(row.cells, columns, "status").strip().lower()
    status = STATUS_WORDS.get(word)
    if status is None:
        state.problem(row.line, shown, f"unknown status {clean_text(word, 30)!r} (active, unsubscribed, bounced, "
                                       "complained, pending, erased)")
        return None
    if status == "erased":
        _erased(conn, row, raw, _cell(row.cells, columns, "email_hash").strip().lower(), ctx, state)
        return None
    if status == "pending":
        state.problem(row.line, shown, "pending: never confirmed; they must sign up themselves")
        return None
    newsletter = _cell(row.cells, columns, "newsletter").strip() or ctx.newsletter or ""
    if newsletter not in ctx.known:
        state.problem(row.line, shown, f"unknown newsletter {clean_text(newsletter, 40)!r}; known: "
                                       + ", ".join(sorted(ctx.known)))
        return None
    if ctx.newsletter is not None and newsletter != ctx.newsletter:
        state.problem(row.line, shown, f"for newsletter {newsletter}, not {ctx.newsletter}; import without "
                                       "--newsletter to take every newsletter from the file")
        return None
    typed = _cell(row.cells, columns, "display") if "display" in columns else raw
    name = _cell(row.cells, columns, "name")
    if not name.strip():
        name = " ".join(p for p in (_cell(row.cells, columns, "first_name").strip(),
                                    _cell(row.cells, columns, "last_name").strip()) if p)
    try:
        person = check_person(typed or raw, name, _cell(row.cells, columns, "organisation"))
        if typed and raw and typed != raw and check_address(raw).email != person.address.email:
            raise InvalidAddress(clean_text(raw, 40), f"email and email_as_typed ({clean_text(typed, 40)}) "
                                                      "are different addresses")
    except InvalidAddress as e:
        state.problem(row.line, shown, f"invalid address: {e.problem}")
        return None
    except InvalidDetail as e:
        state.problem(row.line, shown, e.problem)
        return None
    key = (person.address.email, newsletter)
    first = state.seen.get(key)
    if first is not None:
        state.problem(row.line, person.address.display, f"duplicate of line {first}")
        return None
    state.seen[key] = row.line
    state.newsletters.add(newsletter)
    return _Row(row.line, person, clean_language(_cell(row.cells, columns, "language")), newsletter, status)


def _erased(conn: Connection, row: Row, raw: str, email_hash: str, ctx: _Context, state: _State) -> None:
    """An erased person in the file: put the hash (or the address's hash) on the suppression list."""
    if raw.strip():
        try:
            email_hash = address_hash(check_address(raw).email)
        except InvalidAddress as e:
            state.problem(row.line, clean_text(raw, 80), f"invalid address: {e.problem}")
            return
    if not _HASH.match(email_hash):
        state.problem(row.line, "", "erased, but neither an address nor an email_hash to suppress")
        return
    if not q.is_suppressed(conn, email_hash):
        q.suppress(conn, email_hash, "erased", ctx.now)
        state.suppressed += 1


def _store(conn: Connection, batch: list[_Row], ctx: _Context, state: _State) -> None:
    if not batch:
        return
    emails = list(dict.fromkeys(r.person.address.email for r in batch))
    hashes = {email: address_hash(email) for email in emails}
    suppressed = q.suppressed_among(conn, list(hashes.values()))
    ids = q.ids_by_email(conn, emails)
    new_people: dict[str, _Row] = {}
    for row in batch:
        email = row.person.address.email
        if email not in ids and hashes[email] not in suppressed:
            new_people.setdefault(email, row)
    new_ids = q.insert_subscribers_many(conn, [
        {"email": email, "email_display": r.person.address.display, "name": r.person.name,
         "organisation": r.person.organisation, "language": r.language, "created_at": ctx.now,
         "updated_at": ctx.now} for email, r in new_people.items()])
    ids.update(zip(new_people, new_ids, strict=True))
    current = q.statuses_by_subscriber(conn, list(ids.values()))
    to_subscribe: list[tuple[int, _Row]] = []
    for row in batch:
        email = row.person.address.email
        if hashes[email] in suppressed:
            state.problem(row.line, row.person.address.display,
                          "suppressed: the person was erased on request and may not be added back")
            continue
        sid = ids[email]
        status = current.get((sid, row.newsletter))
        if status is None:
            to_subscribe.append((sid, row))
            current[(sid, row.newsletter)] = row.status
            if row.status != "active":
                state.inactive += 1
            elif email in new_people:
                state.added += 1
            else:
                state.subscribed += 1
        elif status == "active":
            state.problem(row.line, row.person.address.display, "already subscribed")
        elif status == "pending" and row.status == "active":
            _activate_pending(conn, sid, row, ctx)
            state.subscribed += 1
        else:
            state.problem(row.line, row.person.address.display,
                          f"{status}: an import does not change them" if row.status != "active"
                          else f"{status}: an import does not add them back")
    sub_ids = q.insert_subscriptions_many(conn, [
        {"subscriber_id": sid, "newsletter_key": row.newsletter, "status": row.status, "all_sections": True,
         "created_at": ctx.now, "updated_at": ctx.now,
         "confirmed_at": ctx.now if row.status == "active" else None,
         "unsubscribed_at": ctx.now if row.status == "unsubscribed" else None} for sid, row in to_subscribe])
    q.insert_consents_many(conn, [c for sub_id, (_, row) in zip(sub_ids, to_subscribe, strict=True)
                                  if (c := _consent(sub_id, row, ctx)) is not None])


def _consent(subscription_id: int, row: _Row, ctx: _Context) -> dict[str, object] | None:
    """The consent record of an imported subscription: given (active), withdrawn
    (unsubscribed in the file), none for bounced/complained (a delivery fact, not consent)."""
    if row.status == "active":
        return {"subscription_id": subscription_id, "action": "given", "at": ctx.now, "source": "import",
                "detail": _consent_detail(row, ctx), "ip": None, "consent_version": None,
                "consent_text": ctx.consent_source}
    if row.status == "unsubscribed":
        return {"subscription_id": subscription_id, "action": "withdrawn", "at": ctx.now, "source": "import",
                "detail": _consent_detail(row, ctx) + " (unsubscribed in the file)", "ip": None,
                "consent_version": None, "consent_text": None}
    return None


def _consent_detail(row: _Row, ctx: _Context) -> str:
    return f"{ctx.file} line {row.line}, imported by {ctx.by}"


def _activate_pending(conn: Connection, subscriber_id: int, row: _Row, ctx: _Context) -> None:
    for subscription in q.subscriptions_of(conn, subscriber_id):
        if subscription.newsletter_key == row.newsletter:
            q.set_status(conn, subscription.id, "active", ctx.now)
            q.add_consent(conn, subscription.id, action="given", source="import",
                          detail=_consent_detail(row, ctx), now=ctx.now, text=ctx.consent_source)
