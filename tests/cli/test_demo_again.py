"""scripts/demo works on any later day, and the commands it prints work (issue 11)."""

from __future__ import annotations

import shlex
from datetime import timedelta

from click.testing import CliRunner

from newsletter.cli import main
from newsletter.cli.demo import run_demo
from newsletter.db.types import utcnow


def test_demo_next_week_collects_nothing_says_so_and_the_printed_commands_work(cli, tmp_path, monkeypatch):
    folder = tmp_path / "demo"
    first = cli("demo", "--dir", str(folder))
    assert first.exit_code == 0, first.output
    later = run_demo(folder, now=utcnow() + timedelta(days=7))
    assert later.collected == 0  # the sample sources have nothing new a week later
    if later.issue_id is None:
        assert later.queued == later.sent == 0 and "no new items" in later.empty_week
    else:  # the sample DIMA calendar repeats weekly: its next course date makes next week's issue
        assert later.items_included >= 1 and later.sent == later.queued

    again = cli("demo", "--dir", str(folder))
    assert again.exit_code == 0 and "Nothing new since the last run" in again.output
    lines = again.output.splitlines()
    export = next(line for line in lines if line.strip().startswith("export "))
    for assignment in shlex.split(export.strip())[1:]:
        key, _, value = assignment.partition("=")
        monkeypatch.setenv(key, value)
    monkeypatch.chdir(tmp_path.parent)  # from anywhere, with only that environment
    block = lines[lines.index(export) + 1:]
    block = block[:block.index("")] if "" in block else block  # the look-around commands, not `serve`
    commands = [line.split(maxsplit=1)[1] for line in block if line.startswith("  ")]
    assert "issues" in commands and "outbox" in commands
    for command in commands:
        result = CliRunner().invoke(main, shlex.split(command))
        assert result.exit_code == 0, (command, result.output)
    assert "sent" in CliRunner().invoke(main, ["issues"]).output
