"""``newsletter draft | issues | issue show/edit | render | approve | archive build`` (issue 3)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from newsletter.cli.app import (
    App,
    author_option,
    check_output_folder,
    json_option,
    local_time,
    main,
    pass_app,
    print_json,
    print_table,
    shorten,
)
from newsletter.errors import ComposeError

# The stage modules (review, compose, render: SQLAlchemy, Jinja, MJML) load inside each
# command, so `newsletter --help` and the other areas' commands start fast (issue 11).
ISSUE_STATUSES = ("draft", "approved", "queued", "sent")


by_option = author_option("Who makes the change (recorded in the audit log).")


@main.command("draft")
@click.option("--newsletter", "newsletter_key", default=None, help="Newsletter key (default: the first).")
@click.option("--week", default=None, help="ISO week, e.g. 2026-W48 (default: this week).")
@json_option
@pass_app
def draft(app: App, newsletter_key: str | None, week: str | None, as_json: bool) -> None:
    """Create this week's draft issue, or refresh it while it is still a draft."""
    from newsletter import review
    from newsletter.compose import draft as compose_draft  # compose, then the pictures (issue 10)

    issue = compose_draft(app.db, app.config, newsletter_key, week)
    _, placed = review.get(app.db, issue.id)
    included = sum(1 for p in placed if p.included)
    if as_json:
        print_json({"issue": issue, "included": included, "items": len(placed)})
        return
    click.echo(f"Issue {issue.id}: {issue.newsletter_key} {issue.label} ({issue.status}), "
               f"{included} items included, {len(placed) - included} left out")
    click.echo(f"Subject: {issue.subject}")
    click.echo(f"Next: newsletter issue show {issue.id}; newsletter render {issue.id}")


@main.command("issues")
@click.option("--newsletter", "newsletter_key", default=None, help="Only issues of this newsletter key.")
@click.option("--status", type=click.Choice(ISSUE_STATUSES), default=None, help="Only issues with this status.")
@json_option
@pass_app
def issues_list(app: App, newsletter_key: str | None, status: str | None, as_json: bool) -> None:
    """List issues with their status."""
    from newsletter.db import issues as q

    with app.read_db.connect() as conn:
        found = q.list_issues(conn, newsletter_key, status)
    if as_json:
        print_json(found)
        return
    rows = [[i.id, i.newsletter_key, i.label, i.status, i.subject,
             f"{i.approved_by} {local_time(i.approved_at)}" if i.approved_at else ""] for i in found]
    print_table("Issues", ["id", "newsletter", "week", "status", "subject", "approved"], rows)


@main.group("issue")
def issue_group() -> None:
    """Show and edit one issue."""


@issue_group.command("show")
@click.argument("issue_id", type=int)
@json_option
@pass_app
def issue_show(app: App, issue_id: int, as_json: bool) -> None:
    """Print the issue's texts, sections and items (item ids are used by `issue edit`)."""
    from newsletter import review
    from newsletter.media import problems as media_problems
    from newsletter.render import last_findings
    from newsletter.render.context import partner_name

    issue, placed = review.get(app.read_db, issue_id)
    if as_json:
        print_json({"issue": issue, "items": [_item_json(app, p) for p in placed],
                    "warnings": media_problems(app.read_db, app.config, issue_id),
                    "last_render": [f.to_dict() for f in last_findings(app.read_db, issue.id)]})
        return
    click.echo(f"Issue {issue.id} · {issue.newsletter_key} {issue.label} · {issue.status}")
    if issue.approved_at:
        click.echo(f"Approved by {issue.approved_by} at {local_time(issue.approved_at)}")
    click.echo(f"Subject:   {issue.subject}\nPreheader: {issue.preheader}\nIntro:     {issue.intro}")
    for finding in last_findings(app.read_db, issue.id):
        if finding.level != "info" and finding.check != "image":  # pictures: listed below, current
            click.echo(f"Render {finding.level}: {finding.check}: {finding.message}")
    newsletter = app.config.newsletter(issue.newsletter_key)
    for key in app.config.sections_of(newsletter):
        section = app.config.section(key)
        rows = [[p.item.id, "yes" if p.included else f"no ({p.reason})", shorten(p.title, 70),
                 partner_name(app.config, p.item.partner_key)
                 + (f" +{len(p.also_by)}" if p.also_by else ""),
                 p.item.event_starts_at.date() if p.item.event_starts_at else p.item.published_at.date()]
                for p in sorted(placed, key=lambda p: p.position) if p.section == key]
        if rows:
            print_table(section.title if section else key, ["item", "included", "title", "partner", "date"], rows)
    for line in media_problems(app.read_db, app.config, issue_id):  # issue 10: why a card has no picture
        click.echo(f"warning: {line}")


def _item_json(app: App, p: Any) -> dict[str, Any]:
    from newsletter.render.context import partner_name

    return {"item_id": p.item.id, "section": p.section, "position": p.position, "included": p.included,
            "reason": p.reason, "title": p.title, "summary": p.summary, "url": p.item.url,
            "partner": partner_name(app.config, p.item.partner_key),
            "also": [partner_name(app.config, k) for k in p.also_by]}


@issue_group.command("edit")
@click.argument("issue_id", type=int)
@click.option("--subject", default=None, help="The email's subject line.")
@click.option("--preheader", default=None, help="The preview text shown after the subject in the inbox.")
@click.option("--intro", default=None, help="Intro text; a blank line starts a new paragraph.")
@click.option("--include", "includes", type=int, multiple=True, metavar="ITEM",
              help="Show this item in the issue (repeatable; ids from `issue show`).")
@click.option("--exclude", "excludes", type=int, multiple=True, metavar="ITEM",
              help="Leave this item out of the issue (repeatable).")
@click.option("--move", "moves", type=(int, str), multiple=True, metavar="ITEM SECTION[:POS]",
              help="Move an item to a section and optionally a 1-based position: --move 12 arrangementer:1")
@click.option("--title", "titles", type=(int, str), multiple=True, metavar="ITEM TEXT",
              help='Override an item\'s title in this issue ("" restores the original).')
@click.option("--summary", "summaries", type=(int, str), multiple=True, metavar="ITEM TEXT",
              help='Override an item\'s summary in this issue ("" restores the original).')
@by_option
@pass_app
def issue_edit(app: App, issue_id: int, subject: str | None, preheader: str | None, intro: str | None,
               includes: tuple[int, ...], excludes: tuple[int, ...], moves: tuple[tuple[int, str], ...],
               titles: tuple[tuple[int, str], ...], summaries: tuple[tuple[int, str], ...], by: str) -> None:
    """Edit texts and items. Editing an approved issue sends it back to draft."""
    from newsletter import review

    db = app.db
    # check everything first: a typo in the fifth option should not leave four edits saved
    issue, placed = review.get(db, issue_id)
    texts = (subject, preheader, intro)
    if texts == (None, None, None) and not (includes or excludes or moves or titles or summaries):
        raise click.UsageError("nothing to change: give --subject, --preheader, --intro, --include, --exclude, "
                               "--move, --title or --summary (see `newsletter issue edit --help`)")
    sections = app.config.sections_of(app.config.newsletter(issue.newsletter_key))
    targets = [_move_target(target, sections) for _, target in moves]
    _check_positions(placed, moves, targets)
    review.check_items(db, issue_id, [*includes, *excludes, *(i for i, _ in (*moves, *titles, *summaries))])
    review.set_texts(db, issue_id, by, subject=subject, preheader=preheader,
                     intro=intro.replace("\\n", "\n") if intro is not None else None)
    for item_id in includes:
        review.include(db, issue_id, item_id, by)
    for item_id in excludes:
        review.exclude(db, issue_id, item_id, by)
    for (item_id, _), (section, position) in zip(moves, targets, strict=True):
        review.move(db, issue_id, item_id, by, section=section, position=position, sections=sections)
    for item_id, text in titles:
        review.override(db, issue_id, item_id, by, title=text)
    for item_id, text in summaries:
        review.override(db, issue_id, item_id, by, summary=text)
    issue, _ = review.get(db, issue_id)
    click.echo(f"Issue {issue.id} saved ({issue.status}).")


def _check_positions(placed: Any, moves: tuple[tuple[int, str], ...],
                     targets: list[tuple[str | None, int | None]]) -> None:
    """A position past the end of its section is an error, not quietly the last place."""
    where = {p.item.id: p.section for p in placed}
    for (item_id, text), (section, position) in zip(moves, targets, strict=True):
        if position is None or item_id not in where:
            continue  # an unknown item is reported by check_items, with the others
        target = section or where[item_id]
        others = sum(1 for p in placed if p.section == target and p.item.id != item_id)
        if position > others:
            raise ComposeError(f"--move {item_id} {text}: section {target!r} would have {others + 1} "
                               f"item{'s' if others else ''}; positions are 1 to {others + 1}")


def _move_target(target: str, sections: list[str] | tuple[str, ...]) -> tuple[str | None, int | None]:
    """``arrangementer:1`` -> ("arrangementer", 0); ``:2`` keeps the section; positions start at 1."""
    from newsletter import review

    section, _sep, pos = target.partition(":")
    if section:
        review.check_section(section, sections)
    if pos and (not pos.isdigit() or int(pos) < 1):
        raise ComposeError(f"position {pos!r} is not a number from 1 (1 is the top)")
    return section or None, int(pos) - 1 if pos else None


@main.command("render")
@click.argument("issue_id", type=int)
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder for email.html, email.txt, web.html, preview.html (default: var/render/ISSUE).")
@click.option("--offline", is_flag=True, help="Skip the link check (no network).")
@json_option
@pass_app
def render_cmd(app: App, issue_id: int, out: Path | None, offline: bool, as_json: bool) -> None:
    """Render an issue once (email HTML + text, web page, preview) and run the preflight."""
    from newsletter.render import render_issue, write_outputs

    if out is not None:
        check_output_folder(out, "--out")
    result = render_issue(app.db, app.config, issue_id, check_links=not offline)
    folder = out or app.config.settings.var_dir / "render" / str(issue_id)
    paths = write_outputs(app.config, result, folder)
    if as_json:
        print_json({"files": paths, "preflight": [f.to_dict() for f in result.preflight]})
        return
    for path in paths:
        click.echo(f"wrote {path}")
    for finding in result.preflight:
        click.echo(f"{finding.level:7} {finding.check}: {finding.message}")
    errors = sum(1 for f in result.preflight if f.level == "error")
    click.echo(f"Preflight: {errors} error(s)." + ("" if offline else " Links checked."))


@main.command("approve")
@click.argument("issue_id", type=int)
@by_option
@click.option("--override", default=None, metavar="REASON",
              help="Approve despite preflight errors; the reason is kept in the audit log.")
@pass_app
def approve_cmd(app: App, issue_id: int, by: str, override: str | None) -> None:
    """Approve a rendered issue for sending (records who and when).

    Refused when the issue changed after its last render, or has preflight errors (unless
    --override gives a reason); with team.four_eyes the last editor may not approve."""
    from newsletter import review

    issue = review.approve(app.db, issue_id, by, override=override, four_eyes=app.config.data.team.four_eyes)
    click.echo(f"Issue {issue.id} approved by {issue.approved_by} at {local_time(issue.approved_at)}.")


@main.group("archive")
def archive_group() -> None:
    """The public archive of sent issues."""


@archive_group.command("build")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder for the static site (default: var/archive).")
@pass_app
def archive_build(app: App, out: Path | None) -> None:
    """Write a static site of sent issues: index, one page per issue, an Atom feed per newsletter."""
    from newsletter.render.archive import build_archive

    if out is not None:
        check_output_folder(out, "--out")
    folder = out or app.config.settings.var_dir / "archive"
    written = build_archive(app.db, app.config, folder)
    click.echo(f"wrote {len(written)} files to {folder}")
