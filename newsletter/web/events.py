"""The network's events on the web (issue 12), mounted by ``create_app`` with one line:

    /arrangementer            an HTML list of upcoming events (Danish first, ?lang=en)
    /arrangementer.ics        the same as an iCalendar feed readers can subscribe to
    /arrangementer/<id>-<token>.ics   one event (the emails' "Tilføj til kalender" link)

The list and the feed show only events that went out in a sent issue: what a person approved.
One event's .ics opens with a signed link (``events.ics_path``), so the reviewers' test mails
work before the issue is sent and nobody can walk the item ids. A recurring event's .ics
holds its next date at the moment it is opened.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from newsletter import events
from newsletter.config import Config
from newsletter.db import Database
from newsletter.db import events as q
from newsletter.models import Candidate
from newsletter.render.env import date_parts, date_weekday, plain, safe_url
from newsletter.web.pages import Pages, request_language

ICS_TYPE = "text/calendar; charset=utf-8"
CACHE = "public, max-age=300"

TEXTS: dict[str, dict[str, str]] = {
    "da": {
        "title": "Arrangementer",
        "intro": "Kommende arrangementer i netværket, som de har stået i nyhedsbrevet.",
        "empty": "Der er ingen kommende arrangementer lige nu. Kig forbi igen senere.",
        "signup": "Tilmeld dig",
        "read_more": "Læs mere",
        "add": "Tilføj til kalender",
        "file": "Kalenderfil",
        "subscribe": "Abonnér på kalenderen",
        "subscribe_hint": "Tilføj adressen i din kalender, så kommer nye arrangementer af sig selv.",
        "from": "Fra",
        "calendar_name": "Arrangementer · {brand}",
    },
    "en": {
        "title": "Events",
        "intro": "Upcoming events in the network, as they appeared in the newsletter.",
        "empty": "There are no upcoming events right now. Please check back later.",
        "signup": "Sign up",
        "read_more": "Read more",
        "add": "Add to calendar",
        "file": "Calendar file",
        "subscribe": "Subscribe to the calendar",
        "subscribe_hint": "Add this address to your calendar and new events arrive by themselves.",
        "from": "From",
        "calendar_name": "Events · {brand}",
    },
}


def routes(config: Config, db: Database, pages: Pages) -> list[Route]:
    base = config.settings.base_url
    host = events.host_of(base)
    secret = config.settings.secret_key

    def upcoming(now: datetime) -> list[tuple[Candidate, events.Event]]:
        with db.connect() as conn:
            rows = q.published_events(conn, now)
        found = []
        for item, title in rows:
            event = events.event_of(item, now, host, title=plain(title) if title else None)
            if event is not None:
                found.append((item, event))
        found.sort(key=lambda pair: (pair[1].starts_at, pair[0].id))
        return found

    def card(item: Candidate, event: events.Event, lang: str) -> dict[str, Any]:
        partner = config.partner(item.partner_key) if item.partner_key else None
        own_page = safe_url(item.url) and "#event-" not in item.url
        multi = events.last_day(event) != event.starts_at.astimezone(events.CPH).date()
        return {
            "title": event.title, "badge": date_parts(event.starts_at, lang),
            "date": date_weekday(event.starts_at, lang),
            "last_day": date_weekday(events.last_day(event), lang) if multi else "",
            "time": events.time_range(event, lang), "location": event.location,
            "url": safe_url(item.url) if own_page else "",
            "signup_url": safe_url(event.signup_url) or (safe_url(item.url) if own_page else ""),
            "partner": partner.name if partner else "",
            "ics_url": events.ics_path(secret, item.id),
            "google_url": events.google_calendar_url(event),
            "outlook_url": events.outlook_calendar_url(event),
        }

    async def page(request: Request) -> Response:
        lang = request_language(request)
        found = await run_in_threadpool(upcoming, datetime.now(UTC))
        feed = f"{base}/arrangementer.ics"
        response = pages.render(request, "events.html", lang, t=TEXTS[lang],
                                events=[card(item, event, lang) for item, event in found],
                                feed_url=feed, webcal_url="webcal://" + feed.split("://", 1)[-1])
        response.headers["Cache-Control"] = "no-cache"
        return response

    async def feed(request: Request) -> Response:
        now = datetime.now(UTC)
        found = await run_in_threadpool(upcoming, now)
        name = TEXTS["da"]["calendar_name"].format(brand=config.brand.name)
        body = events.to_ics([e for _, e in found], name=name, now=now, url=f"{base}/arrangementer")
        return Response(body, media_type=ICS_TYPE, headers={"Cache-Control": CACHE})

    def one(item_id: int, now: datetime) -> events.Event | None:
        with db.connect() as conn:
            item = q.event_item(conn, item_id)
        if item is None:
            return None
        # the next date; once all are over, the last one (an old mail's link still opens)
        last = max(o.starts_at for o in events.occurrences_of(
            item.event_starts_at or now, item.event_ends_at, item.event_occurrences))
        return events.event_of(item, now, host) or events.event_of(item, last - timedelta(seconds=1), host)

    async def event_file(request: Request) -> Response:
        name = request.path_params["name"]
        item_id = events.check_ics_name(secret, name) if name.endswith(".ics") else None
        if item_id is None:
            raise HTTPException(404)
        now = datetime.now(UTC)
        event = await run_in_threadpool(one, item_id, now)
        if event is None:
            raise HTTPException(404)
        body = events.to_ics([event], now=now)
        return Response(body, media_type=ICS_TYPE, headers={
            "Cache-Control": CACHE,
            "Content-Disposition": f'attachment; filename="arrangement-{item_id}.ics"'})

    return [
        Route("/arrangementer", page, methods=["GET", "HEAD"]),
        Route("/arrangementer.ics", feed, methods=["GET", "HEAD"]),
        Route("/arrangementer/{name}", event_file, methods=["GET", "HEAD"]),
    ]
