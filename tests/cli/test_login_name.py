"""Commands that record who ran them still work where the user has no login name: a
container running under a uid with no passwd entry and no $USER (getpass raises there)."""

from __future__ import annotations

import json
import os
import pwd
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

NAMELESS_UID = 54321


def _in_nameless_child(run: Callable[[], Result]) -> tuple[int, str]:
    """Run ``run`` in a forked child that has become a uid with no name (and no $USER):
    returns its exit code and output. The modules it needs are already loaded by the parent."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns to pytest
        code, output = 99, ""
        try:
            os.close(read)
            for name in ("USER", "LOGNAME", "LNAME", "USERNAME"):
                os.environ.pop(name, None)
            os.setgroups([])
            os.setgid(NAMELESS_UID)
            os.setuid(NAMELESS_UID)
            result = run()
            code, output = result.exit_code, result.output + repr(result.exception or "")
        except BaseException as e:  # noqa: BLE001 - report it to the parent
            output = repr(e)
        finally:
            os.write(write, json.dumps([code, output]).encode())
            os._exit(0)
    os.close(write)
    with os.fdopen(read) as pipe:
        data = pipe.read()
    os.waitpid(pid, 0)
    code, output = json.loads(data)
    return code, output


@pytest.fixture
def nameless(tmp_path: Path) -> None:
    if os.geteuid() != 0:
        pytest.skip("becomes another uid, which needs root (as in CI)")
    try:
        pwd.getpwuid(NAMELESS_UID)
        pytest.skip(f"uid {NAMELESS_UID} has a login name on this machine")
    except KeyError:
        pass
    for part in (tmp_path, *tmp_path.parents):  # the child must write the database here
        part.chmod(part.stat().st_mode | 0o003 if part == tmp_path else part.stat().st_mode | 0o001)


def test_curate_add_without_a_login_name_records_cli(cli, nameless, make_config, db, db_url) -> None:
    make_config()
    assert cli("curate", "list").exit_code == 0  # as root: loads the modules the child needs
    if db_url.startswith("sqlite:///"):  # the file and its -wal/-shm companions
        for file in Path(db_url.removeprefix("sqlite:///")).parent.glob("test.db*"):
            file.chmod(0o666)
    code, output = _in_nameless_child(lambda: cli("curate", "add", "--title", "Åbent hus hos DIMA",
                                                  "--section", "arrangementer", "--starts", "2035-06-07 10:00",
                                                  "--signup-url", "https://dima.dk/tilmelding"))
    assert code == 0, output
    assert "Added item" in output
    listed = cli("curate", "list", "--json")
    [row] = json.loads(listed.output)
    assert row["title"] == "Åbent hus hos DIMA" and row["created_by"] == "cli"
