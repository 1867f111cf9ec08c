"""Every preflight finding has a stable code, a Danish text for the team and an English text
for the CLI (newsletter/render/preflight/texts.py), and the reviewers' mail says it in Danish."""

from __future__ import annotations

import ast
import string
from dataclasses import replace
from pathlib import Path

import pytest

import newsletter
from newsletter import notices
from newsletter.render import last_findings, render_issue
from newsletter.render.fit import Fitting
from newsletter.render.preflight import Finding, base_url
from newsletter.render.preflight.texts import TEXTS, part, text

PACKAGE = Path(newsletter.__file__).parent


def _codes_in_the_package() -> dict[str, str]:
    """code -> the file that uses it: the third argument of every ``Finding(...)`` and the first of
    every ``part(...)``, plus the conditional codes (``x if ... else y``) handed to them."""
    used: dict[str, str] = {}

    def strings(node: ast.AST) -> list[str]:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return [node.value]
        if isinstance(node, ast.IfExp):
            return strings(node.body) + strings(node.orelse)
        return []

    for path in PACKAGE.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        assigned: dict[str, list[str]] = {}
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                assigned.setdefault(node.targets[0].id, []).extend(strings(node.value))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Name):
                continue
            index = {"Finding": 2, "part": 0}.get(node.func.id)
            if index is None or len(node.args) <= index:
                continue
            arg = node.args[index]
            found = strings(arg) or (assigned.get(arg.id, []) if isinstance(arg, ast.Name) else [])
            for code in found:
                used[code] = str(path.relative_to(PACKAGE))
    return used


def _constants_outside_texts() -> set[str]:
    found: set[str] = set()
    for path in PACKAGE.rglob("*.py"):
        if path.name == "texts.py" and path.parent.name == "preflight":
            found.add("more")  # the id-list filler's own
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                found.add(node.value)
    return found


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_every_code_the_checks_use_has_danish_and_english() -> None:
    used = _codes_in_the_package()
    # the checks, the fit note, the content notes and the BASE_URL problems are all found
    assert {"size.ok", "alt.missing", "contrast.low", "legal.no_cvr", "fit.shrunk", "content.left_out",
            "content.event_over", "image.left_out", "base_url.public", "link.broken"} <= used.keys()
    assert not {c: f for c, f in used.items() if c not in TEXTS}, "codes without texts"
    for code, (danish, english) in TEXTS.items():
        assert danish.strip() and english.strip(), code
        assert danish != english, f"{code}: the Danish is the English"
        assert _fields(danish) <= _fields(english), f"{code}: Danish uses a value the English does not have"
    # every text is in use: a code nobody makes is a text nobody maintains
    assert set(TEXTS) - _constants_outside_texts() == set()


def test_danish_numbers_nested_texts_and_lists_of_ids() -> None:
    assert text("size.ok", {"kb": 41.26}) == "Mailen fylder 41,3 KB (Gmail klipper ved ca. 102 KB)."
    assert text("size.ok", {"kb": 41.26}, "en") == "HTML is 41.3 KB (Gmail clips at ~102 KB)."
    note = Fitting(before=120_000, after=90_000, moved=tuple(range(1, 16))).finding()
    assert "(nr. 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 og 3 flere)" in note.text("da")
    assert "(items 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 and 3 more)" in note.message
    assert note.text("da").startswith("Mailen ville fylde 117,2 KB")
    with pytest.raises(KeyError, match="texts.py"):
        Finding("size", "info", "size.gone")
    with pytest.raises(KeyError, match="texts.py"):
        part("no.such.text")


def test_base_url_problems_are_the_same_rule_in_both_languages(config) -> None:  # type: ignore[no-untyped-def]
    assert base_url.problem("http://127.0.0.1:8000").startswith("BASE_URL is not set")
    assert base_url.problem("https://10.0.0.5") == ("BASE_URL https://10.0.0.5 points at a private or reserved "
                                                    "address, not a public one")
    assert base_url.problem("https://nyhedsbrev.trekantomraadet.dk") == ""
    unset = replace(config, settings=replace(config.settings, base_url=base_url.DEFAULT))
    [finding] = base_url.check(unset)
    assert finding.text("da").startswith("BASE_URL er ikke sat (standardværdien http://127.0.0.1:8000 virker")
    assert finding.message == base_url.advice(base_url.DEFAULT)


def test_a_stored_render_keeps_code_and_params_and_reads_back(db, config, weekly) -> None:  # type: ignore[no-untyped-def]
    result = render_issue(db, _without_address(config), weekly)
    assert [f.to_dict() for f in last_findings(db, weekly)] == [f.to_dict() for f in result.preflight]
    stored = next(f for f in last_findings(db, weekly) if f.code == "legal.no_postal_address")
    assert stored.text("da").startswith("brand.postal_address er tom i feeds.yaml")
    # a render stored before findings had codes is shown with the words it was stored with
    old = Finding.from_dict({"check": "size", "level": "info", "message": "HTML is 40.0 KB (Gmail clips at ~102 KB)."})
    assert old.text("da") == old.message == "HTML is 40.0 KB (Gmail clips at ~102 KB)."


def test_the_reviewers_mail_gives_the_findings_in_danish(db, config, weekly) -> None:  # type: ignore[no-untyped-def]
    setup = _without_address(config)
    issue_id = weekly
    result = render_issue(db, setup, issue_id)
    from newsletter import review

    issue, placed = review.get(db, issue_id)
    notice = notices.draft_ready(setup, issue, len(placed), result.preflight, [], None)
    assert "  FEJL: brand.postal_address er tom i feeds.yaml: hvert nyhedsbrev skal vise afsenderens " \
        "postadresse (e-handelsloven §7)." in notice.text
    assert "is empty in feeds.yaml" not in notice.text and "(1 fejl)" in notice.subject


def _without_address(config):  # type: ignore[no-untyped-def]
    brand = config.brand.model_copy(update={"postal_address": ""})
    return replace(config, data=config.data.model_copy(update={"brand": brand}))
