"""``newsletter collect``, ``newsletter sources`` and ``newsletter sources discover``."""

from __future__ import annotations

import asyncio
from dataclasses import asdict
from typing import Any

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from newsletter.cli.app import App, console, is_terminal, json_option, main, pass_app, print_json
from newsletter.collect import collect
from newsletter.collect.fetch import Fetcher
from newsletter.collect.health import source_health
from newsletter.config import CollectConfig
from newsletter.db.sources import source_states
from newsletter.db.types import utcnow
from newsletter.errors import ConfigError, SourceError
from newsletter.models import CollectReport, SourceReport


def _out() -> Console:
    """Tables for people: the terminal's width, or wide enough not to cut words in a log file."""
    return console() if is_terminal() else Console(highlight=False, width=200)


OUTCOME_STYLE = {"ok": "green", "not_modified": "green", "skipped": "yellow", "error": "bold red"}


def report_json(report: CollectReport) -> dict[str, Any]:
    return {
        "started_at": report.started_at,
        "finished_at": report.finished_at,
        "attempted": report.attempted,
        "failed": report.failed,
        "new_items": report.new_items,
        "all_failed": report.all_failed,
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
    for s in report.sources:
        style = OUTCOME_STYLE.get(s.outcome, "")
        table.add_row(s.key, f"[{style}]{s.outcome}[/]", str(s.status or ""), str(s.new_items),
                      str(s.seen_items), f"{s.duration_ms / 1000:.1f} s" if s.outcome != "skipped" else "",
                      _problem(s))
    out = _out()
    if not report.sources:
        out.print("No sources to collect: add partners and their sources to feeds.yaml.")
        return
    out.print(table)
    seconds = (report.finished_at - report.started_at).total_seconds()
    out.print(f"{report.new_items} new items from {report.attempted} sources in {seconds:.1f} s; "
              f"{report.failed} failed.")


@main.command("collect")
@click.option("--source", "only", multiple=True, metavar="KEY",
              help="Collect only this source (repeatable). Default: every enabled source.")
@json_option
@pass_app
def collect_command(app: App, only: tuple[str, ...], as_json: bool) -> None:
    """Fetch every source, store new items, and show what happened per source.

    Exit status 1 only when every attempted source failed (or the config is invalid).
    """
    config = app.config
    show_bar = is_terminal() and not as_json
    if show_bar:
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
            click.echo("Error: every source failed; check the network and the errors above.", err=True)
        click.get_current_context().exit(1)


@main.group("sources", invoke_without_command=True)
@json_option
@click.pass_context
def sources_group(ctx: click.Context, as_json: bool) -> None:
    """List the sources with their health (or find feeds: `sources discover URL`)."""
    if ctx.invoked_subcommand is not None:
        return
    app: App = ctx.obj
    config = app.config
    now = utcnow()
    with app.db.begin() as conn:
        from newsletter.db.sources import sync_sources

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
                   "new last run", "items 30 d", "what to check"):
        table.add_column(column)
    for r in rows:
        last = r["last_fetch_at"].astimezone().strftime("%Y-%m-%d %H:%M") if r["last_fetch_at"] else "never"
        style = STATUS_STYLE.get(r["status"], "")
        table.add_row(r["key"], r["partner_name"], r["kind"], f"[{style}]{r['status']}[/]", last,
                      str(r["http_status"] or ""), str(r["consecutive_failures"] or ""),
                      str(r["new_items_last_run"]), str(r["items_last_30_days"]), r["reason"])
    _out().print(table)
    problems = sum(1 for r in rows if r["status"] in ("failing", "gone", "stale"))
    _out().print(f"{len(rows)} sources; {problems} need attention.")


@sources_group.command("discover")
@click.argument("url")
@json_option
@pass_app
def discover_command(app: App, url: str, as_json: bool) -> None:
    """Find the feeds a site offers: the ones its page advertises, else the usual paths."""
    try:
        cfg = app.config.collect
    except ConfigError:
        cfg = CollectConfig()  # discovery works before feeds.yaml exists
    if "://" not in url:
        url = "https://" + url
    found, tried = asyncio.run(_discover(cfg, url))
    if as_json:
        print_json({"url": url, "feeds": found, "tried": tried})
        return
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


async def _discover(cfg: CollectConfig, url: str) -> tuple[list[dict[str, str]], list[str]]:
    from newsletter.collect.discover import candidate_urls, find_feeds, kind_for_document

    found: list[dict[str, str]] = []
    tried = [url]
    async with Fetcher(cfg) as fetcher:
        try:
            page = await fetcher.fetch("discover", url)
        except SourceError as e:
            raise click.ClickException(e.problem) from e
        kind = kind_for_document(page.body)
        if kind is not None:
            return [{"url": page.url, "kind": kind, "title": "", "found_by": "the URL itself"}], tried
        for feed in find_feeds(page.body, page.url):
            found.append({"url": feed.url, "kind": feed.kind, "title": feed.title,
                          "found_by": "advertised in the page"})
        if found:
            return found, tried
        candidates = [c for c in candidate_urls(page.url) if c != page.url]
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
    return found, tried
