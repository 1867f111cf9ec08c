"""``newsletter subscribers ...`` (issue 4): add, list, show, remove, import, export,
gdpr-export, forget; and ``newsletter serve``, the web app."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from newsletter.cli.app import (
    App,
    check_output_file,
    json_option,
    lazy_module,
    local_time,
    login_name,
    main,
    pass_app,
    print_json,
    print_table,
)
from newsletter.errors import ConfigError

if TYPE_CHECKING:
    from newsletter.subscribers import gdpr, importer, manage
else:  # loaded when a command runs, not when `newsletter --help` lists it (issue 11)
    gdpr, importer, manage = (lazy_module(f"newsletter.subscribers.{m}") for m in ("gdpr", "importer", "manage"))


STATUS_CHOICE = click.Choice(["pending", "active", "unsubscribed", "bounced", "complained"])


@main.group("subscribers")
def subscribers_group() -> None:
    """Subscribers: add, list, import, export, GDPR export and erasure."""


def _print_view(view: manage.SubscriberView) -> None:
    statuses = ", ".join(f"{k}: {v}" for k, v in sorted(view.subscriptions.items())) or "(no subscriptions)"
    click.echo(f"{view.email_display} <{view.email}>  id {view.id}")
    if view.name or view.organisation:
        click.echo(f"  {view.name}{' · ' if view.name and view.organisation else ''}{view.organisation}")
    click.echo(f"  language {view.language}; {statuses}")


@subscribers_group.command("add")
@click.argument("email")
@click.option("--newsletter", "newsletters", multiple=True, help="Newsletter key (repeatable; default: the first).")
@click.option("--consent-source", required=True,
              help='Where the consent came from, e.g. "papirblanket, Industriens Dag 2026".')
@click.option("--name", default="", help="The person's name (a stored name is kept).")
@click.option("--organisation", default="", help="Company or organisation (a stored one is kept).")
@click.option("--language", type=click.Choice(["da", "en"]), default="da", show_default=True,
              help="Language of the newsletters they get.")
@click.option("--section", "sections", multiple=True, help="Only these sections (repeatable; default: all).")
@click.option("--by", "added_by", default=None, help="Team member adding them (default: login name).")
@json_option
@pass_app
def add_cmd(app: App, email: str, newsletters: tuple[str, ...], consent_source: str, name: str,
            organisation: str, language: str, sections: tuple[str, ...], added_by: str | None,
            as_json: bool) -> None:
    """Add a subscriber who gave consent outside the web form (active at once)."""
    view = manage.add(app.db, app.config, email, newsletters, consent_source, added_by or login_name("unknown"),
                      name=name, organisation=organisation, language=language, sections=sections or None)
    for given, kept, what in ((name, view.name, "name"), (organisation, view.organisation, "organisation")):
        if given and given.strip() != kept and not as_json:
            click.echo(f"Note: kept the stored {what} {kept!r} (not {given!r}).", err=True)
    if as_json:
        print_json(view)
    else:
        _print_view(view)


@subscribers_group.command("list")
@click.option("--newsletter", default=None, help="Only subscribers of this newsletter.")
@click.option("--status", type=STATUS_CHOICE, default=None, help="Only subscriptions with this status.")
@click.option("--limit", type=int, default=None, help="Show at most this many.")
@json_option
@pass_app
def list_cmd(app: App, newsletter: str | None, status: str | None, limit: int | None, as_json: bool) -> None:
    """List subscribers with their status per newsletter."""
    views = manage.list_subscribers(app.read_db, newsletter, status, limit)
    if as_json:
        print_json(views)
        return
    print_table(None, ["id", "email", "name", "organisation", "lang", "subscriptions"],
                [[v.id, v.email_display, v.name, v.organisation, v.language,
                  ", ".join(f"{k}: {s}" for k, s in sorted(v.subscriptions.items()))] for v in views])


@subscribers_group.command("show")
@click.argument("email")
@json_option
@pass_app
def show_cmd(app: App, email: str, as_json: bool) -> None:
    """Show one subscriber with subscriptions, sections and consent records."""
    view, subscriptions, consents = manage.details(app.read_db, email)
    if as_json:
        print_json({"subscriber": view, "subscriptions": subscriptions, "consent_records": consents})
        return
    _print_view(view)
    for s in subscriptions:
        sections = "all sections" if s.all_sections else ", ".join(s.sections)
        click.echo(f"  {s.newsletter_key}: {s.status} ({sections})")
    for c in consents:
        where = f"{c.source}: {c.detail}" + (f", IP {c.ip}" if c.ip else "")
        if c.consent_text and c.source == "team":  # where the team got the consent (--consent-source)
            where += f"; consent: {c.consent_text}"
        version = f" [text {c.consent_version}]" if c.consent_version else ""
        click.echo(f"  {local_time(c.at)}  {c.newsletter_key} {c.action} ({where}){version}")


@subscribers_group.command("remove")
@click.argument("email")
@click.option("--newsletter", "newsletters", multiple=True, help="Only from this newsletter (default: all).")
@click.option("--by", "removed_by", default=None, help="Team member (default: login name).")
@json_option
@pass_app
def remove_cmd(app: App, email: str, newsletters: tuple[str, ...], removed_by: str | None, as_json: bool) -> None:
    """Unsubscribe someone, keeping the record of the withdrawal (use `forget` to erase)."""
    view = manage.remove(app.db, app.config, email, removed_by or login_name("unknown"), newsletters)
    if as_json:
        print_json(view)
    else:
        _print_view(view)


@subscribers_group.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--newsletter", default=None,
              help="Newsletter key the rows subscribe to (default: each row's newsletter column).")
@click.option("--consent-source", required=True, help='Where the consent came from, e.g. "tilmeldingsliste, Industriens Dag 2026".')
@click.option("--by", "imported_by", default=None, help="Team member (default: login name).")
@click.option("--dry-run", is_flag=True, help="Check everything and report, but store nothing.")
@json_option
@pass_app
def import_cmd(app: App, file: Path, newsletter: str | None, consent_source: str, imported_by: str | None,
               dry_run: bool, as_json: bool) -> None:
    """Import subscribers from CSV (comma/semicolon/tab, utf-8, utf-16 or windows-1252; Danish,
    English or Mailchimp headers, our own export, or bare addresses without a header).

    Bad rows are reported with their line number and skipped; the rest go in, in one transaction.
    Unsubscribed, bounced and erased people in the file stay so.
    """
    report = importer.import_csv(app.db, app.config, file, newsletter, consent_source,
                                 imported_by or login_name("unknown"), dry_run=dry_run)
    if as_json:
        print_json({**report.__dict__, "imported": report.imported})
        return
    for problem in report.problems:
        click.echo(f"{report.file}: line {problem.row}: {problem.email}: {problem.reason}", err=True)
    verb = "would import" if dry_run else "imported"
    kept = [f"{n} {what}" for n, what in ((report.inactive, "kept unsubscribed/bounced"),
                                          (report.suppressed, "erased kept suppressed")) if n]
    click.echo(f"{verb} {report.imported} of {report.rows} rows into {report.newsletter or newsletter} "
               f"({report.added} new, {report.subscribed} existing{''.join('; ' + k for k in kept)}); "
               f"{len(report.problems)} skipped [{report.encoding}, separator {report.delimiter!r}"
               f"{'' if report.header else ', no header line: every line an address'}]")
    if report.ignored_columns:
        click.echo(f"ignored columns: {', '.join(report.ignored_columns)}")


@subscribers_group.command("export")
@click.option("--newsletter", default=None, help="Only this newsletter.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write to this file (atomically) instead of standard output.")
@pass_app
def export_cmd(app: App, newsletter: str | None, output: Path | None) -> None:
    """Export subscriptions as CSV (one row per subscriber and newsletter)."""
    if output is None:
        manage.export_csv(app.read_db, out=sys.stdout, newsletter_key=newsletter)  # type: ignore[arg-type]
        return
    check_output_file(output, "-o")
    count = manage.export_csv(app.read_db, path=output, newsletter_key=newsletter)
    click.echo(f"wrote {count} rows to {output}", err=True)


@subscribers_group.command("gdpr-export")
@click.argument("email")
@pass_app
def gdpr_export_cmd(app: App, email: str) -> None:
    """Everything stored about one person, as JSON (GDPR art. 15)."""
    print_json(gdpr.gdpr_export(app.read_db, email))


@subscribers_group.command("forget")
@click.argument("email")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@pass_app
def forget_cmd(app: App, email: str, yes: bool) -> None:
    """Erase a person (GDPR art. 17), leaving only a hash of the address on the suppression list."""
    if not yes:
        if not sys.stdin.isatty():  # a script or a pipe cannot answer: never erase unasked
            raise click.UsageError("erasing cannot be undone: confirm on a terminal, or give --yes")
        click.confirm(f"Erase everything about {email}? This cannot be undone", abort=True)
    existed = gdpr.forget(app.db, email, by=login_name("unknown"))
    click.echo(f"erased {email}" if existed else f"{email} was not stored; the address is now suppressed")


# --- the web app -------------------------------------------------------------------------------

MIN_KEY_LENGTH = 32


def check_secret_key(secret_key: str, base_url: str, from_environment: bool) -> list[str]:
    """Refuse a weak key on a public (https) deployment; return warnings for the rest."""
    public = base_url.startswith("https://")
    if public and len(secret_key) < MIN_KEY_LENGTH:
        raise ConfigError("SECRET_KEY", "", f"is shorter than {MIN_KEY_LENGTH} characters while BASE_URL is "
                          "https; set a long random key, e.g. `python -c 'import secrets; print(secrets.token_urlsafe(48))'`")
    warnings = []
    if public and not from_environment:
        warnings.append("SECRET_KEY is not set; using the generated key in var/secret_key. Set SECRET_KEY "
                        "in the environment so links keep working if var/ is lost or you run several servers.")
    return warnings


@main.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on (behind a proxy: 127.0.0.1).")
@click.option("--port", default=8000, show_default=True, type=int, help="Port to listen on.")
@click.option("--proxy-headers", is_flag=True,
              help="Trust X-Forwarded-For from the proxy (FORWARDED_ALLOW_IPS) for the per-IP limit.")
@pass_app
def serve_cmd(app: App, host: str, port: int, proxy_headers: bool) -> None:
    """Start the web app: the public subscriber pages, and the team's workspace at /team/."""
    import uvicorn

    from newsletter.web import create_app

    settings = app.config.settings
    for warning in check_secret_key(settings.secret_key, settings.base_url, bool(os.environ.get("SECRET_KEY"))):
        click.echo(f"Warning: {warning}", err=True)
    app.db  # noqa: B018 - migrate before the first request
    click.echo(f"Serving on http://{host}:{port} (BASE_URL {settings.base_url}); the team's workspace is "
               f"at http://{host}:{port}/team/", err=True)
    uvicorn.run(create_app(app.config), host=host, port=port, proxy_headers=proxy_headers,
                server_header=False, log_level="info" if app.verbose else "warning")
