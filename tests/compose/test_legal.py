"""Preflight names what the law requires and the config or template lacks."""

from __future__ import annotations

from dataclasses import replace

from newsletter.render import render_issue
from newsletter.render.preflight import legal


def _with_brand(config, **changes):
    return replace(config, data=config.data.model_copy(update={"brand": config.brand.model_copy(update=changes)}))


def test_complete_brand_has_no_legal_findings(db, config, weekly):
    result = render_issue(db, config, weekly)
    assert [f for f in result.preflight if f.check == "legal" and f.level == "error"] == []


def test_missing_address_and_cvr_are_errors(db, config, weekly):
    result = render_issue(db, _with_brand(config, postal_address="", cvr=""), weekly)
    errors = [f.message for f in result.preflight if f.check == "legal" and f.level == "error"]
    assert any("postal_address" in m and "§7" in m for m in errors)
    assert any("brand.cvr" in m for m in errors)


def test_missing_unsubscribe_link_is_an_error(config):
    findings = legal.check(config, "<html><body>Ingen afmelding her</body></html>")
    assert any("§10" in f.message and f.level == "error" for f in findings)


def test_example_sender_is_a_warning(config):
    findings = legal.check(_with_brand(config, sender_email="nyhedsbrev@example.dk"), "%%unsubscribe_url%%")
    assert [f.level for f in findings] == ["warning"]
