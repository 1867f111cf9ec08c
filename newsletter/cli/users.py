"""``newsletter users add | list | disable | enable | reset``: the team's accounts (issue 9)."""

from __future__ import annotations

import click

from newsletter import accounts
from newsletter.cli.app import App, json_option, local_time, main, pass_app, print_json, print_table


@main.group("users")
def users_group() -> None:
    """The team's accounts for the browser workspace (newsletter serve, /team/)."""


def _print_link(link: accounts.NewUserLink) -> None:
    click.echo(f"Send this link to {link.user.name} <{link.user.email}>; it sets the password once "
               f"and works until {local_time(link.expires)}:")
    click.echo(link.link)


@users_group.command("add")
@click.argument("name")
@click.argument("email")
@click.option("--role", type=click.Choice(accounts.ROLES), default="editor", show_default=True,
              help="editor: edit drafts, curate, test-send; approver: also approve, schedule, send, "
                   "cancel; admin: also users, sources, subscribers.")
@pass_app
def users_add(app: App, name: str, email: str, role: str) -> None:
    """Create a user and print a one-time link to choose a password."""
    link = accounts.add_user(app.db, app.config, name, email, role)
    click.echo(f"User {link.user.name} ({link.user.role}) created.")
    _print_link(link)


@users_group.command("list")
@json_option
@pass_app
def users_list(app: App, as_json: bool) -> None:
    """List the users with their role and last login."""
    found = accounts.list_users(app.db)
    if as_json:
        print_json(found)
        return
    if not found:
        click.echo("No users yet: newsletter users add NAME EMAIL --role approver")
        return
    print_table("Users", ["name", "email", "role", "status", "last login"],
                [[u.name, u.email, u.role,
                  "disabled" if u.disabled else ("active" if u.has_password else "link not used yet"),
                  local_time(u.last_login_at, "never")] for u in found])


@users_group.command("disable")
@click.argument("name")
@pass_app
def users_disable(app: App, name: str) -> None:
    """Stop a user from logging in; their open sessions end at once."""
    user = accounts.set_disabled(app.db, name, True)
    click.echo(f"User {user.name} is disabled.")


@users_group.command("enable")
@click.argument("name")
@pass_app
def users_enable(app: App, name: str) -> None:
    """Let a disabled user log in again."""
    user = accounts.set_disabled(app.db, name, False)
    click.echo(f"User {user.name} is enabled.")


@users_group.command("reset")
@click.argument("name")
@pass_app
def users_reset(app: App, name: str) -> None:
    """Forget a user's password, end their sessions and print a new one-time link."""
    _print_link(accounts.reset(app.db, app.config, name))
