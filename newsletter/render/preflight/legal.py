"""What the law asks of every marketing email, checked against the config and the HTML.

markedsføringsloven §10: the reader must be able to say no easily and free of charge, so the
unsubscribe link has to be there. e-handelsloven §7: the sender's name, postal address and
CVR number must be shown. A missing piece is an error, not a warning: fix feeds.yaml.
"""

from __future__ import annotations

from newsletter.config import Config
from newsletter.render.placeholders import placeholder
from newsletter.render.preflight import Finding

EXAMPLE_DOMAINS = ("example.dk", "example.com", "example.org")


def check(config: Config, html: str, token: str = "") -> list[Finding]:
    """``token``: the render's placeholder token (the unsubscribe link must be the template's)."""
    brand = config.brand
    findings = []
    if placeholder("unsubscribe_url", token) not in html:
        findings.append(Finding("legal", "error", "legal.no_unsubscribe"))
    if not brand.postal_address.strip():
        findings.append(Finding("legal", "error", "legal.no_postal_address"))
    if not brand.cvr.strip():
        findings.append(Finding("legal", "error", "legal.no_cvr"))
    for key in ("sender_email", "contact_email"):
        address = getattr(brand, key)
        if address.lower().endswith(EXAMPLE_DOMAINS):
            findings.append(Finding("legal", "warning", "legal.example_address", {"key": key, "address": address}))
    return findings
