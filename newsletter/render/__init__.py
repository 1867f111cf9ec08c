"""render: an issue becomes email HTML + text + web page, once, stored with its preflight.

``render_issue`` reads as the phases: context -> email (Jinja, MJML, premailer) -> text ->
web -> preflight -> store. Per-recipient values stay placeholders (``placeholders.py``) that
the send step fills; ``rendered_for_send`` gives the stored ``Rendered`` of an issue.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from newsletter.config import Config
from newsletter.db import Database
from newsletter.db import issues as q
from newsletter.errors import NotFound
from newsletter.media import MediaIndex, index_for, refresh_cards
from newsletter.models import Issue, IssueItem, Rendered
from newsletter.render.context import build_context
from newsletter.render.email import render_email, render_template, render_text, render_web
from newsletter.render.env import environment_for
from newsletter.render.placeholders import fill_html, fill_text
from newsletter.render.preflight import Finding, legal, run_checks

__all__ = ["RenderResult", "render", "render_issue", "rendered_for_send", "example_values",
           "write_outputs"]


@dataclass(frozen=True)
class RenderResult:
    rendered: Rendered
    preflight: tuple[Finding, ...]
    mjml: str


def render(config: Config, issue: Issue, placed: list[IssueItem], *,
           check_links: bool = False, media: MediaIndex | None = None) -> RenderResult:
    """Pure rendering (no DB): what ``render_issue`` stores. ``media`` says which pictures are
    ours (``newsletter.media.index_for``); without it no item picture is shown (unless hot-linking)."""
    what = f"issue {issue.id} ({issue.newsletter_key} {issue.label})"
    env = environment_for(config)
    context = build_context(config, issue, placed, media)
    html, mjml = render_email(env, context, config.settings.base_url, what)
    text = render_text(env, context, what)
    web = render_web(env, context, what)
    findings = run_checks(html, check_links=check_links)
    if media is not None:  # the demo links its copies as file:// URLs: ours, not a broken link
        findings = [f for f in findings if not media.is_local_copy_finding(f.check, f.message)]
    findings += legal.check(config, html)
    shown = {e["id"] for s in context["sections"] for e in s["entries"]}
    sections = config.sections_of(config.newsletter(issue.newsletter_key))
    for p in placed:
        if p.included and p.item.id not in shown and p.section in sections:
            findings.insert(0, Finding("content", "warning", f"item {p.item.id} is included but has no "
                                       f"http(s) link, so the email leaves it out: {p.title[:60]}"))
    if not context["sections"]:
        findings.insert(0, Finding("content", "error", "the issue has no included items"))
    for p in placed:  # issue 10: a picture we could not make ours is left out, and says why
        why = media.problem(p.item.image_url) if media and p.included and p.item.id in shown else None
        if why:
            findings.append(Finding("image", "warning", f"item {p.item.id}: picture left out: {why}"))
    rendered = Rendered(issue_id=issue.id, newsletter_key=issue.newsletter_key,
                        subject=context["issue"]["subject"], preheader=context["issue"]["preheader"],
                        html=html, text=text, web_html=web)
    return RenderResult(rendered, tuple(findings), mjml)


def render_issue(db: Database, config: Config, issue_id: int, *, check_links: bool = False) -> RenderResult:
    """Render the issue and store the result (the last few renders per issue are kept)."""
    with db.connect() as conn:
        issue = q.get_issue(conn, issue_id)
        if issue is None:
            raise NotFound(f"issue {issue_id} does not exist (see `newsletter issues`)")
        placed = q.issue_items_full(conn, issue_id)
    refresh_cards(db, config, issue_id)  # the social cards follow the team's edits (issue 10)
    result = render(config, issue, placed, check_links=check_links, media=index_for(db, config, issue_id))
    r = result.rendered
    with db.begin() as conn:
        q.insert_render(conn, issue_id, subject=r.subject, preheader=r.preheader, html=r.html,
                        text=r.text, web_html=r.web_html,
                        preflight=[f.to_dict() for f in result.preflight])
        q.prune_renders(conn, issue_id)
    return result


def rendered_for_send(db: Database, config: Config, issue_id: int) -> Rendered:
    """The stored render of an issue, rendered anew if the issue changed since (for the outbox)."""
    with db.connect() as conn:
        issue = q.get_issue(conn, issue_id)
        stored = q.latest_render(conn, issue_id)
    if issue is None:
        raise NotFound(f"issue {issue_id} does not exist")
    if stored is None or stored["created_at"] < issue.updated_at:
        return render_issue(db, config, issue_id).rendered
    return Rendered(issue_id=issue_id, newsletter_key=issue.newsletter_key, subject=stored["subject"],
                    preheader=stored["preheader"], html=stored["html"], text=stored["text"],
                    web_html=stored["web_html"])


def example_values(config: Config) -> dict[str, str]:
    """What ``render`` fills the placeholders with for the preview."""
    base = config.settings.base_url
    return {"unsubscribe_url": f"{base}/afmeld/EKSEMPEL", "preferences_url": f"{base}/indstillinger/EKSEMPEL",
            "name": "Mette Eksempel", "email": "mette@eksempel.dk", "web_url": f"{base}/arkiv/"}


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


_UMASK = _current_umask()


def _write(path: Path, content: str) -> None:
    """Atomic: a reader never sees half a file."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(content)
    os.chmod(tmp, 0o644 & ~_UMASK)  # mkstemp makes 0600; these files are served and shared
    os.replace(tmp, path)


def write_outputs(config: Config, result: RenderResult, out: Path) -> list[Path]:
    """email.html, email.txt (example values filled), web.html, preview.html (375 px + 700 px)."""
    out.mkdir(parents=True, exist_ok=True)
    values = example_values(config)
    r = result.rendered
    email_html = fill_html(r.html, values)
    preview_context: dict[str, Any] = {
        "email_file": "email.html", "email_html": email_html, "subject": r.subject, "preheader": r.preheader,
        "preflight": [f.to_dict() for f in result.preflight if f.level != "info"],
    }
    preview = render_template(environment_for(config), "web/preview.html.j2", preview_context,
                              f"issue {r.issue_id}")
    files = {"email.html": email_html, "email.txt": fill_text(r.text, values),
             "web.html": r.web_html, "preview.html": preview}
    paths = []
    for name, content in files.items():
        _write(out / name, content)
        paths.append(out / name)
    return paths


