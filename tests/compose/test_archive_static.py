"""`newsletter archive build` shows what subscribers got, not a re-render with today's templates."""

from __future__ import annotations

from dataclasses import replace

from newsletter import review
from newsletter.render import render_issue
from newsletter.render.archive import build_archive
from newsletter.render.context import archive_path


def test_archive_keeps_the_web_version_as_sent(db, config, weekly, tmp_path):
    render_issue(db, config, weekly)
    review.approve(db, weekly, by="lene")
    review.mark_queued(db, weekly)
    review.mark_sent(db, weekly)
    # The brand changes after the issue went out: the archived page must not change with it.
    renamed = replace(config, data=config.data.model_copy(update={
        "brand": config.brand.model_copy(update={"name": "Et helt nyt navn"})}))
    issue, _ = review.get(db, weekly)
    out = tmp_path / "arkiv"
    build_archive(db, renamed, out)
    page = (out / archive_path(issue)).read_text(encoding="utf-8")
    assert "Danmarks Produktionscentrum" in page
    assert "Et helt nyt navn" not in page
    assert "Et helt nyt navn" in (out / "index.html").read_text(encoding="utf-8")
