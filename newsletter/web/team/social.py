"""Social posts of an issue (issue 10 §2), a panel on the issue page (``team/_social.html``):
edit a post's text (the server's count is the one that decides), approve one or all, make the
posts. The same stage functions as ``newsletter social ...`` (``newsletter.social.stage``)."""

from __future__ import annotations

from starlette.responses import Response
from starlette.routing import Route

from newsletter.db import Database
from newsletter.errors import NewsletterError, NotFound
from newsletter.social import stage
from newsletter.social.networks import network
from newsletter.web.team.base import Team, TeamRequest
from newsletter.web.team.texts import t


def issue_posts(db: Database, issue_id: int) -> list[stage.PostView]:
    """The posts the issue page's panel shows (called by the issue page)."""
    return stage.list_posts(db, issue_id=issue_id)


def routes(team: Team) -> list[Route]:
    config, db = team.config, team.db
    base = "/team/issues/{issue_id:int}/social"

    def here(issue_id: int, post_id: int | None = None) -> str:
        return f"/team/issues/{issue_id}" + (f"#post-{post_id}" if post_id else "#social-h")

    def own_post(issue_id: int, post_id: int) -> stage.PostView:
        found = stage.get(db, post_id)
        if found.post.issue_id != issue_id:
            raise NotFound(f"no social post {post_id} in issue {issue_id}")
        return found

    async def make(req: TeamRequest) -> Response:
        issue_id = req.int_param("issue_id")
        try:
            report = await req.run(stage.draft, db, config, issue_id, by=req.me.name)
        except NewsletterError as e:
            return team.failed(req, here(issue_id), e)
        return team.done(req, here(issue_id), t(req.lang, "Opslagene er lavet: {n} i alt.", n=len(report.posts)))

    async def edit(req: TeamRequest) -> Response:
        issue_id, post_id = req.int_param("issue_id"), req.int_param("post_id")
        try:
            await req.run(own_post, issue_id, post_id)
            saved = await req.run(stage.edit, db, post_id, req.field("text"), req.me.name)
        except NewsletterError as e:
            return team.failed(req, here(issue_id, post_id), e)
        m = saved.measure
        return team.done(req, here(issue_id, post_id),
                         t(req.lang, "Gemt: {count} af {limit} tegn på {network}.", count=m.count, limit=m.limit,
                           network=network(m.network).label))

    async def approve(req: TeamRequest) -> Response:
        issue_id, post_id = req.int_param("issue_id"), req.int_param("post_id")
        try:
            await req.run(own_post, issue_id, post_id)
            done = await req.run(stage.approve, db, post_id, req.me.name)
        except NewsletterError as e:
            return team.failed(req, here(issue_id, post_id), e)
        return team.done(req, here(issue_id, post_id),
                         t(req.lang, "Opslaget til {network} er godkendt.", network=network(done.post.network).label))

    async def approve_all(req: TeamRequest) -> Response:
        issue_id = req.int_param("issue_id")
        try:
            approved, refused = await req.run(stage.approve_issue, db, issue_id, req.me.name)
        except NewsletterError as e:
            return team.failed(req, here(issue_id), e)
        if refused:
            return team.done(req, here(issue_id), t(req.lang, "{n} godkendt; {refused} er for lange og skal rettes først.",
                                                     n=len(approved), refused=len(refused)), kind="error")
        return team.done(req, here(issue_id), t(req.lang, "{n} opslag er godkendt.", n=len(approved)))

    return [
        team.route(base + "/draft", make, permission="edit", methods=["POST"]),
        team.route(base + "/{post_id:int}/edit", edit, permission="edit", methods=["POST"]),
        team.route(base + "/{post_id:int}/approve", approve, permission="approve", methods=["POST"]),
        team.route(base + "/approve", approve_all, permission="approve", methods=["POST"]),
    ]
