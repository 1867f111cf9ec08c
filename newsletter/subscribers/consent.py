"""Versioned consent texts (markedsføringsloven §10, GDPR art. 7).

The exact text a person was shown is stored with their consent record, so a text is never
edited in place: add a new version, point ``subscribers.consent_version`` in feeds.yaml at it,
and old records keep the words their owners agreed to.
"""

from __future__ import annotations

from newsletter.config import BrandConfig
from newsletter.errors import ConfigError

TEXTS: dict[str, dict[str, str]] = {
    "2026-1": {
        "da": (
            "Ja tak, jeg vil gerne modtage nyhedsbreve på e-mail fra {brand} ({organisation}) "
            "med nyheder, arrangementer og tilbud fra erhvervsfremmen i Trekantområdet. "
            "Vi bruger din e-mailadresse, dit navn og din organisation alene til at sende dig "
            "nyhedsbrevet. Du kan til enhver tid trække dit samtykke tilbage via linket i bunden "
            "af hver e-mail eller ved at skrive til {contact}."
        ),
        "en": (
            "Yes, I would like to receive email newsletters from {brand} ({organisation}) with "
            "news, events and offers from business development in the Triangle Region of Denmark. "
            "We use your email address, name and organisation only to send you the newsletter. "
            "You can withdraw your consent at any time with the link at the bottom of every email "
            "or by writing to {contact}."
        ),
    },
}


def consent_text(version: str, language: str, brand: BrandConfig) -> str:
    """The consent text of ``version`` in ``language`` ('da' or 'en'), with the brand filled in."""
    try:
        texts = TEXTS[version]
    except KeyError as e:
        known = ", ".join(TEXTS)
        raise ConfigError("feeds.yaml", "subscribers.consent_version", f"unknown version {version!r}; known: {known}") from e
    template = texts.get(language) or texts["da"]
    return template.format(brand=brand.name, organisation=brand.organisation, contact=brand.contact_email)
