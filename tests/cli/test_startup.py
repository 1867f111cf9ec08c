"""Start-up stays fast: listing the commands loads none of the heavy libraries (issue 11).

The figures are in bench/startup.py; this checks the cause, not the time.
"""

from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import REPO

HEAVY = ("sqlalchemy", "alembic", "pydantic", "jinja2", "rich", "httpx", "feedparser", "mjml",
         "premailer", "yaml", "lxml", "apscheduler", "starlette", "babel", "nh3", "asyncio")



SPY = """
import json, sys
heavy = set(%r)
blame = {}
class Spy:
    def find_spec(self, name, path=None, target=None):
        top = name.split(".")[0]
        if top in heavy:
            frame = sys._getframe(1)
            while frame is not None:
                module = frame.f_globals.get("__name__", "")
                if module.startswith("newsletter.cli"):
                    blame.setdefault(module, []).append(top)
                    break
                frame = frame.f_back
        return None
sys.meta_path.insert(0, Spy())
import newsletter.cli
print(json.dumps({m: sorted(set(found)) for m, found in blame.items()}))
"""


def test_listing_the_commands_loads_no_heavy_library():
    out = subprocess.run([sys.executable, "-c", SPY % (HEAVY,)], cwd=REPO, capture_output=True, text=True,
                         check=True).stdout
    blame = json.loads(out)
    assert not blame, (
        f"importing these CLI modules loads heavy libraries at start-up: {blame}. Import stage modules "
        "inside the command function or with lazy_module() (see newsletter/cli/__init__.py)")


def test_help_runs_without_loading_the_database_or_config_libraries():
    code = ("import sys\nfrom newsletter.cli import main\n"
            "try:\n    main(['--help'], prog_name='newsletter')\nexcept SystemExit:\n    pass\n"
            f"print('LOADED', sorted(m for m in {HEAVY!r} if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True).stdout
    assert "Usage: newsletter" in out
    assert out.strip().endswith("LOADED []"), out.splitlines()[-1]


def test_schema_check_does_not_import_alembic_when_current(tmp_path):
    url = f"sqlite:///{tmp_path / 'n.db'}"
    from newsletter.db import open_db

    open_db(url).dispose()  # made and migrated here
    code = ("import sys\nfrom newsletter.db import open_db\n"
            f"db = open_db({url!r}, must_exist=True)\nprint('alembic' in sys.modules, db.created)")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]
