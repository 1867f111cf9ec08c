"""``newsletter social draft | list | show | edit | approve | export | publish | resolve`` (issue 10)."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import click

from newsletter.cli.app import (
    App,
    author_option,
    json_option,
    lazy_module,
    local_time,
    main,
    pass_app,
    print_json,
    print_table,
)
from newsletter.errors import SocialError

if TYPE_CHECKING:
    from newsletter.social import export, publish, stage
else:  # loaded when a command runs, not when `newsletter --help` lists it (issue 11)
    export, publish, stage = (lazy_module(f"newsletter.social.{m}") for m in ("export", "publish", "stage"))

CPH = ZoneInfo("Europe/Copenhagen")
# the same as newsletter.social.networks.NAMES, export.FORMATS and models.SOCIAL_STATUSES
# (tests/social checks), written out so that listing the commands loads none of them
NAMES = ("linkedin", "x", "facebook", "bluesky", "mastodon")
FORMATS = ("buffer", "hootsuite", "json")
SOCIAL_STATUSES = ("draft", "approved", "exported", "publishing", "posted", "unknown", "failed")


by_option = author_option("Who does it (recorded with the time in the audit log).")


def _row(item: stage.PostView) -> dict[str, Any]:
    post = item.post
    return {"id": post.id, "issue_id": post.issue_id, "network": post.network, "subject": post.subject,
            "status": post.status, "planned_at": post.planned_at, "count": item.measure.count,
            "limit": item.measure.limit, "problems": list(item.measure.problems),
            "warnings": list(item.measure.warnings), "text": post.text,
            "link": post.link, "approved_by": post.approved_by, "approved_at": post.approved_at,
            "exported_at": post.exported_at, "posted_at": post.posted_at, "remote_url": post.remote_url,
            "last_error": post.last_error}


def _print_post(item: stage.PostView) -> None:
    post = item.post
    click.echo(f"Post {post.id} · {post.network} · {post.subject} · {post.status} · "
               f"{local_time(post.planned_at, 'no time')} · {item.measure.describe()}")
    if post.approved_by:
        click.echo(f"Approved by {post.approved_by} {local_time(post.approved_at)}")
    if post.last_error:
        click.echo(f"Last error: {post.last_error}")
    click.echo("")
    click.echo(post.text)


@main.group("social")
def social_group() -> None:
    """Posts for LinkedIn, X, Facebook, Bluesky and Mastodon from an issue's items."""


@social_group.command("draft")
@click.argument("issue_id", type=int)
@by_option
@json_option
@pass_app
def social_draft(app: App, issue_id: int, by: str, as_json: bool) -> None:
    """Make (or refresh) the posts of issue ISSUE_ID, one per included item and network."""
    report = stage.draft(app.db, app.config, issue_id, by=by)
    if as_json:
        print_json({"issue_id": report.issue_id, "added": report.added, "refreshed": report.refreshed,
                    "kept": report.kept, "removed": report.removed, "shortened": report.shortened,
                    "skipped": report.skipped, "posts": [_row(stage.view(p)) for p in report.posts]})
        return
    click.echo(f"Issue {issue_id}: {len(report.posts)} posts ({report.added} new, {report.refreshed} "
               f"refreshed, {report.kept} kept as edited or approved, {report.removed} removed)")
    if report.shortened:
        click.echo(f"Shortened to fit: {', '.join(report.shortened)}")
    capped: dict[str, int] = {}
    other = []
    for entry in report.skipped:
        if "(max_posts" in entry:
            capped[entry.split()[0]] = capped.get(entry.split()[0], 0) + 1
        else:
            other.append(entry)
    if capped:
        counts = ", ".join(f"{network} {n}" for network, n in capped.items())
        click.echo(f"Not drafted, over social.max_posts: {counts} items")
    if other:
        click.echo(f"Not drafted: {', '.join(other)}")
    click.echo(f"Next: newsletter social list --issue {issue_id}; newsletter social approve --issue {issue_id}")


@social_group.command("list")
@click.option("--issue", "issue_id", type=int, default=None, help="Only this issue's posts.")
@click.option("--status", type=click.Choice(SOCIAL_STATUSES), default=None, help="Only posts with this status.")
@click.option("--network", type=click.Choice(NAMES), default=None, help="Only posts for this network.")
@json_option
@pass_app
def social_list(app: App, issue_id: int | None, status: str | None, network: str | None, as_json: bool) -> None:
    """List posts with their planned time, status and count."""
    found = stage.list_posts(app.db, issue_id=issue_id, status=[status] if status else None, network=network)
    if as_json:
        print_json([_row(v) for v in found])
        return
    rows = [[v.post.id, v.post.issue_id, v.post.network, v.post.subject, v.post.status,
             local_time(v.post.planned_at), v.measure.describe(),
             " ".join(v.post.text.split())[:50]] for v in found]
    print_table("Social posts", ["id", "issue", "network", "subject", "status", "planned", "count", "text"], rows)


@social_group.command("show")
@click.argument("post_id", type=int)
@json_option
@pass_app
def social_show(app: App, post_id: int, as_json: bool) -> None:
    """Print one post in full, with its count and history."""
    item = stage.get(app.db, post_id)
    if as_json:
        print_json({**_row(item), "history": stage.history(app.db, post_id)})
        return
    _print_post(item)


def _parse_at(value: str) -> datetime:
    try:
        at = datetime.fromisoformat(value.strip().replace(" ", "T", 1))
    except ValueError as e:
        raise SocialError(f"{value!r} is not a time like 2026-12-01 09:30") from e
    return at.replace(tzinfo=CPH) if at.tzinfo is None else at


@social_group.command("edit")
@click.argument("post_id", type=int)
@click.option("--text", default=None, help="The new text (its count is shown and checked); - reads it from stdin.")
@click.option("--at", "at", default=None, help="A new planned time, Danish time: 2026-12-01 09:30.")
@by_option
@json_option
@pass_app
def social_edit(app: App, post_id: int, text: str | None, at: str | None, by: str, as_json: bool) -> None:
    """Change a post's text or planned time. Too long is refused; an approved post needs approving again."""
    if text is None and at is None:
        raise SocialError("give --text or --at")
    item = stage.get(app.db, post_id)
    if text == "-":
        text = sys.stdin.read()
    if text is not None:
        item = stage.edit(app.db, post_id, text, by)
    if at is not None:
        item = stage.reschedule(app.db, post_id, _parse_at(at), by)
    if as_json:
        print_json(_row(item))
        return
    _print_post(item)


@social_group.command("approve")
@click.argument("post_id", type=int, required=False)
@click.option("--issue", "issue_id", type=int, default=None, help="Approve every draft of this issue that fits.")
@by_option
@json_option
@pass_app
def social_approve(app: App, post_id: int | None, issue_id: int | None, by: str, as_json: bool) -> None:
    """Approve one post (POST_ID) or all of an issue's drafts (--issue N); records who and when."""
    if (post_id is None) == (issue_id is None):
        raise SocialError("give a post id or --issue N (not both)")
    refused: list[stage.PostView] = []
    if post_id is not None:
        approved = [stage.approve(app.db, post_id, by)]
    else:
        assert issue_id is not None
        approved, refused = stage.approve_issue(app.db, issue_id, by)
    if as_json:
        print_json({"approved": [_row(v) for v in approved], "refused": [_row(v) for v in refused]})
        return
    click.echo(f"Approved {len(approved)} post{'s' if len(approved) != 1 else ''} as {by}")
    for item in refused:
        click.echo(f"Not approved: post {item.post.id} ({item.post.network}) {item.measure.describe()}")


@social_group.command("export")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="buffer", show_default=True,
              help="buffer or hootsuite (their bulk-upload CSV), or json.")
@click.option("-o", "--output", "output", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="The file to write (written whole or not at all).")
@click.option("--network", type=click.Choice(NAMES), default=None,
              help="Only this network (Buffer and Hootsuite take one channel per file).")
@click.option("--issue", "issue_id", type=int, default=None, help="Only this issue's posts.")
@by_option
@json_option
@pass_app
def social_export(app: App, fmt: str, output: Path, network: str | None, issue_id: int | None, by: str,
                  as_json: bool) -> None:
    """Write approved posts as a Buffer or Hootsuite bulk-upload CSV, or JSON, and mark them exported."""
    report = export.export(app.db, fmt, output, by, network=network, issue_id=issue_id)
    if as_json:
        print_json({"file": report.path, "format": report.format, "posts": report.posts})
        return
    click.echo(f"Wrote {len(report.posts)} posts to {report.path} ({report.format})")


@social_group.command("publish")
@json_option
@pass_app
def social_publish(app: App, as_json: bool) -> None:
    """Publish approved posts that are due, through the publishers in feeds.yaml (social.publishers)."""
    if not app.config.data.social.publishers and not as_json:
        click.echo("No publishers in feeds.yaml (social.publishers): export the approved posts instead, "
                   "e.g. newsletter social export --format buffer --network linkedin -o linkedin.csv")
        return
    report = publish.publish_due(app.db, app.config)
    if as_json:
        print_json(report)
        return
    click.echo(f"Posted {len(report.posted)}, to retry {len(report.retry_later)}, failed {len(report.failed)}, "
               f"unknown {len(report.unknown)}")
    for post_id, error in report.errors.items():
        click.echo(f"Post {post_id}: {error}")
    if report.unknown:
        ids = ", ".join(map(str, report.unknown))
        click.echo(f"Check posts {ids} on the network, then: newsletter social resolve ID --posted (or --retry)")


@social_group.command("resolve")
@click.argument("post_id", type=int)
@click.option("--posted", "posted", flag_value=True, default=None, help="It is on the network: never send it again.")
@click.option("--retry", "posted", flag_value=False, help="It is not there: publish it again when due.")
@click.option("--url", default="", help="The post's address on the network, if you have it.")
@by_option
@pass_app
def social_resolve(app: App, post_id: int, posted: bool | None, url: str, by: str) -> None:
    """Decide a post whose fate is unknown (its publisher stopped mid-request) or that failed."""
    if posted is None:
        raise SocialError("say --posted or --retry")
    item = stage.resolve(app.db, post_id, by, posted=posted, url=url)
    click.echo(f"Post {post_id} is now {item.post.status}")
