"""``newsletter users add | list | disable | enable | role | reset``: the team's accounts (issue 9)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from newsletter.cli.app import (
    App,
    json_option,
    lazy_module,
    local_time,
    login_name,
    main,
    pass_app,
    print_json,
    print_table,
)
from newsletter.models import ROLES

if TYPE_CHECKING:
    from newsletter import accounts
else:  # loaded when a command runs (issue 11: fast start-up)
    accounts = lazy_module("newsletter.accounts")


@main.group("users")
def users_group() -> None:
    """The team's accounts for the browser workspace (newsletter serve, /team/)."""


def _login() -> str:
    """Who runs the command, for the audit log (the CLI has no workspace session)."""
    name = login_name(fallback="")
    return f"cli:{name}" if name else "cli"


def _print_link(link: accounts.NewUserLink) -> None:
    click.echo(f"Send this link to {link.user.name} <{link.user.email}>; it sets the password once "
               f"and works until {local_time(link.expires)}:")
    click.echo(link.link)


@users_group.command("add")
@click.argument("name")
@click.argument("email")
@click.option("--role", type=click.Choice(ROLES), default="editor", show_default=True,
              help="editor: edit drafts, curate, test-send; approver: also approve, schedule, send, "
                   "cancel; admin: also users, sources, subscribers.")
@pass_app
def users_add(app: App, name: str, email: str, role: str) -> None:
    """Create a user and print a one-time link to choose a password."""
    link = accounts.add_user(app.db, app.config, name, email, role, by=_login())
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


def _set_disabled(app: App, name: str, disabled: bool) -> None:
    user = accounts.set_disabled(app.db, name, disabled, by=_login())
    click.echo(f"User {user.name} is {'disabled' if disabled else 'enabled'}.")


@users_group.command("disable")
@click.argument("name")
@pass_app
def users_disable(app: App, name: str) -> None:
    """Stop a user from logging in; their open sessions end at once."""
    _set_disabled(app, name, True)


@users_group.command("enable")
@click.argument("name")
@pass_app
def users_enable(app: App, name: str) -> None:
    """Let a disabled user log in again."""
    _set_disabled(app, name, False)


@users_group.command("role")
@click.argument("name")
@click.argument("role", metavar="editor|approver|admin")
@pass_app
def users_role(app: App, name: str, role: str) -> None:
    """Give a user (name or e-mail) another role: editor, approver or admin.

    It counts from the user's next click; the last active admin keeps the role."""
    before = accounts.find(app.db, name).role
    user = accounts.set_role(app.db, name, role, by=_login())
    click.echo(f"User {user.name} is {user.role} (was {before})." if before != user.role
               else f"User {user.name} is already {user.role}.")


@users_group.command("reset")
@click.argument("name")
@pass_app
def users_reset(app: App, name: str) -> None:
    """Forget a user's password, end their sessions and print a new one-time link."""
    _print_link(accounts.reset(app.db, app.config, name, by=_login()))
