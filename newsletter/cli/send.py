"""``newsletter test-send | queue | send | outbox``: the outbox commands (issue 5)."""

from __future__ import annotations

import signal
import threading
from datetime import datetime
from typing import TYPE_CHECKING

import click

from newsletter.cli.app import (
    App,
    console,
    is_terminal,
    json_option,
    lazy_module,
    local_time,
    main,
    pass_app,
    print_json,
    print_table,
    shorten,
)
from newsletter.errors import NewsletterError

if TYPE_CHECKING:
    from newsletter.outbox import run
    from newsletter.outbox.worker import SendReport
else:  # loaded when a command runs (issue 11: fast start-up)
    run = lazy_module("newsletter.outbox.run")


def _parse_at(value: str | None) -> datetime | None:
    """--at in the forms `curate add --starts` takes, Danish time; a time in the past is refused."""
    if not value:
        return None
    from newsletter.db.types import utcnow
    from newsletter.when import parse_future_time

    return parse_future_time(value, "--at", utcnow())


@main.command("test-send")
@click.argument("issue_id", type=int)
@click.option("--to", "to", required=True,
              help='Reviewer addresses, separated by "," or ";" (each is checked before anything is sent).')
@json_option
@pass_app
def test_send_cmd(app: App, issue_id: int, to: str, as_json: bool) -> None:
    """Send the real message of issue ISSUE_ID, subject marked [TEST], to reviewers (any status)."""
    from newsletter.subscribers.addresses import normalise

    typed = [a.strip() for a in to.replace(";", ",").split(",") if a.strip()]
    if not typed:
        raise click.BadParameter("give at least one address", param_hint="--to")
    problems = []
    addresses = []
    for address in typed:
        try:
            addresses.append(normalise(address).email)
        except NewsletterError as e:
            problems.append(str(e).rstrip("."))
    if problems:  # one bad address sends nothing: the reviewers get the same copy or none
        raise click.BadParameter("; ".join(problems) + ". Nothing was sent", param_hint="--to")
    from newsletter.render.preflight.base_url import advice, is_real_mail, problem

    settings = app.config.settings
    if is_real_mail(settings.smtp_url) and problem(settings.base_url):
        click.echo(f"Warning: {advice(settings.base_url)}", err=True)  # reviewers only: not refused
    replies = run.test_send(app.db, app.config, issue_id, addresses)
    if as_json:
        print_json([{"to": a, "reply": r} for a, r in zip(addresses, replies, strict=True)])
        return
    for address, reply in zip(addresses, replies, strict=True):
        click.echo(f"{address}: {reply}")


@main.command("queue")
@click.argument("issue_id", type=int)
@click.option("--at", "at", help='Send from this Danish time, e.g. "2026-11-27 08:00" or "27.11.2026 kl. 8.00" '
              "(default: now). A time in the past is refused.")
@json_option
@pass_app
def queue_cmd(app: App, issue_id: int, at: str | None, as_json: bool) -> None:
    """Queue an approved issue: one outbox row per matching active subscriber (twice is a no-op).

    On a queued issue, --at moves the rows not yet sent to the new time."""
    report = run.queue_issue(app.db, app.config, issue_id, _parse_at(at))
    if as_json:
        print_json(report)
    elif report.moved:
        click.echo(f"Issue {issue_id} was already queued; its messages not yet sent now go out from "
                   f"{local_time(report.send_after)}.")
    elif report.already_queued:
        click.echo(f"Issue {issue_id} was already queued (from {local_time(report.send_after)}); nothing added.")
    else:
        click.echo(f"Queued issue {issue_id} for {report.added} subscribers, "
                   f"from {local_time(report.send_after)}.")


@main.command("unqueue")
@click.argument("issue_id", type=int)
@json_option
@pass_app
def unqueue_cmd(app: App, issue_id: int, as_json: bool) -> None:
    """Cancel a queued or scheduled issue: messages not yet sent are withdrawn, the issue is approved again."""
    report = run.unqueue(app.db, issue_id)
    if as_json:
        print_json(report)
        return
    click.echo(f"Issue {issue_id} cancelled: {report.withdrawn} messages withdrawn, {report.already_sent} "
               f"already sent. It is approved again; queue it with newsletter queue {issue_id} --at ...")
    if report.in_flight:
        click.echo(f"{report.in_flight} messages were being sent at that moment and will still go out.")


@main.command("send")
@click.option("--workers", type=click.IntRange(1, 64), help="SMTP connections used side by side (send.workers).")
@click.option("--rate", type=click.FloatRange(0), help="Messages per second, 0 for no limit (send.rate_per_second).")
@click.option("--wait", is_flag=True, help="Keep going until no row is pending (waits for retries).")
@json_option
@pass_app
def send_cmd(app: App, workers: int | None, rate: float | None, wait: bool, as_json: bool) -> None:
    """Send due outbox rows. SIGTERM or Ctrl-C finishes the messages in flight and stops."""
    stop = threading.Event()
    previous = {sig: signal.signal(sig, lambda *_: stop.set()) for sig in (signal.SIGTERM, signal.SIGINT)}
    options = run.SendOptions(workers=workers, rate_per_second=rate, wait=wait)
    try:
        if is_terminal() and not as_json:
            report = _send_with_progress(app, options, stop)
        else:
            report = run.send_due(app.db, app.config, options, stop=stop)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if as_json:
        print_json(report)
    else:
        _print_report(report)
        if report.due_at_start == 0:
            _print_next_due(app)
    if report.stopped == "error":
        raise SendStopped(report.error)


class SendStopped(NewsletterError):
    def __init__(self, error: str) -> None:
        super().__init__(f"sending stopped: {error}. Rows not sent stay queued; run `newsletter send` again "
                         "when the problem is fixed.")


def _send_with_progress(app: App, options: run.SendOptions, stop: threading.Event) -> SendReport:
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    with Progress(TextColumn("Sender"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.fields[detail]}"),
                  TimeRemainingColumn(), console=console(stderr=True), transient=True) as progress:
        task = progress.add_task("send", total=None, detail="")

        def update(report: SendReport) -> None:
            progress.update(task, total=report.due_at_start or None, completed=report.done,
                            detail=f"{report.retried} retried, {report.failed + report.bounced} failed")

        return run.send_due(app.db, app.config, options, stop=stop, on_progress=update)


def _print_next_due(app: App) -> None:
    upcoming = run.next_due_at(app.db)
    if upcoming is None:
        click.echo("Nothing is queued.")
    else:
        click.echo(f"Nothing was due; the next message is due {local_time(upcoming)}.")


def _print_report(report: SendReport) -> None:
    rate = report.sent / report.seconds if report.seconds else 0.0
    click.echo(f"Sent {report.sent}, retry later {report.retried}, failed {report.failed}, "
               f"bounced {report.bounced} in {report.seconds:.1f} s ({rate:.0f}/s).")
    if report.stopped == "signal" or (report.stopped == "" and report.released):
        click.echo(f"Stopped; {report.released} claimed rows were handed back to the queue.")
    if report.stopped == "hourly limit":
        click.echo("The hourly limit (send.rate_per_hour) is reached; the rest waits for the next run.")
    if report.unknown:
        click.echo(f"Warning: {report.unknown} messages have an unknown fate: the server got the whole message "
                   "but its final reply never came. They are NOT resent automatically; see `newsletter outbox`.",
                   err=True)
    if report.unknown_found:
        click.echo(f"Warning: {report.unknown_found} rows were found between 'sending' and 'sent' after a crash. "
                   "They are NOT resent automatically; see `newsletter outbox` and the README section 'Never twice, never lost'.", err=True)


@main.group("outbox", invoke_without_command=True)
@click.option("--issue", "issue_id", type=int, help="Only this issue.")
@click.option("--errors", "n_errors", type=int, default=10, show_default=True, help="How many recent errors to show.")
@json_option
@click.pass_context
def outbox_cmd(ctx: click.Context, issue_id: int | None, n_errors: int, as_json: bool) -> None:
    """Counts per status per issue, when the rest goes out, and the last errors."""
    if ctx.invoked_subcommand is not None:
        return
    from newsletter.db import outbox as q
    from newsletter.outbox.models import STATUSES

    app: App = ctx.obj
    db = app.read_db
    if issue_id is not None:
        _check_issue(app, issue_id)
    with db.connect() as conn:
        counts, errors = q.counts(conn, issue_id), q.recent_errors(conn, n_errors, issue_id)
        due = q.next_due_by_issue(conn)
    by_issue: dict[int, dict[str, int]] = {}
    for c in counts:
        by_issue.setdefault(c.issue_id, {s: 0 for s in STATUSES})[c.status] = c.count
    if as_json:
        print_json({"issues": [{"issue_id": i, **counts, "next_due_at": due.get(i)} for i, counts in by_issue.items()],
                    "errors": errors})
        return
    if not by_issue:
        click.echo("The outbox is empty." if issue_id is None else f"Issue {issue_id} has not been queued.")
        return
    shown = [s for s in STATUSES if any(counts[s] for counts in by_issue.values())]
    print_table("Outbox", ["issue", *shown, "next due"],
                [[i, *(counts[s] for s in shown), local_time(due.get(i), "-")] for i, counts in by_issue.items()])
    if errors:
        print_table("Last errors", ["row", "issue", "to", "status", "tries", "error"],
                    [[e.row_id, e.issue_id, e.email, e.status, e.attempts, shorten(e.error, 100)] for e in errors])
    unknown = sum(c.get("unknown", 0) for c in by_issue.values())
    if unknown:
        click.echo(f"{unknown} rows have an unknown fate (the sender stopped between 'sending' and 'sent', or the "
                   "server's reply to the end of the message never came). "
                   "Check the mail server's log, then `newsletter outbox resolve ISSUE --mark-sent` or `--resend`.")


def _check_issue(app: App, issue_id: int) -> None:
    """A NotFound error naming the issue, for commands that would otherwise report "0 rows"."""
    from newsletter.db import issues
    from newsletter.errors import NotFound

    with app.read_db.connect() as conn:
        if issues.get_issue(conn, issue_id) is None:
            raise NotFound(f"issue {issue_id} does not exist (see `newsletter issues`)")


@outbox_cmd.command("resolve")
@click.argument("issue_id", type=int)
@click.option("--resend", is_flag=True, help="Send the unknown rows again (same Message-ID).")
@click.option("--mark-sent", is_flag=True, help="Count the unknown rows as sent.")
@pass_app
def outbox_resolve(app: App, issue_id: int, resend: bool, mark_sent: bool) -> None:
    """Decide about rows whose fate is unknown after a crash: --resend or --mark-sent."""
    if resend == mark_sent:
        raise click.UsageError("--resend and --mark-sent cannot be used together; choose one" if resend
                               else "choose --resend or --mark-sent")
    _check_issue(app, issue_id)
    n = run.requeue(app.db, issue_id, "unknown") if resend else run.resolve_unknown(app.db, issue_id)
    click.echo(f"{n} rows of issue {issue_id} {'queued again' if resend else 'marked sent'}.")


@outbox_cmd.command("retry")
@click.argument("issue_id", type=int)
@pass_app
def outbox_retry(app: App, issue_id: int) -> None:
    """Queue the failed rows of an issue again (after fixing what made them fail)."""
    _check_issue(app, issue_id)
    click.echo(f"{run.requeue(app.db, issue_id, 'failed')} failed rows of issue {issue_id} queued again.")
