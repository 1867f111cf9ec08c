"""Preview and checks (issue 9 §4): the real rendered email at phone and desktop width, its
text part and web version, the preflight findings with what to do, and a test send."""

from __future__ import annotations

from typing import Any

from email_validator import EmailNotValidError, validate_email
from starlette.responses import HTMLResponse, PlainTextResponse, Response
from starlette.routing import Route

from newsletter import accounts, review
from newsletter.errors import NewsletterError
from newsletter.outbox.run import test_send
from newsletter.overview import issue_state, planned_default
from newsletter.render import example_values, render_issue
from newsletter.render.placeholders import fill_html, fill_text
from newsletter.render.preflight import Finding
from newsletter.web.team.base import Team, TeamRequest
from newsletter.web.team.issue import history_rows
from newsletter.web.team.texts import t

# What to do about each preflight check, for a person who does not read HTML.
ADVICE = {
    "size": "Gmail skjuler alt efter ca. 102 KB, også afmeldingslinket. Tag et par historier ud, eller forkort resuméerne.",
    "legal": "Adresse, CVR-nummer og afmeldingslink skal stå i hver mail. Bed en administrator rette brand i feeds.yaml.",
    "alt": "Et billede uden alternativ tekst kan ikke læses op for blinde. Ret historiens billede, eller tag det ud.",
    "width": "Billedet kan blive for stort i nogle mailprogrammer. Ret eller fjern billedet.",
    "scheme": "Et link, der ikke er http(s), virker ikke i mailen. Ret historiens link, eller tag den ud.",
    "link": "Linket svarer ikke. Tjek det i browseren; ret eller tag historien ud, hvis siden er væk.",
    "content": "Udgaven mangler indhold. Tag historier med, før den kan sendes.",
    "contrast": "Teksten er svær at læse på baggrunden. Bed en administrator justere farverne i feeds.yaml.",
    "fit": "Mailen er gjort kortere, så Gmail ikke klipper den. Vil I selv vælge, så tag historier ud.",
    "image": "Historien står i mailen uden billede. Ret billedet, hvis det skal med.",
    "preheader": "Ret forhåndsteksten under «Emne, forhåndstekst og intro» på udgavens side.",
}
FRAME_CSP = ("default-src 'none'; img-src https: http: data:; style-src 'unsafe-inline'; "
             "font-src https: data:; frame-ancestors 'self'; base-uri 'none'; form-action 'none'")


def team_addresses(team: Team) -> list[str]:
    people = [u.email for u in accounts.list_users(team.db) if not u.disabled]
    return list(dict.fromkeys([*people, *team.config.data.schedule.reviewers]))


def routes(team: Team) -> list[Route]:
    config, db = team.config, team.db

    async def preview(req: TeamRequest) -> Response:
        issue_id = req.int_param("issue_id")
        issue, placed = await req.run(review.get, db, issue_id)
        stored = await req.run(review.current_render, db, config, issue_id)
        state = await req.run(issue_state, db, config, issue_id)
        stored_findings = [Finding.from_dict(f) for f in stored["preflight"]]
        findings = [f for f in stored_findings if f.level != "info"]
        info = [f for f in stored_findings if f.level == "info"]
        errors = sum(1 for f in findings if f.level == "error")
        return team.page(
            req, "team/preview.html", issue=issue, state=state, findings=findings, info=info, errors=errors,
            advice=ADVICE, rendered_at=stored["created_at"], addresses=await req.run(team_addresses, team),
            history=await req.run(history_rows, db, issue_id), default_at=planned_default(config, issue),
            four_eyes=config.data.team.four_eyes, last_editor=review.last_editor(review.history(db, issue_id)),
            may_approve=accounts.role_allows(req.me.role, "approve"))

    def email_part(kind: str) -> Any:
        async def part(req: TeamRequest) -> Response:
            issue_id = req.int_param("issue_id")
            stored = await req.run(review.current_render, db, config, issue_id)
            values, token = example_values(config), stored.get("placeholder_token") or ""
            if kind == "text":
                response: Response = PlainTextResponse(fill_text(stored["text"], values, token))
            else:
                body = fill_html(stored["html"], values, token) if kind == "html" else stored["web_html"]
                response = HTMLResponse(body)
                response.headers["content-security-policy"] = FRAME_CSP
                response.headers["x-frame-options"] = "SAMEORIGIN"
            response.headers["cache-control"] = "no-store"
            return response

        return part

    async def rerender(req: TeamRequest) -> Response:
        issue_id = req.int_param("issue_id")
        try:
            result = await req.run(render_issue, db, config, issue_id, check_links=req.field("links") == "1")
        except NewsletterError as e:
            return team.failed(req, f"/team/issues/{issue_id}/preview", e)
        errors = sum(1 for f in result.preflight if f.level == "error")
        return team.done(req, f"/team/issues/{issue_id}/preview#checks",
                         t(req.lang, "Tjekket igen: {n} fejl.", n=errors))

    async def send_test(req: TeamRequest) -> Response:
        issue_id = req.int_param("issue_id")
        back = f"/team/issues/{issue_id}/preview#test"
        chosen = [str(v) for v in (req.form.getlist("to") if req.form else [])]
        typed = [a.strip() for a in req.field("other").replace(";", ",").split(",") if a.strip()]
        addresses = []
        for address in [*chosen, *typed]:
            try:
                addresses.append(validate_email(address, check_deliverability=False).normalized)
            except EmailNotValidError:
                return team.done(req, back, t(req.lang, "«{address}» er ikke en e-mailadresse.", address=address[:80]),
                                 kind="error")
        addresses = list(dict.fromkeys(addresses))[:20]
        if not addresses:
            return team.done(req, back, t(req.lang, "Vælg mindst én modtager."), kind="error")
        try:
            await req.run(test_send, db, config, issue_id, addresses)
        except NewsletterError as e:
            return team.failed(req, back, e)
        await req.run(review.note, db, issue_id, req.me.name, "test-send", {"to": addresses})
        return team.done(req, back, t(req.lang, "Testmailen er sendt til {to}.", to=", ".join(addresses)))

    base = "/team/issues/{issue_id:int}"
    return [
        team.route(base + "/preview", preview),
        team.route(base + "/email.html", email_part("html")),
        team.route(base + "/email.txt", email_part("text")),
        team.route(base + "/web.html", email_part("web")),
        team.route(base + "/render", rerender, methods=["POST"]),
        team.route(base + "/test-send", send_test, methods=["POST"]),
    ]
