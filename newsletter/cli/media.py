"""``newsletter media fetch``: make an issue's pictures ours again after an edit (issue 10)."""

from __future__ import annotations

import click

from newsletter.cli.app import App, json_option, main, pass_app, print_json, print_table


@main.group("media")
def media_group() -> None:
    """Our copies of the pictures, and the social cards."""


@media_group.command("fetch")
@click.argument("issue_id", type=int)
@json_option
@pass_app
def media_fetch(app: App, issue_id: int, as_json: bool) -> None:
    """Fetch the issue's pictures that are not ours yet and redraw changed social cards.

    `newsletter draft` does this already; run it after editing an issue, or to try a failed
    picture again before media.retry_minutes have passed (failed ones are tried again)."""
    from dataclasses import replace

    from newsletter.media import card_url, prepare_issue

    config = app.config
    # asked by a person: try the failed ones now
    config = replace(config, data=config.data.model_copy(update={
        "media": config.media.model_copy(update={"retry_minutes": 0})}))
    report = prepare_issue(app.db, config, issue_id)
    if as_json:
        print_json({**report.__dict__, "failed": [{"item_id": i, "url": u, "error": e} for i, u, e in report.failed],
                    "card_url": card_url(config, issue_id)})
        return
    click.echo(f"Issue {issue_id}: {report.fetched} pictures fetched now, {report.known} already ours, "
               f"{len(report.failed)} left out; {report.cards} social cards drawn.")
    if report.failed:
        print_table("Pictures left out", ["item", "why", "url"], [[i, e, u[:80]] for i, u, e in report.failed])
    click.echo(f"Issue card: {card_url(config, issue_id)}")
