"""The docs (README.md and docs/*.md) document every command and every feeds.yaml key."""

from __future__ import annotations

import re
import typing

import click
import pytest
from click.testing import CliRunner
from pydantic import BaseModel

from newsletter.cli import main
from newsletter.config import FileConfig
from tests.conftest import REPO

README = "\n".join(
    path.read_text(encoding="utf-8")
    for path in [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
)


def _commands(group: click.Group, prefix: str = "newsletter") -> list[str]:
    found = []
    for name, command in group.commands.items():
        path = f"{prefix} {name}"
        found.append(path)
        if isinstance(command, click.Group):
            found.extend(_commands(command, path))
    return found


def _model_of(annotation: typing.Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        model = _model_of(arg)
        if model is not None:
            return model
    return None


def _keys(model: type[BaseModel], prefix: str = "") -> list[str]:
    found = []
    for name, info in model.model_fields.items():
        found.append(f"{prefix}{name}")
        nested = _model_of(info.annotation)
        if nested is not None:
            found.extend(_keys(nested, f"{prefix}{name}."))
    return found


@pytest.mark.parametrize("command", _commands(main))
def test_every_command_is_in_the_readme(command: str):
    words = command.split()[1:]
    pattern = r"newsletter(\s+--?\S+(\s+\S+)?)*\s+" + r"\s+".join(map(re.escape, words)) + r"\b"
    assert re.search(pattern, README), f"README.md does not show `{command}`"


@pytest.mark.parametrize("command", _commands(main))
def test_every_command_has_help(command: str):
    result = CliRunner().invoke(main, [*command.split()[1:], "--help"])
    assert result.exit_code == 0 and "Usage:" in result.output, result.output
    summary = result.output.split("Options:")[0].split("\n", 1)[1].strip()
    assert summary, f"`{command} --help` explains nothing"


@pytest.mark.parametrize("key", _keys(FileConfig))
def test_every_config_key_is_in_the_readme(key: str):
    leaf = key.rsplit(".", 1)[-1]
    documented = f"`{leaf}`" in README or re.search(rf"^\s*{re.escape(leaf)}:", README, re.MULTILINE)
    assert documented, f"README.md does not document the feeds.yaml key {key}"
