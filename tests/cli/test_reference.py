"""docs/cli.md is the commands' own --help, and every list of commands shows whole sentences."""

from __future__ import annotations

from click.testing import CliRunner

from newsletter.cli import main
from newsletter.cli.reference import cli_reference
from tests.conftest import REPO


def test_cli_reference_is_current():
    written = (REPO / "docs" / "cli.md").read_text(encoding="utf-8")
    assert written == cli_reference(), (
        "docs/cli.md is stale: a command or its help changed. Regenerate it with "
        "`python scripts/cli_reference.py` and commit docs/cli.md")


def test_command_lists_are_not_cut_short():
    """Click stops a command's summary at the first full stop ("GDPR art.") and at the width."""
    result = CliRunner().invoke(main, ["subscribers", "--help"], terminal_width=80)
    assert "as JSON (GDPR art. 15)." in result.output
    listing = CliRunner().invoke(main, ["--help"], terminal_width=80).output.split("Commands:")[1]
    assert "..." not in listing


def test_issue_status_choices_match_review():
    from newsletter import review
    from newsletter.cli.compose import ISSUE_STATUSES

    assert ISSUE_STATUSES == review.STATUSES


def test_every_option_says_what_it_does():
    import click

    def walk(group, prefix="newsletter"):
        for name, command in group.commands.items():
            yield f"{prefix} {name}", command
            if isinstance(command, click.Group):
                yield from walk(command, f"{prefix} {name}")

    missing = [f"{path} {param.opts[0]}" for path, command in walk(main) for param in command.params
               if isinstance(param, click.Option) and not param.help and param.name != "help"]
    assert not missing, f"options without help text: {missing}"
