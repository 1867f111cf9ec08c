"""Public pages for subscribers (issue 4): subscribe (double opt-in), confirm, preferences,
one-click unsubscribe (RFC 8058). Danish by default, English with ``?lang=en`` or the
subscriber's choice. Every POST carries a CSRF token except the RFC 8058 one-click POST, which
mail providers send without a page; its signed URL is the authority. Every other POST must
also come from one of our pages (Origin/Referer, ``security.OriginCheck``)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import partial

from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from newsletter.config import Config
from newsletter.db import Database
from newsletter.db.types import utcnow
from newsletter.errors import BadToken, ExpiredToken, InvalidAddress, InvalidDetail
from newsletter.render.context import section_title
from newsletter.subscribers import signup
from newsletter.subscribers.consent import consent_text
from newsletter.subscribers.links import preferences_url
from newsletter.subscribers.outgoing import Job, Sender
from newsletter.subscribers.tokens import read_token
from newsletter.subscribers.validate import check_address, check_text
from newsletter.web.pages import Pages, request_language
from newsletter.web.security import DEFAULT_BODY_BYTES, Csrf, OriginCheck, RateLimiter

MAX_FIELDS = 100
# Request bodies of these pages are capped before they are read (issue 8; security.BodyLimit):
# the largest form, preferences with every section of every newsletter, is under 2 KB.
FORM_BYTES = 8 * 1024
FORM_PATHS = ("/", "/tilmeld", "/confirm/", "/u/", "/p/")


def body_limit(path: str) -> int:
    """The body cap of a path (security.BodyLimit): small for the public forms."""
    if path in FORM_PATHS[:2] or path.startswith(FORM_PATHS[2:]):
        return FORM_BYTES
    return DEFAULT_BODY_BYTES


def routes(config: Config, db: Database, pages: Pages, csrf: Csrf, limiter: RateLimiter,
           origins: OriginCheck) -> list[Route]:
    settings = config.data.subscribers
    # confirmation and new-link mails go out from a background thread (issue 8 §6)
    sender = Sender(db, config)

    def after_answer(response: Response, job: Job) -> Response:
        """Hand the work to the background sender once the answer is out."""
        sender.expect()
        response.background = BackgroundTask(sender.submit, job, expected=True)
        return response

    def client_ip(request: Request) -> str:
        return request.client.host if request.client else "unknown"

    def form_language(request: Request, form: FormData) -> str:
        value = str(form.get("lang") or "")
        return value if value in ("da", "en") else request_language(request)

    def message(request: Request, lang: str, title: str, body: str, status: int = 200, **extra: object) -> Response:
        return pages.render(request, "message.html", lang, status=status, no_store=True,
                            title_key=title, body_key=body, **extra)

    def forged(request: Request, form: FormData) -> bool:
        """Not a POST from one of our pages: wrong or missing CSRF token, or a foreign origin."""
        return not origins.allowed(request) or not csrf.check(request, str(form.get("csrf") or ""))

    def csrf_failed(request: Request, lang: str) -> Response:
        return message(request, lang, "csrf_title", "csrf_body", status=403)

    async def over_limit(request: Request) -> bool:
        return not await run_in_threadpool(limiter.allow, client_ip(request))

    def newsletter_name(key: str) -> str:
        return next((n.name for n in config.newsletters if n.key == key), key)

    def link_problem(request: Request, lang: str, error: BadToken, resend_action: str) -> Response:
        if isinstance(error, ExpiredToken):
            return pages.render(request, "new_link.html", lang, status=410, no_store=True,
                                title_key="expired_title", body_key="expired_body", action=resend_action)
        if isinstance(error, signup.LinkUsed):
            return pages.render(request, "new_link.html", lang, status=410, no_store=True,
                                title_key="used_title", body_key="used_body", action=resend_action)
        return message(request, lang, "invalid_title", "invalid_body", status=400)

    # --- subscribe ------------------------------------------------------------------------

    def subscribe_page(request: Request, lang: str, status: int = 200, errors: dict[str, str] | None = None,
                       values: Mapping[str, object] | None = None) -> Response:
        return pages.render(request, "subscribe.html", lang, status=status,
                            newsletters=config.newsletters, errors=errors or {}, values=values or {},
                            consent=consent_text(settings.consent_version, lang, config.brand),
                            privacy_url=settings.privacy_url)

    async def subscribe_form(request: Request) -> Response:
        return subscribe_page(request, request_language(request))

    async def subscribe_post(request: Request) -> Response:
        form = await request.form(max_files=0, max_fields=MAX_FIELDS)
        lang = form_language(request, form)
        if forged(request, form):
            return csrf_failed(request, lang)
        email = str(form.get("email") or "")
        if form.get("website"):
            # honeypot filled in: a bot. Answer as if all went well, do nothing.
            return pages.render(request, "check_inbox.html", lang, email=email[:254])
        if await over_limit(request):
            return message(request, lang, "rate_title", "rate_body", status=429)
        keys = tuple(str(k) for k in form.getlist("newsletter"))
        values = {"email": email, "name": str(form.get("name") or ""),
                  "organisation": str(form.get("organisation") or ""), "newsletters": keys}
        errors = _person_errors(email, str(values["name"]), str(values["organisation"]))
        if not keys or any(k not in {n.key for n in config.newsletters} for k in keys):
            errors["newsletters"] = "err_newsletters"
        if form.get("consent") != "yes":
            errors["consent"] = "err_consent"
        if errors:
            return subscribe_page(request, lang, status=400, errors=errors, values=values)
        signup_form = signup.SignupForm(email=email, name=str(values["name"]),
                                        organisation=str(values["organisation"]), newsletters=keys,
                                        language=lang)
        # Recorded and mailed in the background, for a new and a known address alike: the
        # answer takes the same steps and time either way (issue 8 §6). The form passed the
        # same checks subscribe() makes, so it cannot fail on the person's input there.
        job = partial(signup.subscribe_quietly, db, config, signup_form, client_ip(request), utcnow())
        return after_answer(pages.render(request, "check_inbox.html", lang, no_store=True, email=email.strip()),
                            job)

    # --- confirm ----------------------------------------------------------------------------

    async def confirm_page(request: Request) -> Response:
        token = request.path_params["token"]
        lang = request_language(request)
        try:
            sub_lang = await run_in_threadpool(signup.confirm_language, db, config, token)
        except BadToken as e:
            return link_problem(request, lang, e, "/confirm/new")
        lang = request_language(request, sub_lang)
        return pages.render(request, "confirm.html", lang, no_store=True)

    async def confirm_post(request: Request) -> Response:
        token = request.path_params["token"]
        form = await request.form(max_files=0, max_fields=MAX_FIELDS)
        lang = form_language(request, form)
        if forged(request, form):
            return csrf_failed(request, lang)
        try:
            confirmed = await run_in_threadpool(signup.confirm, db, config, token, client_ip(request))
        except BadToken as e:
            return link_problem(request, lang, e, "/confirm/new")
        return pages.render(request, "confirmed.html", lang, no_store=True,
                            preferences=preferences_url(config.settings, confirmed.subscriber_id,
                                                        confirmed.link_key))

    async def new_link(request: Request, send: Callable[..., signup.OutgoingMail | None]) -> Response:
        form = await request.form(max_files=0, max_fields=MAX_FIELDS)
        lang = form_language(request, form)
        if forged(request, form):
            return csrf_failed(request, lang)
        if await over_limit(request):
            return message(request, lang, "rate_title", "rate_body", status=429)
        # looked up and mailed in the background: the same answer, in the same time, either way
        job = partial(send, db, config, str(form.get("email") or ""), utcnow())
        return after_answer(message(request, lang, "resent_title", "resent_body"), job)

    async def confirm_new(request: Request) -> Response:
        return await new_link(request, signup.resend_confirmation)

    async def preferences_new(request: Request) -> Response:
        return await new_link(request, signup.send_preferences_link)

    # --- one-click unsubscribe (RFC 8058) ------------------------------------------------------

    async def unsubscribe_page(request: Request) -> Response:
        token = request.path_params["token"]
        lang = request_language(request)
        try:
            key = read_token(config.settings.secret_key, "unsubscribe", token).extra
            lang = request_language(request, await run_in_threadpool(signup.unsubscribe_language, db, config, token))
        except BadToken:
            return message(request, lang, "invalid_title", "invalid_body", status=400)
        # GET never unsubscribes: link scanners in mail filters follow links
        return pages.render(request, "unsubscribe.html", lang, no_store=True, newsletter=newsletter_name(key))

    async def unsubscribe_post(request: Request) -> Response:
        token = request.path_params["token"]
        form = await request.form(max_files=0, max_fields=MAX_FIELDS)
        lang = form_language(request, form)
        one_click = form.get("List-Unsubscribe") == "One-Click"
        if not one_click and forged(request, form):
            return csrf_failed(request, lang)
        how = "one-click (RFC 8058)" if one_click else "unsubscribe page"
        try:
            key = await run_in_threadpool(signup.unsubscribe, db, config, token, how)
        except BadToken:
            if one_click:
                return PlainTextResponse("invalid link", status_code=400)
            return message(request, lang, "invalid_title", "invalid_body", status=400)
        if one_click:
            return PlainTextResponse("unsubscribed")
        key_from_token = read_token(config.settings.secret_key, "unsubscribe", token).extra
        return pages.render(request, "unsubscribed.html", lang, no_store=True,
                            newsletter=newsletter_name(key or key_from_token))

    # --- preferences ----------------------------------------------------------------------------

    def preferences_page(request: Request, token: str, prefs: signup.Preferences, lang: str,
                         status: int = 200, saved: bool = False, errors: list[str] | None = None,
                         field_errors: dict[str, str] | None = None,
                         values: Mapping[str, str] | None = None) -> Response:
        rows = []
        for newsletter in config.newsletters:
            current = prefs.subscriptions.get(newsletter.key)
            sections = [(s, section_title(config, s, lang)) for s in config.sections_of(newsletter)]
            chosen = set(current.sections) if current and not current.all_sections else {s for s, _ in sections}
            rows.append({"key": newsletter.key, "name": newsletter.name, "sections": sections,
                         "chosen": chosen, "subscribed": bool(current and current.status in ("active", "pending"))})
        return pages.render(request, "preferences.html", lang, status=status, no_store=True, token=token,
                            subscriber=prefs.subscriber, rows=rows, saved=saved, errors=errors or [],
                            field_errors=field_errors or {}, values=values or {},
                            consent=consent_text(settings.consent_version, lang, config.brand))

    async def preferences_get(request: Request) -> Response:
        token = request.path_params["token"]
        lang = request_language(request)
        try:
            prefs = await run_in_threadpool(signup.load_preferences, db, config, token)
        except BadToken as e:
            return link_problem(request, lang, e, "/p/new")
        return preferences_page(request, token, prefs, request_language(request, prefs.subscriber.language))

    async def preferences_post(request: Request) -> Response:
        token = request.path_params["token"]
        form = await request.form(max_files=0, max_fields=MAX_FIELDS)
        lang = form_language(request, form)
        if forged(request, form):
            return csrf_failed(request, lang)
        unsubscribe_all = form.get("action") == "unsubscribe_all"
        chosen: dict[str, tuple[str, ...] | None] = {}
        errors = []
        for newsletter in config.newsletters:
            if form.get(f"nl_{newsletter.key}") != "on":
                continue
            allowed = config.sections_of(newsletter)
            picked = tuple(s for s in (str(v) for v in form.getlist(f"sec_{newsletter.key}")) if s in allowed)
            if len(allowed) > 1 and not picked and not unsubscribe_all:
                errors.append(newsletter.name)
            chosen[newsletter.key] = picked if len(allowed) > 1 else None
        new_lang = str(form.get("language") or lang)
        typed = {"name": str(form.get("name") or ""), "organisation": str(form.get("organisation") or "")}
        field_errors = _person_errors(None, typed["name"], typed["organisation"])
        try:
            if errors or field_errors:
                prefs = await run_in_threadpool(signup.load_preferences, db, config, token)
                return preferences_page(request, token, prefs, lang, status=400, errors=errors,
                                        field_errors=field_errors, values=typed)
            prefs = await run_in_threadpool(signup.save_preferences, db, config, token, signup.PreferencesForm(
                name=typed["name"], organisation=typed["organisation"],
                language=new_lang, newsletters=chosen, unsubscribe_all=unsubscribe_all), client_ip(request))
        except BadToken as e:
            return link_problem(request, lang, e, "/p/new")
        lang = prefs.subscriber.language
        if unsubscribe_all:
            return message(request, lang, "unsubscribed_title", "all_unsubscribed_body")
        return preferences_page(request, token, prefs, lang, saved=True)

    async def old_subscribe_address(request: Request) -> Response:
        # the emails' and the archive's "Tilmeld dig" link (render/context.py) says /tilmeld
        query = f"?{request.url.query}" if request.url.query else ""
        return RedirectResponse(f"/{query}", status_code=308)

    async def brand_css(request: Request) -> Response:
        colors = config.brand.colors
        css = (f":root{{--primary:{colors.primary};--accent:{colors.accent};--text:{colors.text};"
               f"--background:{colors.background}}}\n")
        return Response(css, media_type="text/css", headers={"Cache-Control": "max-age=300"})

    return [
        Route("/", subscribe_form, methods=["GET"]),
        Route("/", subscribe_post, methods=["POST"]),
        Route("/tilmeld", old_subscribe_address, methods=["GET", "HEAD"]),
        Route("/brand.css", brand_css),
        Route("/confirm/new", confirm_new, methods=["POST"]),
        Route("/confirm/{token}", confirm_page, methods=["GET"]),
        Route("/confirm/{token}", confirm_post, methods=["POST"]),
        Route("/u/{token}", unsubscribe_page, methods=["GET"]),
        Route("/u/{token}", unsubscribe_post, methods=["POST"]),
        Route("/p/new", preferences_new, methods=["POST"]),
        Route("/p/{token}", preferences_get, methods=["GET"]),
        Route("/p/{token}", preferences_post, methods=["POST"]),
    ]


def _person_errors(email: str | None, name: str, organisation: str) -> dict[str, str]:
    """Form errors (text keys) for what ``validate.check_person`` refuses, every field at once
    (``email=None``: the form has no address field)."""
    errors: dict[str, str] = {}
    if email is not None:
        try:
            check_address(email)
        except InvalidAddress as e:
            errors["email"] = f"err_{e.code}"
    for field, value in (("name", name), ("organisation", organisation)):
        try:
            check_text(field, value)
        except InvalidDetail as e:
            errors[field] = f"err_{field}_{e.code}"
    return errors
