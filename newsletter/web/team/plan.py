"""Approve, schedule, send now, cancel and reschedule (issue 9 §5): the functions the CLI's
``approve``, ``queue [--at]``, ``unqueue`` and ``send`` call, with the user's name as ``by``."""

from __future__ import annotations

import logging
import threading
from datetime import datetime
from zoneinfo import ZoneInfo

from starlette.responses import Response
from starlette.routing import Route

from newsletter import review
from newsletter.errors import ComposeError, NewsletterError
from newsletter.outbox.run import queue_issue, send_due, unqueue
from newsletter.web.team.base import Team, TeamRequest
from newsletter.web.team.texts import moment, t

log = logging.getLogger(__name__)


def routes(team: Team) -> list[Route]:
    config, db = team.config, team.db
    tz = ZoneInfo(config.data.schedule.timezone)

    def back(issue_id: int) -> str:
        return f"/team/issues/{issue_id}/preview#plan"

    def when(req: TeamRequest) -> datetime:
        """The date and time fields, in Danish time (Europe/Copenhagen)."""
        text = f"{req.field('date').strip()} {req.field('time').strip() or '08:00'}"
        try:
            return datetime.fromisoformat(text).replace(tzinfo=tz)
        except ValueError as e:
            raise ComposeError(f"{text!r} is not a date and time like 2026-12-03 08:00") from e

    async def approve(req: TeamRequest) -> Response:
        issue_id = req.int_param("issue_id")
        try:
            await req.run(review.approve, db, issue_id, req.me.name, override=req.field("override") or None,
                          four_eyes=config.data.team.four_eyes)
        except NewsletterError as e:
            return team.failed(req, back(issue_id), e)
        return team.done(req, back(issue_id), t(req.lang, "Udgaven er godkendt. Planlæg afsendelsen, eller send nu."))

    async def schedule(req: TeamRequest) -> Response:
        issue_id = req.int_param("issue_id")
        try:
            at = when(req)
            report = await req.run(queue_issue, db, config, issue_id, at, by=req.me.name)
        except NewsletterError as e:
            return team.failed(req, back(issue_id), e)
        text = (t(req.lang, "Afsendelsen er flyttet til {when}.", when=moment(at, req.lang)) if report.moved else
                t(req.lang, "Planlagt til {when} for {n} modtagere.", when=moment(at, req.lang), n=report.added))
        return team.done(req, back(issue_id), text)

    async def send_now(req: TeamRequest) -> Response:
        issue_id = req.int_param("issue_id")
        try:
            report = await req.run(queue_issue, db, config, issue_id, None, by=req.me.name)
        except NewsletterError as e:
            return team.failed(req, back(issue_id), e)
        # Start a send run now instead of waiting for the scheduler's next one; both claim rows
        # with a lease, so a row is never sent twice (outbox/worker.py).
        threading.Thread(target=_send_in_background, name=f"send-{issue_id}", daemon=True).start()
        return team.done(req, back(issue_id), t(req.lang, "Sendes nu til {n} modtagere.", n=report.added))

    def _send_in_background() -> None:
        try:
            send_due(db, config)
        except Exception:  # noqa: BLE001 - the scheduler's next run picks up what is left
            log.exception("send started from the workspace failed; the scheduler will retry")

    async def cancel(req: TeamRequest) -> Response:
        issue_id = req.int_param("issue_id")
        try:
            report = await req.run(unqueue, db, issue_id, req.me.name)
        except NewsletterError as e:
            return team.failed(req, back(issue_id), e)
        text = t(req.lang, "Afsendelsen er annulleret: {n} mails trukket tilbage. Udgaven er godkendt og kan planlægges igen.",
                 n=report.withdrawn)
        if report.in_flight:
            text += " " + t(req.lang, "{n} mails var ved at blive sendt og går stadig ud.", n=report.in_flight)
        return team.done(req, back(issue_id), text)

    base = "/team/issues/{issue_id:int}"
    return [
        team.route(base + "/approve", approve, permission="approve", methods=["POST"]),
        team.route(base + "/schedule", schedule, permission="approve", methods=["POST"]),
        team.route(base + "/send-now", send_now, permission="approve", methods=["POST"]),
        team.route(base + "/cancel", cancel, permission="approve", methods=["POST"]),
    ]
