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

from newsletter import events
from newsletter.config import Config
from newsletter.db import Database
from newsletter.db import issues as q
from newsletter.errors import IssueStateError, NotFound, RenderError
from newsletter.media import MediaIndex, index_for, refresh_cards
from newsletter.models import Issue, IssueItem, Rendered
from newsletter.render.context import build_context
from newsletter.render.email import render_email, render_template, render_text, render_web
from newsletter.render.env import environment_for
from newsletter.render.fit import fit
from newsletter.render.placeholders import PATTERN, fill_html, fill_text, new_token
from newsletter.render.preflight import Finding, base_url, legal, run_checks
from newsletter.render.preflight.texts import part

__all__ = ["RenderResult", "render", "render_issue", "rendered_for_send", "example_values",
           "last_findings", "write_outputs"]


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
    token = new_token()
    context = build_context(config, issue, placed, token, media)
    mjml_of: dict[str, str] = {}

    def email(ctx: dict[str, Any]) -> str:
        out, source = render_email(env, ctx, config.settings.base_url, what)
        mjml_of[out] = source
        return out

    # the email and its text part fit under Gmail's clip; the web version keeps every item in full
    html, fitted, fitting = fit(context, email)
    mjml = mjml_of[html]
    text = render_text(env, fitted, what)
    web = render_web(env, context, what)
    check_placeholders(issue, placed, token, web, what)
    findings = run_checks(html, check_links=check_links, web_url=context["links"]["web"])
    if fitting.changed:
        findings.insert(0, fitting.finding())
    findings += legal.check(config, html, token)
    findings += base_url.check(config)
    shown = {e["id"] for s in context["sections"] for e in s["entries"]}
    sections = config.sections_of(config.newsletter(issue.newsletter_key))
    send_at = events.send_moment(issue.issue_date, config.newsletter(issue.newsletter_key).send_day)
    for p in placed:
        if p.included and p.item.id not in shown and p.section in sections:
            why = ("content.event_over" if p.item.is_event
                   and events.candidate_occurrence(p.item, send_at) is None else "content.no_link")
            findings.insert(0, Finding("content", "warning", "content.left_out",
                                       {"item": p.item.id, "why": part(why), "title": p.title[:60]}))
    if not context["sections"]:
        findings.insert(0, Finding("content", "error", "content.empty"))
    for p in placed:  # issue 10: a picture we could not make ours is left out, and says why
        problem = media.problem(p.item.image_url) if media and p.included and p.item.id in shown else None
        if problem:
            findings.append(Finding("image", "warning", "image.left_out", {"item": p.item.id, "problem": problem}))
    rendered = Rendered(issue_id=issue.id, newsletter_key=issue.newsletter_key,
                        subject=context["issue"]["subject"], preheader=context["issue"]["preheader"],
                        html=html, text=text, web_html=web, placeholder_token=token)
    return RenderResult(rendered, tuple(findings), mjml)


def check_placeholders(issue: Issue, placed: list[IssueItem], token: str, web: str, what: str) -> None:
    """Issue 8, §1: the only placeholders the send step fills are the template's. Content was
    fixed before ``token`` was drawn, so it cannot hold it; this makes sure (a reused or leaked
    token would fail here, not in a reader's inbox). The web version is public: a placeholder in
    it would show raw, so it may hold none."""
    content: list[str | None] = [issue.subject, issue.preheader, issue.intro]
    for p in placed:
        item = p.item
        content += [p.title, p.summary, item.url, item.image_url, item.image_alt, item.signup_url,
                    item.event_location]
    if any(token in value for value in content if value):
        raise RenderError(what, "an item's text holds this render's placeholder token; render again")
    found = next((m.group(0) for m in PATTERN.finditer(web) if m.group(0).endswith(f".{token}%%")), None)
    if found:
        raise RenderError(what, f"the web version holds the per-recipient placeholder {found}: the web "
                                "template must not use links.unsubscribe, links.preferences or recipient")


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
                        text=r.text, web_html=r.web_html, placeholder_token=r.placeholder_token,
                        preflight=[f.to_dict() for f in result.preflight])
        q.prune_renders(conn, issue_id)
    return result


def rendered_for_send(db: Database, config: Config, issue_id: int) -> Rendered:
    """The stored render of an issue, rendered anew if the issue changed since (for the outbox),
    or if it was made before placeholders carried a token (issue 8: in such a render, content
    that spells ``%%email%%`` would be filled like the template's own placeholders)."""
    with db.connect() as conn:
        issue = q.get_issue(conn, issue_id)
        stored = q.latest_render(conn, issue_id)
    if issue is None:
        raise NotFound(f"issue {issue_id} does not exist")
    # An approved issue goes out as the render its approver saw (approve refuses a stale one,
    # and any edit sends the issue back to draft); a draft is rendered anew when it changed.
    # A render from before placeholder tokens is made anew (same items, new markers): its bare
    # placeholders would let content act as one (issue 8 §1). For an approved issue the new
    # render must be the approved one but for the markers (``_tokenised``).
    if stored is None or (issue.status == "draft" and (stored["created_at"] < issue.updated_at
                                                       or not stored.get("placeholder_token"))):
        return render_issue(db, config, issue_id).rendered
    if not stored.get("placeholder_token"):
        return _tokenised(db, config, issue, stored)
    return Rendered(issue_id=issue_id, newsletter_key=issue.newsletter_key, subject=stored["subject"],
                    preheader=stored["preheader"], html=stored["html"], text=stored["text"],
                    web_html=stored["web_html"], placeholder_token=stored["placeholder_token"])


def _tokenised(db: Database, config: Config, issue: Issue, stored: dict[str, Any]) -> Rendered:
    """An approved render from before placeholder tokens (issue 8 §1) cannot go out as it is: in
    it, content that spells ``%%email%%`` is indistinguishable from the template's placeholder.
    The issue is rendered again; if that is the approved render but for the tokens, it goes out
    (what the approver saw, with only the template's placeholders marked). Otherwise refuse."""
    with db.connect() as conn:
        placed = q.issue_items_full(conn, issue.id)
    again = render(config, issue, placed, media=index_for(db, config, issue.id)).rendered
    marked = f".{again.placeholder_token}%%"

    def same(new: str, old: str) -> bool:
        return " ".join(new.replace(marked, "%%").split()) == " ".join(old.split())

    if (again.subject == stored["subject"] and again.preheader == stored["preheader"]
            and same(again.html, stored["html"]) and same(again.text, stored["text"])):
        return again
    raise IssueStateError(f"issue {issue.id} was approved with a render from before placeholder tokens "
                          "(issue 8), and it renders differently now; send it back to draft "
                          f"(newsletter issue edit {issue.id} ...), render it and approve it again")


def last_findings(db: Database, issue_id: int) -> list[Finding]:
    """The preflight findings of the issue's last render (none if it was never rendered)."""
    with db.connect() as conn:
        stored = q.latest_render(conn, issue_id)
    return [Finding.from_dict(f) for f in stored["preflight"]] if stored else []


def example_values(config: Config) -> dict[str, str]:
    """What ``render`` fills the placeholders with for the preview and test-send: real pages
    of the web app that say this was a test copy and act on nobody (issue 8)."""
    from newsletter.render.archive import SAMPLE_PATHS

    base = config.settings.base_url
    return {"unsubscribe_url": base + SAMPLE_PATHS["unsubscribe"],
            "preferences_url": base + SAMPLE_PATHS["preferences"],
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
    email_html = fill_html(r.html, values, r.placeholder_token)
    preview_context: dict[str, Any] = {
        "email_file": "email.html", "email_html": email_html, "subject": r.subject, "preheader": r.preheader,
        "preflight": [{**f.to_dict(), "text": f.text("da")} for f in result.preflight if f.level != "info"],
    }
    preview = render_template(environment_for(config), "web/preview.html.j2", preview_context,
                              f"issue {r.issue_id}")
    files = {"email.html": email_html, "email.txt": fill_text(r.text, values, r.placeholder_token),
             "web.html": r.web_html, "preview.html": preview}
    paths = []
    for name, content in files.items():
        _write(out / name, content)
        paths.append(out / name)
    return paths


