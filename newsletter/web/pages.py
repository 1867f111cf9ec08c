"""Rendering shared by every audience: the one Jinja environment (autoescape on), the
language of a request, and a page response that carries the CSRF cookie."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse

from newsletter.config import Config
from newsletter.web.security import Csrf
from newsletter.web.texts import translate

TEMPLATES = Path(__file__).parent / "templates"


def make_environment() -> Environment:
    return Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(default=True),
                       trim_blocks=True, lstrip_blocks=True)


def local_path(request: Request) -> str:
    """The request's path as a link on our own site (issue 8): ``//evil.example/x`` would be
    another site's address (a scheme-relative URL, and browsers read ``/\\`` the same), so
    leading slashes and backslashes collapse to one slash, and the path is percent-encoded."""
    return "/" + quote(str(request.scope.get("path", "/")).lstrip("/\\"), safe="/-._~!$&'()*+,;=:@")


def request_language(request: Request, fallback: str = "da") -> str:
    lang = request.query_params.get("lang") or ""
    return lang if lang in ("da", "en") else fallback


class Pages:
    def __init__(self, config: Config, csrf: Csrf) -> None:
        self.config = config
        self.csrf = csrf
        self.env = make_environment()

    def render(self, request: Request, template: str, lang: str, status: int = 200,
               no_store: bool = False, **context: Any) -> HTMLResponse:
        def _(key: str, **values: object) -> str:
            return translate(lang, key, **values)

        html = self.env.get_template(template).render(
            _=_, lang=lang, brand=self.config.brand, csrf=self.csrf.token(request),
            path=local_path(request), **context)
        response = HTMLResponse(html, status_code=status)
        if no_store:
            response.headers["Cache-Control"] = "no-store"
        self.csrf.set_cookie(request, response)
        return response
