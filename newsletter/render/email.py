"""Jinja -> MJML -> mjml2html -> premailer, the text part, and the web page. Placeholders are kept.

Template problems become ``RenderError`` naming the template file and line; MJML's byte
offsets are mapped back to a line of the rendered MJML.
"""

from __future__ import annotations

import logging
import re
import sys
from typing import Any

from jinja2 import Environment, TemplateError, TemplateNotFound, TemplateSyntaxError
from mjml import mjml2html
from premailer import Premailer

from newsletter.errors import RenderError
from newsletter.render.placeholders import PATTERN

EMAIL_TEMPLATE = "email/newsletter.mjml.j2"
TEXT_TEMPLATE = "text/newsletter.txt.j2"
WEB_TEMPLATE = "web/issue.html.j2"

# premailer's base_url also rewrites our %%placeholders%% into https://base/%%x%%; undo that
# (only that: a content link that merely contains a placeholder-like text stays as written).
_PLACEHOLDER_URL = '((?:href|src)=")BASE(' + PATTERN.pattern + ')"'


def render_template(env: Environment, name: str, context: dict[str, Any], what: str) -> str:
    try:
        return env.get_template(name).render(context)
    except TemplateSyntaxError as e:
        raise RenderError(what, f"template {e.filename or e.name}, line {e.lineno}: {e.message}") from e
    except TemplateNotFound as e:
        raise RenderError(what, f"template {e.name} not found in the template folders") from e
    except TemplateError as e:
        raise RenderError(what, f"template {_template_line(name)}: {e}") from e


def _template_line(default: str) -> str:
    """The innermost template frame of the exception being handled: "path, line N"."""
    tb = sys.exc_info()[2]
    where = default
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if filename.endswith((".j2", ".html", ".txt")):
            where = f"{filename}, line {tb.tb_lineno}"
        tb = tb.tb_next
    return where


def compile_mjml(source: str, what: str) -> str:
    try:
        return mjml2html(source, disable_comments=True, fonts={})
    except ValueError as e:
        raise RenderError(what, f"{EMAIL_TEMPLATE} produced invalid MJML: {_locate(str(e), source)}") from e


def _locate(message: str, source: str) -> str:
    match = re.search(r"position (\d+):(\d+)", message)
    if not match:
        return f"{message} (MRML gives no position: look for an unclosed tag or unquoted attribute)"
    offset = int(match.group(1))
    prefix = source.encode("utf-8")[:offset].decode("utf-8", "ignore")
    line_no = prefix.count("\n") + 1
    line = source.splitlines()[line_no - 1] if line_no <= len(source.splitlines()) else ""
    return f"{message} (rendered MJML line {line_no}: {line.strip()[:160]!r})"


def inline_css(html: str, base_url: str) -> str:
    """Inline what CSS MJML left, make URLs absolute, keep the @media rules (responsive)."""
    inliner = Premailer(
        html,
        base_url=base_url + "/",
        strip_important=False,  # keep !important in MJML's @media column rules
        disable_basic_attributes=["width", "height"],  # keep <img width> for Outlook
        allow_network=False,
        disable_validation=True,
        cssutils_logging_level=logging.CRITICAL,
        keep_style_tags=False,
    )
    out = inliner.transform(pretty_print=False)
    out = re.sub(_PLACEHOLDER_URL.replace("BASE", re.escape(base_url + "/")), r'\1\2"', out)
    return "<!doctype html>\n" + re.sub(r"^<!DOCTYPE[^>]*>\s*", "", out, flags=re.I)


def render_email(env: Environment, context: dict[str, Any], base_url: str, what: str) -> tuple[str, str]:
    """The email HTML (placeholders kept) and the MJML it came from."""
    source = render_template(env, EMAIL_TEMPLATE, context, what)
    return inline_css(compile_mjml(source, what), base_url), source


def render_text(env: Environment, context: dict[str, Any], what: str) -> str:
    text = render_template(env, TEXT_TEMPLATE, context, what)
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"


def render_web(env: Environment, context: dict[str, Any], what: str) -> str:
    return render_template(env, WEB_TEMPLATE, context, what)
