"""The README's main command: `newsletter demo` runs the whole path on the bundled samples."""

from __future__ import annotations

import email
import email.policy
import json
import re
from pathlib import Path

import lxml.html


def test_demo_runs_the_whole_path_offline(cli, tmp_path: Path):
    folder = tmp_path / "demo"
    result = cli("demo", "--dir", str(folder), "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["failed_sources"] == 0 and report["collected"] >= 30
    assert report["issue_status"] == "sent" and report["items_included"] >= 10
    assert report["outbox_counts"] == {"sent": 4}

    preview = Path(report["files"][0]).parent
    page = lxml.html.parse(str(preview / "email.html")).getroot()
    titles = [t.text_content() for t in page.iter("h1", "h2", "h3", "a")]
    assert any("Industriens Dag" in t for t in titles)
    # the week's biggest story (three partners) is shown once, naming the other two
    text = " ".join(page.text_content().split())
    assert "testcenter for robotter" in text
    also = re.search(r"Også omtalt af (.+?) og (.+?)Læs mere", text)
    assert also and {also[1], also[2]} == {"Middelfart Erhvervscenter", "Business Kolding"}
    # DIMA's calendar (issue 12): partner events with a date, a Danish time and a calendar link
    assert re.search(r"(mandag|tirsdag|onsdag|torsdag|fredag|lørdag|søndag) \d{1,2}\. \w+ · kl\. \d{1,2}\.\d\d–\d{1,2}\.\d\d · DIMA", text)
    assert "Tilføj til kalender" in text

    # issue 10: the demo shows its own sample pictures, as our cropped copies, never hot-linked;
    # the preview on disk links the copies beside it, what is sent links BASE_URL/media
    pictures = [img.get("src") for img in page.iter("img")]
    assert len(pictures) >= 5 and all(src.startswith("../media/") for src in pictures), pictures
    for src in pictures:
        assert (preview / src).is_file()
    assert (folder / "media" / f"card-{report['issue_id']}-issue.png").is_file()

    # issue 10: the same items as social posts, drafted for the team (never approved by the demo)
    social = Path(report["social_file"]).read_text(encoding="utf-8")
    assert set(report["social_posts"]) == {"LinkedIn", "X", "Facebook", "Bluesky", "Mastodon"}
    assert social.count("\n== ") == sum(report["social_posts"].values())
    assert "· udkast ·" in social and "· godkendt ·" not in social
    assert "utm_source=linkedin&utm_medium=social&utm_campaign=ugebrev-" in social
    assert "Industriens Dag" in social and "uge " in social

    messages = [email.message_from_bytes(p.read_bytes(), policy=email.policy.default)
                for p in sorted((folder / "outbox").glob("*.eml"))]
    assert sorted(str(m["To"]) for m in messages)[0].startswith("Jens Aagaard")
    for message in messages:
        assert "uge" in str(message["Subject"]).lower()
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        html = message.get_body(("html",)).get_content()
        assert "%%" not in html  # every placeholder filled
        assert re.search(r'<img[^>]+src="https?://[^"/]+/media/[0-9a-f]{32}\.jpg"', html)

    # the workspace's demo user can log in with the password the demo printed
    from newsletter import accounts
    from newsletter.cli.demo import demo_config

    config = demo_config(folder)
    from newsletter.db import open_db

    db = open_db(config.settings.database_url)
    user, token = accounts.login(db, config, report["login_user"], report["login_password"], "127.0.0.1")
    assert user.role == "admin" and accounts.session_user(db, config, token).name == "demo"  # type: ignore[union-attr]
    db.dispose()

    # a second run collects, queues and sends nothing new
    again = json.loads(cli("demo", "--dir", str(folder), "--json").output)
    assert (again["collected"], again["queued"], again["sent"]) == (0, 0, 0)
    assert len(list((folder / "outbox").glob("*.eml"))) == 4
