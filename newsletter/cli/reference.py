"""The CLI reference (docs/cli.md), written from the commands' own ``--help``.

Regenerate with ``python scripts/cli_reference.py``; tests/test_cli_reference.py fails when
the file and the help texts differ.
"""

from __future__ import annotations

import click

WIDTH = 88
HEADER = """\
# Command reference

Every `newsletter` command with its options, as `--help` prints them. This file is generated:
after changing a command, run `python scripts/cli_reference.py` (a test fails while it is stale).
`--config PATH`, `--json` and `-v` may be given anywhere on the line.
"""


def _walk(command: click.Command, ctx: click.Context) -> list[tuple[str, click.Context]]:
    found = [(ctx.command_path, ctx)]
    if isinstance(command, click.Group):
        for name in sorted(command.list_commands(ctx)):
            sub = command.get_command(ctx, name)
            if sub is None or sub.hidden:
                continue
            found += _walk(sub, click.Context(sub, info_name=name, parent=ctx,
                                              terminal_width=WIDTH, max_content_width=WIDTH))
    return found


def cli_reference() -> str:
    from newsletter.cli import main

    root = click.Context(main, info_name="newsletter", terminal_width=WIDTH, max_content_width=WIDTH)
    parts = [HEADER]
    for path, ctx in _walk(main, root):
        parts.append(f"## `{path}`\n\n```text\n{ctx.command.get_help(ctx).rstrip()}\n```\n")
    return "\n".join(parts)
