"""The README's tour pictures: the demo's week as a draft, in the team's workspace and as the
email, photographed with headless Chromium (Debian's) into docs/screenshots/.

    .venv/bin/python scripts/screenshots.py          # needs /usr/bin/chromium and port 8000 free

The demo data goes to a temporary folder; nothing is sent. The workspace is served on
127.0.0.1:8000, the demo's BASE_URL, so the pictures in the email load as they would.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from PIL import Image

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "docs" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
BASE = "http://127.0.0.1:8000"
# (file name, path in the workspace, width, height)
PAGES = [
    ("workspace-week", "/team/", 1280, 820),
    ("workspace-issue", "/team/issues/{issue}", 1280, 1000),
    ("workspace-preview", "/team/issues/{issue}/preview", 1280, 1100),
    ("workspace-issue-phone", "/team/issues/{issue}", 390, 844),
]


def make_draft(folder: Path) -> tuple[int, str, Path]:
    """The demo's sources collected and this week's draft rendered (not approved, not sent);
    returns the issue id, the demo user's password and the rendered email file."""
    from newsletter.cli.demo import (
        add_sample_event,
        demo_config,
        demo_user,
        draft_social,
        link_copies_locally,
    )
    from newsletter.collect import collect
    from newsletter.compose import week_issue
    from newsletter.db import open_db
    from newsletter.db.types import utcnow
    from newsletter.render import render_issue, write_outputs

    config = demo_config(folder)
    db = open_db(config.settings.database_url)
    try:
        collect(db, config)
        add_sample_event(db, config, utcnow())
        issue = week_issue(db, config, config.newsletters[0].key)
        files = write_outputs(config, render_issue(db, config, issue.id), folder / "issue")
        link_copies_locally(config, files)
        draft_social(db, config, issue.id, folder / "issue")
        _, password = demo_user(db, config)
    finally:
        db.dispose()
    return issue.id, password, folder / "issue" / "email.html"


def serve(folder: Path) -> subprocess.Popen[bytes]:
    from newsletter.cli.demo import look_around_environment

    env = {**os.environ, **look_around_environment(folder)}
    server = subprocess.Popen([sys.executable, "-c", "from newsletter.cli import run; run()", "serve"],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(100):
        try:
            urllib.request.urlopen(f"{BASE}/healthz", timeout=1).close()
            return server
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise SystemExit("the workspace did not start on 127.0.0.1:8000 (is the port taken?)")


def save(page: object, name: str) -> None:
    path = OUT / f"{name}.png"
    page.screenshot(path=str(path))  # type: ignore[attr-defined]
    Image.open(path).convert("RGB").quantize(colors=128, dither=Image.Dither.NONE).save(path, optimize=True)
    print(f"{path.relative_to(REPO)}: {path.stat().st_size // 1024} KB")


def main() -> None:
    from playwright.sync_api import sync_playwright

    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "demo"
        issue_id, password, email = make_draft(folder)
        server = serve(folder)
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM)
                for name, path, width, height in PAGES:
                    page = browser.new_context(viewport={"width": width, "height": height},
                                               locale="da-DK").new_page()
                    page.goto(f"{BASE}/team/login")
                    page.fill("input[name=name]", "demo")
                    page.fill("input[type=password]", password)
                    page.click("button[type=submit]")
                    page.goto(BASE + path.format(issue=issue_id))
                    save(page, name)
                    page.context.close()
                page = browser.new_context(viewport={"width": 390, "height": 1500}).new_page()
                page.goto(email.as_uri())
                save(page, "email-phone")
                browser.close()
        finally:
            server.terminate()
            server.wait(10)


if __name__ == "__main__":
    main()
