"""Subscribers (admin, issue 9 §6): search, counts per newsletter and status, one person's
record, CSV import with the per-row report, CSV export and GDPR erasure, calling the same
stage functions as ``newsletter subscribers ...``.

A person is addressed by their id in the path (``/team/subscribers/42``), never by their
address: a URL ends up in access logs, browser history and Referer headers. The search is a
POST for the same reason (what is typed is often an address), and works without JavaScript.
"""

from __future__ import annotations

import io
import re
import tempfile
from pathlib import Path

from starlette.datastructures import UploadFile
from starlette.responses import Response
from starlette.routing import Route

from newsletter.errors import NewsletterError
from newsletter.subscribers import gdpr, importer, manage
from newsletter.web.team.base import Team, TeamRequest
from newsletter.web.team.texts import t

MAX_UPLOAD = 8 * 1024 * 1024  # a CSV of 100,000 addresses is about 5 MB
HOME = "/team/subscribers"


def _safe_name(filename: str | None) -> str:
    """The uploaded file's own name (it goes into the consent records), without any path."""
    name = re.sub(r"[^\w.\- æøåÆØÅ]", "_", Path(filename or "").name).strip(" .")
    return name[:80] or "upload.csv"


def routes(team: Team) -> list[Route]:
    config, db = team.config, team.db
    newsletters = [(n.key, n.name) for n in config.newsletters]

    async def overview(req: TeamRequest, report: importer.ImportReport | None = None,
                       status: int = 200, words: str = "") -> Response:
        found = await req.run(manage.search, db, words)
        counts = await req.run(manage.counts, db, config)
        return team.page(req, "team/subscribers.html", status=status, words=words, found=found,
                         counts=counts, newsletters=newsletters, report=report)

    async def overview_page(req: TeamRequest) -> Response:
        return await overview(req)

    async def search(req: TeamRequest) -> Response:
        return await overview(req, words=req.field("q")[:200])

    def record_of(subscriber_id: int) -> manage.SubscriberRecord:
        return manage.record(db, manage.address_of(db, subscriber_id))

    def view_of(subscriber_id: int) -> manage.SubscriberView:
        return manage.show(db, manage.address_of(db, subscriber_id))

    async def show(req: TeamRequest) -> Response:
        try:
            found = await req.run(record_of, req.int_param("subscriber_id"))
        except NewsletterError as e:
            return team.failed(req, HOME, e)
        return team.page(req, "team/subscriber.html", record=found, newsletters=dict(newsletters))

    async def import_file(req: TeamRequest) -> Response:
        upload = req.form.get("file") if req.form is not None else None
        if not isinstance(upload, UploadFile) or not upload.filename:
            return team.done(req, HOME, t(req.lang, "Vælg en CSV-fil at importere."), kind="error")
        data = await upload.read()
        with tempfile.TemporaryDirectory(prefix="team-import-") as folder:
            path = Path(folder) / _safe_name(upload.filename)
            path.write_bytes(data)
            try:
                report = await req.run(importer.import_csv, db, config, path, req.field("newsletter"),
                                       req.field("consent_source"), req.me.name,
                                       dry_run=req.field("dry_run") == "1")
            except NewsletterError as e:
                return team.failed(req, HOME, e)
        # the per-row report is shown on this answer (it may hold addresses: not in a cookie)
        return await overview(req, report=report)

    async def export(req: TeamRequest) -> Response:
        key = req.request.query_params.get("newsletter") or None
        out = io.StringIO()
        await req.run(manage.export_csv, db, out=out, newsletter_key=key)
        name = f"abonnenter-{key}.csv" if key else "abonnenter.csv"
        response = Response("\ufeff" + out.getvalue(), media_type="text/csv; charset=utf-8",
                            headers={"content-disposition": f'attachment; filename="{name}"'})
        team.secure(response)
        return response

    async def erase_page(req: TeamRequest) -> Response:
        try:
            view = await req.run(view_of, req.int_param("subscriber_id"))
        except NewsletterError as e:
            return team.failed(req, HOME, e)
        return team.page(req, "team/erase.html", view=view, mismatch=False)

    async def erase(req: TeamRequest) -> Response:
        try:
            view = await req.run(view_of, req.int_param("subscriber_id"))
        except NewsletterError as e:
            return team.failed(req, HOME, e)
        if req.field("confirm").strip().lower() != view.email.lower():
            return team.page(req, "team/erase.html", status=400, view=view, mismatch=True)
        await req.run(gdpr.forget, db, view.email, by=req.me.name)
        return team.done(req, HOME, t(req.lang, "{email} er slettet. Kun et fingeraftryk af adressen er "
                                               "gemt, så den ikke kan importeres igen.", email=view.email))

    person = HOME + "/{subscriber_id:int}"
    return [
        team.route(HOME, overview_page, permission="admin"),
        team.route(HOME, search, permission="admin", methods=["POST"], name="subscribers-search"),
        team.route(person, show, permission="admin"),
        team.route(f"{HOME}/import", import_file, permission="admin", methods=["POST"],
                   max_body=MAX_UPLOAD, max_files=1),
        team.route(f"{HOME}/export", export, permission="admin"),
        team.route(person + "/erase", erase_page, permission="admin"),
        team.route(person + "/erase", erase, permission="admin", methods=["POST"], name="subscribers-erase"),
    ]
