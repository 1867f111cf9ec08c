"""collect: fetch every source concurrently, parse, clean, store new items once (issue 2).

``collect(db, config)`` reads as its phases: sync the sources from feeds.yaml, decide which
to fetch (``health.fetch_decision``), then per source, concurrently: fetch (``fetch.py``),
parse off the event loop (``kinds``), read pages a sitemap only names, clean (``clean.py``),
and store the new items with the fetch outcome in one transaction. A source that fails is
recorded in its health and never stops the others.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import datetime
from functools import partial
from typing import Any, TypeVar

import httpx
from sqlalchemy.exc import IntegrityError

from newsletter.collect.fetch import Fetched, Fetcher
from newsletter.collect.health import fetch_decision
from newsletter.config import CollectConfig, Config, Selectors, Source
from newsletter.db import Database
from newsletter.db.items import insert_items, stored_canonical_urls
from newsletter.db.sources import FetchOutcome, record_fetch, source_states, sync_sources
from newsletter.db.types import utcnow
from newsletter.errors import (
    FetchError,
    NoConnection,
    NotFound,
    RetryLater,
    SourceError,
    SourceGone,
)
from newsletter.models import CleanItem, CollectReport, Entry, SourceReport, SourceState

__all__ = ["collect", "collect_async", "Progress"]

log = logging.getLogger(__name__)
Progress = Callable[[str, SourceReport], None]
T = TypeVar("T")


def collect(db: Database, config: Config, *, only: Sequence[str] | None = None,
            progress: Progress | None = None, now: datetime | None = None,
            transport: httpx.AsyncBaseTransport | None = None) -> CollectReport:
    """Collect every enabled source of ``config`` (or only the keys in ``only``).

    ``now`` replaces the clock for the decisions and timestamps (tests); ``transport``
    replaces the network (httpx.MockTransport in unit tests).
    """
    run = collect_async(db, config, only=only, progress=progress, now=now, transport=transport)
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(run)
    # Called from inside an event loop (the web app): run on a loop of our own.
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, run).result()


async def collect_async(db: Database, config: Config, *, only: Sequence[str] | None = None,
                        progress: Progress | None = None, now: datetime | None = None,
                        transport: httpx.AsyncBaseTransport | None = None) -> CollectReport:
    started = now or utcnow()
    configured = config.sources()
    chosen = _choose(configured, only, config)
    with db.begin() as conn:
        sync_sources(conn, configured, started)
        states = {s.key: s for s in source_states(conn, started, keys=[c.key for c in chosen])}
    # One writer thread: SQLite allows one writer anyway, and per-source transactions stay short.
    with ThreadPoolExecutor(1, thread_name_prefix="collect-db") as writer:
        async with Fetcher(config.collect, transport) as fetcher:
            to_fetch = sum(fetch_decision(states[c.key], started).fetchable for c in chosen)
            run = _Run(db, config, fetcher, writer, started, progress, want_processes=to_fetch)
            try:
                reports = await asyncio.gather(*(run.source(states[c.key], c) for c in chosen))
            finally:
                if run.cpu_pool is not None:
                    run.cpu_pool.shutdown(cancel_futures=True)
    return CollectReport(started_at=started, finished_at=now or utcnow(), sources=tuple(reports))


MAX_REJECTION_WARNINGS = 5
AUTO_PROCESSES_FROM = 50  # sources per run; below this, process start-up costs more than it saves


def _cpu_pool(cfg: CollectConfig, sources: int) -> Executor | None:
    """Processes for parsing when a run is big enough to use several cores (feedparser is
    pure Python and holds the GIL); None means worker threads."""
    workers = cfg.parse_processes
    if workers is None:
        cores = os.cpu_count() or 1
        workers = min(cores, 4) if cores > 1 and sources >= AUTO_PROCESSES_FROM else 0
    if workers == 0:
        return None
    # forkserver: never fork a process that has threads running (the DB writer, the web app)
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["newsletter.collect", "newsletter.collect.kinds.feed"])
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=context)
    for _ in range(workers):  # start the workers now, while the first fetches are in flight
        pool.submit(int)
    return pool


def _choose(configured: list[Source], only: Sequence[str] | None, config: Config) -> list[Source]:
    if not only:
        return configured
    known = {s.key: s for s in configured}
    unknown = [key for key in only if key not in known]
    if unknown:
        names = ", ".join(sorted(known)) or "(none)"
        raise NotFound(f"no source {unknown[0]!r} in {config.path.name}; known sources: {names}")
    return [known[key] for key in dict.fromkeys(only)]


@dataclass
class _Run:
    db: Database
    config: Config
    fetcher: Fetcher
    writer: ThreadPoolExecutor
    now: datetime
    progress: Progress | None
    want_processes: int = 0  # sources in this run: decides on a process pool at the first parse
    cpu_pool: Executor | None = None
    _pool_decided: bool = False

    async def _cpu(self, fn: Callable[..., T], *args: Any) -> T:
        if not self._pool_decided:  # lazily: a run of 304s never starts processes
            self._pool_decided = True
            self.cpu_pool = _cpu_pool(self.config.collect, self.want_processes)
        if self.cpu_pool is None:
            return await asyncio.to_thread(fn, *args)
        return await asyncio.get_running_loop().run_in_executor(self.cpu_pool, partial(fn, *args))

    async def _write(self, fn: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(self.writer, partial(fn, *args))

    async def source(self, state: SourceState, source: Source) -> SourceReport:
        started = time.monotonic()
        decision = fetch_decision(state, self.now)
        if not decision.fetchable:
            report = SourceReport(state.key, "skipped", error=f"{decision.status}: {decision.reason}")
            if decision.status != "disabled":
                await self._write(self._record, state.id, FetchOutcome("skipped", error=report.error))
        else:
            report = await self._attempt(state, source, started)
        if self.progress is not None:
            self.progress(state.key, report)
        return report

    async def _attempt(self, state: SourceState, source: Source, started: float) -> SourceReport:
        fetched: Fetched | None = None
        no_connection = False
        try:
            fetched = await self.fetcher.fetch(state.key, state.url, etag=state.etag,
                                               last_modified=state.last_modified)
            return await self._store_fetched(state, source, fetched, started)
        except SourceError as e:
            status = e.http_status if isinstance(e, FetchError) else (fetched.status if fetched else None)
            # Kinds name the URL as the error's source; fetch errors name it in the problem.
            message = e.problem if e.source == state.key else str(e)
            no_connection = isinstance(e, NoConnection)
            outcome = FetchOutcome(
                "error", status=status, error=message, bytes=fetched.bytes if fetched else 0,
                duration_ms=_ms(started),
                retry_after=e.retry_after if isinstance(e, RetryLater) else None,
                gone=isinstance(e, SourceGone))
        except Exception as e:  # a bug in a parser must not stop the other sources
            log.exception("collecting %s failed unexpectedly", state.key)
            outcome = FetchOutcome(
                "error", status=fetched.status if fetched else None, bytes=fetched.bytes if fetched else 0,
                error=f"internal error while reading this source ({type(e).__name__}: {e}); please report it",
                duration_ms=_ms(started))
        await self._write(self._record, state.id, outcome)
        return SourceReport(state.key, "error", status=outcome.status, error=outcome.error,
                            bytes=outcome.bytes, duration_ms=outcome.duration_ms, no_connection=no_connection)

    async def _store_fetched(self, state: SourceState, source: Source, fetched: Fetched,
                             started: float) -> SourceReport:
        warnings: list[str] = []
        if fetched.moved_to:
            warnings.append(f"moved permanently to {fetched.moved_to}; update the URL in feeds.yaml")
        if fetched.not_modified:
            outcome = FetchOutcome("not_modified", status=304, etag=fetched.etag or state.etag,
                                   last_modified=fetched.last_modified or state.last_modified,
                                   duration_ms=_ms(started), warnings=tuple(warnings))
            await self._write(self._record, state.id, outcome)
            return SourceReport(state.key, "not_modified", status=304, duration_ms=outcome.duration_ms,
                                warnings=tuple(warnings), queued_ms=fetched.queued_ms)
        items, pending, more = await self._cpu(
            parse_and_clean, state.kind, fetched.body, dict(fetched.headers), fetched.url,
            source.selectors, source.max_items, self.now, self.config.collect.summary_chars)
        warnings += more
        if pending:
            pages = await self._read_pages(state, pending, warnings)
            page_items, rejected = await asyncio.to_thread(
                _clean_all, pages, fetched.url, self.now, self.config.collect.summary_chars)
            items += page_items
            warnings += rejected
        outcome = FetchOutcome("ok", status=fetched.status, etag=fetched.etag,
                               last_modified=fetched.last_modified, bytes=fetched.bytes,
                               duration_ms=_ms(started), warnings=tuple(warnings))
        new = await self._write(self._store, state, items, outcome, source.language)
        return SourceReport(state.key, "ok", status=fetched.status, new_items=new,
                            seen_items=len(items), bytes=fetched.bytes,
                            duration_ms=outcome.duration_ms, warnings=tuple(warnings),
                            queued_ms=fetched.queued_ms)

    async def _read_pages(self, state: SourceState, entries: list[Entry],
                          warnings: list[str]) -> list[Entry]:
        """A sitemap names pages; read the ones we have not stored yet, a few per run."""
        from newsletter.collect.clean import canonical_url

        pending = [e for e in entries if e.url]
        canonical = {e.url: canonical_url(e.url) for e in pending if e.url}
        stored = await self._write(self._stored_urls, list(set(canonical.values())))
        todo = [e for e in pending if canonical[e.url or ""] not in stored]
        limit = self.config.collect.sitemap_pages_per_run
        if len(todo) > limit:
            warnings.append(f"{len(todo) - limit} pages left for the next run "
                            f"(collect.sitemap_pages_per_run is {limit})")
        pages = await asyncio.gather(*(self._page_entry(state, e) for e in todo[:limit]),
                                     return_exceptions=True)
        result: list[Entry] = []
        for entry, page in zip(todo[:limit], pages, strict=True):
            if isinstance(page, list):
                result.extend(page)
            elif isinstance(page, SourceError):
                warnings.append(f"page skipped: {page.problem}")
            else:
                warnings.append(f"page {entry.url} skipped: {type(page).__name__}: {page}")
        return result

    async def _page_entry(self, state: SourceState, entry: Entry) -> list[Entry]:
        from newsletter.collect.pagemeta import entries_from_page

        fetched = await self.fetcher.fetch(state.key, entry.url or "")
        # a page with several schema.org events gives one entry each (issue 12)
        return await asyncio.to_thread(entries_from_page, fetched.body, fetched.headers, fetched.url, entry)

    # --- in the writer thread: one transaction per source ---------------------------------

    def _record(self, source_id: int, outcome: FetchOutcome) -> None:
        with self.db.begin() as conn:
            record_fetch(conn, source_id, outcome, self.now)

    def _stored_urls(self, urls: list[str]) -> set[str]:
        with self.db.connect() as conn:
            return stored_canonical_urls(conn, urls)

    def _store(self, state: SourceState, items: list[CleanItem], outcome: FetchOutcome,
               language: str) -> int:
        for attempt in (1, 2):
            try:
                with self.db.begin() as conn:
                    new = insert_items(conn, state, items, self.now, language)
                    record_fetch(conn, state.id, replace(outcome, new_items=new), self.now)
                return new
            except IntegrityError:
                # another collect (the scheduler and a manual run) stored the same item first;
                # the second attempt's dedupe sees it
                if attempt == 2:
                    raise
        return 0


def parse_and_clean(kind: str, body: bytes, headers: dict[str, str], url: str,
                    selectors: Selectors | None, max_items: int, now: datetime,
                    summary_chars: int) -> tuple[list[CleanItem], list[Entry], list[str]]:
    """Parse a fetched document and clean its entries: the CPU-bound part of a source,
    run in a worker thread or process. Returns (items, entries that need their page read,
    warnings)."""
    from newsletter.collect.kinds import get_kind

    parser = get_kind(kind)
    parsed = parser.parse(body, headers, url, selectors, now=now)
    entries = list(parsed.entries[:max_items])
    warnings = list(parsed.warnings)
    if len(parsed.entries) > max_items:
        warnings.append(f"only the first {max_items} of {len(parsed.entries)} entries read "
                        "(max_items in feeds.yaml)")
    pending = [e for e in entries if e.needs_page]
    items, rejected = _clean_all([e for e in entries if not e.needs_page], url, now, summary_chars)
    return items, pending, warnings + rejected


def _clean_all(entries: list[Entry], base_url: str, now: datetime,
               summary_chars: int) -> tuple[list[CleanItem], list[str]]:
    from newsletter.collect import clean

    items: list[CleanItem] = []
    reasons: dict[str, int] = {}
    for entry in entries:
        try:
            items.append(clean.clean_entry(entry, base_url, now, summary_chars))
        except clean.Rejected as e:
            reason = str(e) or "unusable entry"
            reasons[reason] = reasons.get(reason, 0) + 1
    warnings = [f"{n} entr{'y' if n == 1 else 'ies'} skipped: {reason}" for reason, n in reasons.items()]
    if len(warnings) > MAX_REJECTION_WARNINGS:
        rest = sum(list(reasons.values())[MAX_REJECTION_WARNINGS:])
        warnings = warnings[:MAX_REJECTION_WARNINGS] + [f"{rest} more entries skipped for similar reasons"]
    return items, warnings


def _ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)


