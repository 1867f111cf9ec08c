"""Sending: how far an issue's delivery has come (sent, waiting or retrying, failed, bounced,
unknown), the last errors in plain words and when the next retry is; the page updates
itself every few seconds from its JSON twin (issue 9 §5)."""

from __future__ import annotations

from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from newsletter import review
from newsletter.errors import NewsletterError
from newsletter.outbox.run import IssueProgress, issue_progress
from newsletter.web.team import texts
from newsletter.web.team.base import Team, TeamRequest

# What a reader of the page needs from an SMTP reply: the first word that matches wins.
PLAIN_ERRORS = (
    ("could not be built", "Abonnentens navn eller adresse kan ikke stå i en mail; ret eller fjern abonnenten."),
    ("cannot be put in a to: header", "Abonnentens navn eller adresse kan ikke stå i en mail; ret eller fjern abonnenten."),
    ("5.1.1", "Adressen findes ikke hos modtagerens mailserver."),
    ("5.2.2", "Modtagerens postkasse er fuld."),
    ("5.7", "Modtagerens mailserver afviste brevet (spamfilter eller politik)."),
    ("timed out", "Mailserveren svarede ikke i tide."),
    ("final dot", "Forbindelsen blev afbrudt lige efter brevet: ukendt om det kom frem."),
    ("connection", "Forbindelsen til mailserveren blev afbrudt."),
    ("4.", "Midlertidig fejl hos modtageren; der prøves igen."),
)


def plain_error(error: str, lang: str) -> str:
    low = error.lower()
    for needle, text in PLAIN_ERRORS:
        if needle in low:
            return texts.t(lang, text)
    return texts.t(lang, "Mailserveren svarede med en fejl.")


def _json(progress: IssueProgress, lang: str) -> dict[str, object]:
    return {"counts": progress.counts, "total": progress.total, "waiting": progress.waiting,
            "finished": progress.finished,
            "next_due": texts.moment(progress.next_due, lang) if progress.next_due else "",
            "errors": [{"email": e.email, "status": e.status, "attempts": e.attempts,
                        "plain": plain_error(e.error, lang), "error": e.error,
                        "when": texts.moment(e.updated_at, lang)} for e in progress.errors]}


def routes(team: Team) -> list[Route]:
    db = team.db

    async def sending_page(req: TeamRequest) -> Response:
        issue_id = req.int_param("issue_id")
        try:
            issue, _ = await req.run(review.get, db, issue_id)
        except NewsletterError as e:
            return team.failed(req, "/team/", e)
        progress = await req.run(issue_progress, db, issue_id)
        return team.page(req, "team/sending.html", issue=issue, p=progress, plain_error=plain_error)

    async def sending_json(req: TeamRequest) -> Response:
        progress = await req.run(issue_progress, db, req.int_param("issue_id"))
        return JSONResponse(_json(progress, req.lang))

    return [
        team.route("/team/issues/{issue_id:int}/sending", sending_page),
        team.route("/team/issues/{issue_id:int}/sending.json", sending_json),
    ]
