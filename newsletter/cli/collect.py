"""``newsletter collect``, ``newsletter sources`` and ``newsletter sources discover``."""

from __future__ import annotations

from dataclasses import asdict
from typing import TYPE_CHECKING, Any

import click

from newsletter.cli.app import (
    App,
    console,
    is_terminal,
    json_option,
    local_time,
    main,
    pass_app,
    print_json,
)
from newsletter.errors import ConfigError, FetchError, SourceError

if TYPE_CHECKING:  # the stage modules load inside the commands (fast start-up, issue 11)
    from rich.console import Console

    from newsletter.collect.fetch import Fetched, Fetcher
    from newsletter.config import CollectConfig
    from newsletter.models import CollectReport, SourceReport


def _out() -> Console:
    """Tables for people: the terminal's width, or wide enough not to cut words in a log file."""
    from rich.console import Console

    return console() if is_terminal() else Console(highlight=False, width=200)


OUTCOME_STYLE = {"ok": "green", "not_modified": "green", "skipped": "yellow", "error": "bold red"}


def report_json(report: CollectReport) -> dict[str, Any]:
    from newsletter.collect.health import offline_diagnosis

    return {
        "started_at": report.started_at,
        "finished_at": report.finished_at,
        "attempted": report.attempted,
        "failed": report.failed,
        "new_items": report.new_items,
        "all_failed": report.all_failed,
        "offline": offline_diagnosis(report) is not None,
        "sources": [asdict(s) for s in report.sources],
    }


def _problem(source: SourceReport) -> str:
    parts = [source.error] if source.error else []
    parts += list(source.warnings[:3])
    if len(source.warnings) > 3:
        parts.append(f"(+{len(source.warnings) - 3} more warnings)")
    return "\n".join(p for p in parts if p)


def _print_report(report: CollectReport) -> None:
    from rich.table import Table

    table = Table(title="Collect")
    for column, justify in (("source", "left"), ("status", "left"), ("HTTP", "right"),
                            ("new", "right"), ("seen", "right"), ("time", "right"),
                            ("error / warnings", "left")):
        table.add_column(column, justify=justify)  # type: ignore[arg-type]
    disabled = [s for s in report.sources if _is_disabled(s)]
    for s in report.sources:
        if _is_disabled(s):
            continue  # counted below; `newsletter sources` lists them
        style = OUTCOME_STYLE.get(s.outcome, "")
        table.add_row(s.key, f"[{style}]{s.outcome}[/]", str(s.status or ""), str(s.new_items),
                      str(s.seen_items), _time(s),
                      _problem(s))
    out = _out()
    if not report.sources:
        out.print("No sources to collect: add partners and their sources to feeds.yaml.")
        return
    if table.row_count:
        out.print(table)
    seconds = (report.finished_at - report.started_at).total_seconds()
    line = (f"{report.new_items} new {_plural(report.new_items, 'item')} from {report.attempted} "
            f"{_plural(report.attempted, 'source')} in {seconds:.1f} s; {report.failed} failed.")
    if disabled:
        line += (f" {len(disabled)} {_plural(len(disabled), 'source')} switched off in feeds.yaml "
                 "(enabled: false) not fetched.")
    out.print(line)


def _time(s: SourceReport) -> str:
    """Fetch time, and apart from it the wait for a per-host slot (not part of the deadline)."""
    if s.outcome == "skipped":
        return ""
    queued = f" (+{s.queued_ms / 1000:.1f} s queued)" if s.queued_ms >= 100 else ""
    return f"{(s.duration_ms - s.queued_ms) / 1000:.1f} s{queued}"


def _is_disabled(source: SourceReport) -> bool:
    return source.outcome == "skipped" and (source.error or "").startswith("disabled")


def _plural(n: int, word: str) -> str:
    return word if n == 1 else word + "s"


@main.command("collect")
@click.option("--source", "only", multiple=True, metavar="KEY",
              help="Collect only this source (repeatable). Default: every enabled source.")
@json_option
@pass_app
def collect_command(app: App, only: tuple[str, ...], as_json: bool) -> None:
    """Fetch every source, store new items, and show what happened per source.

    Exit status 1 only when every attempted source failed (or the config is invalid).
    """
    from newsletter.collect import collect
    from newsletter.collect.health import offline_diagnosis

    config = app.config
    show_bar = is_terminal() and not as_json
    if show_bar:
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
        )

        total = len(only) if only else len(config.sources())
        with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                      TimeElapsedColumn(), console=console(stderr=True), transient=True) as bar:
            task = bar.add_task("Collecting", total=total)

            def advance(key: str, _report: SourceReport) -> None:
                bar.update(task, advance=1, description=f"Collecting ({key})")

            report = collect(app.db, config, only=list(only) or None, progress=advance)
    else:
        report = collect(app.db, config, only=list(only) or None)
    if as_json:
        print_json(report_json(report))
    else:
        _print_report(report)
    if report.all_failed:
        if not as_json:
            offline = offline_diagnosis(report)
            click.echo(f"Error: every source failed: {offline}" if offline else
                       "Error: every source failed; check the errors above (if they are all network "
                       "errors, check this machine's network first).", err=True)
        click.get_current_context().exit(1)


@main.group("sources", invoke_without_command=True)
@json_option
@click.pass_context
def sources_group(ctx: click.Context, as_json: bool) -> None:
    """List the sources with their health (or find feeds: `sources discover URL`)."""
    if ctx.invoked_subcommand is not None:
        return
    from newsletter.collect.health import source_health
    from newsletter.db.sources import source_states, sync_sources
    from newsletter.db.types import utcnow

    app: App = ctx.obj
    config = app.config
    now = utcnow()
    with app.read_db.begin() as conn:
        sync_sources(conn, config.sources(), now)
        states = source_states(conn, now)
    stale_days = config.collect.stale_after_days
    names = {p.key: p.name for p in config.partners}
    rows = []
    for state in states:
        health = source_health(state, now, stale_days)
        rows.append({
            "key": state.key, "partner": state.partner_key,
            "partner_name": names.get(state.partner_key, state.partner_key),
            "kind": state.kind, "url": state.url,
            "status": health.status, "reason": health.reason,
            "last_fetch_at": state.last_fetch_at, "last_success_at": state.last_success_at,
            "http_status": state.last_status, "consecutive_failures": state.consecutive_failures,
            "new_items_last_run": state.new_items_last_run,
            "last_new_item_at": state.last_new_item_at,
            "items_last_30_days": state.items_last_30_days,
            "retry_after": state.retry_after, "error": state.last_error,
            "warnings": list(state.last_warnings),
        })
    if as_json:
        print_json(rows)
        return
    _print_sources(rows)


STATUS_STYLE = {"ok": "green", "new": "cyan", "failing": "bold red", "stale": "yellow",
                "gone": "red", "waiting": "yellow", "disabled": "dim"}


def _print_sources(rows: list[dict[str, Any]]) -> None:
    from rich.table import Table

    table = Table(title="Sources")
    for column in ("key", "partner", "kind", "health", "last fetch", "HTTP", "failures",
                   "new last run", "items 30 d"):
        table.add_column(column, max_width=24 if column == "partner" else None)
    table.add_column("what to check", ratio=1, min_width=50)
    for r in rows:
        last = local_time(r["last_fetch_at"], "never")
        style = STATUS_STYLE.get(r["status"], "")
        table.add_row(r["key"], r["partner_name"], r["kind"], f"[{style}]{r['status']}[/]", last,
                      str(r["http_status"] or ""), str(r["consecutive_failures"] or ""),
                      str(r["new_items_last_run"]), str(r["items_last_30_days"]), _what_to_check(r))
    _out().print(table)
    problems = sum(1 for r in rows if r["status"] in ("failing", "gone", "stale"))
    warned = sum(1 for r in rows if r["warnings"])
    off = sum(1 for r in rows if r["status"] == "disabled")
    summary = f"{len(rows)} sources; {problems} need attention"
    if off:
        summary += f"; {off} of {len(rows)} switched off (enabled: false in feeds.yaml)"
    if warned:
        summary += f"; {warned} had warnings in their last run"
    _out().print(summary + ".")


def _what_to_check(row: dict[str, Any]) -> str:
    lines = [row["reason"]] if row["reason"] else []
    warnings = row["warnings"]
    lines += [f"warning: {w}" for w in warnings[:3]]
    if len(warnings) > 3:
        lines.append(f"(+{len(warnings) - 3} more warnings: newsletter sources --json)")
    return "\n".join(lines)


@sources_group.command("discover")
@click.argument("url")
@json_option
@pass_app
def discover_command(app: App, url: str, as_json: bool) -> None:
    """Find the feeds a site offers: the ones its page advertises, else the usual paths."""
    import asyncio

    from newsletter.config import CollectConfig

    try:
        cfg = app.config.collect
    except ConfigError:
        cfg = CollectConfig()  # discovery works before feeds.yaml exists
    found, tried, page_problem = asyncio.run(_discover(cfg, url))
    url = tried[0]
    if as_json:
        print_json({"url": url, "feeds": found, "tried": tried, "page_error": page_problem})
        return
    if page_problem:
        click.echo(f"The page itself could not be read ({page_problem}); tried the usual feed paths instead.")
    if not found:
        click.echo(f"No feed found for {url} (tried the page and {len(tried) - 1} usual feed paths).")
        click.echo("If the site has a news list, use kind: html with CSS selectors, or kind: sitemap.")
        return
    from rich.table import Table

    table = Table(title=f"Feeds for {url}")
    for column in ("url", "kind", "title", "found by"):
        table.add_column(column)
    for feed in found:
        table.add_row(feed["url"], feed["kind"], feed["title"], feed["found_by"])
    _out().print(table)
    best = found[0]
    click.echo("\nAdd to feeds.yaml under the partner's sources:")
    click.echo(f"      - kind: {best['kind']}\n        url: {best['url']}")


async def _discover(cfg: CollectConfig, url: str) -> tuple[list[dict[str, str]], list[str], str | None]:
    """(feeds found, URLs tried, why the page itself could not be read)."""
    import asyncio

    from newsletter.collect.discover import candidate_urls, find_feeds, kind_for_document
    from newsletter.collect.fetch import Fetcher

    found: list[dict[str, str]] = []
    async with Fetcher(cfg) as fetcher:
        page_url, page, problem = await _fetch_page(fetcher, url)
        tried = [page_url]
        if page is not None:
            kind = kind_for_document(page.body)
            if kind is not None:
                return [{"url": page.url, "kind": kind, "title": "", "found_by": "the URL itself"}], tried, None
            for feed in find_feeds(page.body, page.url):
                found.append({"url": feed.url, "kind": feed.kind, "title": feed.title,
                              "found_by": "advertised in the page"})
            if found:
                return found, tried, None
            page_url = page.url
        candidates = [c for c in candidate_urls(page_url) if c != page_url]
        tried += candidates

        async def probe(candidate: str) -> dict[str, str] | None:
            try:
                fetched = await fetcher.fetch("discover", candidate)
            except SourceError:
                return None
            kind = kind_for_document(fetched.body)
            if kind is None:
                return None
            return {"url": fetched.url, "kind": kind, "title": "", "found_by": "usual path"}

        seen: set[str] = set()
        for hit in await asyncio.gather(*(probe(c) for c in candidates)):
            if hit is not None and hit["url"] not in seen:
                seen.add(hit["url"])
                found.append(hit)
    return found, tried, problem


async def _fetch_page(fetcher: Fetcher, url: str) -> tuple[str, Fetched | None, str | None]:
    """The page to discover from: (its URL, the page or None, the HTTP error it gave).

    Without a scheme, https is tried first and then http. A page that answers with an HTTP
    error still has a site behind it, so the usual paths are tried; no answer at all is an error.
    """
    schemes = [""] if "://" in url else ["https://", "http://"]
    for n, scheme in enumerate(schemes):
        try:
            return scheme + url, await fetcher.fetch("discover", scheme + url), None
        except FetchError as e:
            if e.http_status is not None and e.http_status >= 400:
                return scheme + url, None, e.problem.split(" (")[0]
            if n == len(schemes) - 1:
                raise click.ClickException(_from_command_line(e.problem)) from e
        except SourceError as e:
            raise click.ClickException(_from_command_line(e.problem)) from e
    raise AssertionError("unreachable")


def _from_command_line(problem: str) -> str:
    """A fetch problem about a URL typed on the command line: not one from feeds.yaml."""
    return problem.replace("check the URL in feeds.yaml", "check the URL you gave") + " (the URL given on the command line)"
