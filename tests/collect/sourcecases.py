"""The captured-style source cases in tests/data/sources/<case>/: input, headers, expected.

Each case has ``source.json`` ({"kind", "url", "input", optional "selectors", "now"}),
the input file, optional ``headers.txt`` and ``expected.json``. Regenerate every expected.json
with ``UPDATE_EXPECTED=1 .venv/bin/pytest tests/collect/test_kinds.py`` and read the diff.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import Any

from newsletter.models import Entry, Parsed

CASES = Path(__file__).resolve().parent.parent / "data" / "sources"


def case_names(kind: str | None = None) -> list[str]:
    names = []
    for path in sorted(CASES.iterdir()):
        spec = path / "source.json"
        if spec.is_file() and (kind is None or json.loads(spec.read_text("utf-8"))["kind"] == kind):
            names.append(path.name)
    return names


def load_case(name: str) -> tuple[dict[str, Any], bytes, dict[str, str]]:
    folder = CASES / name
    spec = json.loads((folder / "source.json").read_text("utf-8"))
    body = (folder / spec["input"]).read_bytes()
    headers: dict[str, str] = {}
    header_file = folder / "headers.txt"
    if header_file.is_file():
        for line in header_file.read_text("utf-8").splitlines():
            if ":" in line:
                key, value = line.split(":", 1)
                headers[key.strip().lower()] = value.strip()
    return spec, body, headers


def entry_json(entry: Entry) -> dict[str, Any]:
    data = asdict(entry)
    data["published"] = entry.published.isoformat() if isinstance(entry.published, datetime) else None
    event = data.pop("event")
    if event is not None:  # events (issue 12): times as ISO strings; news entries stay as they were
        data["event"] = json.loads(json.dumps(event, default=lambda v: v.isoformat()))
    return data


def parsed_json(parsed: Parsed) -> dict[str, Any]:
    return {
        "title": parsed.title,
        "warnings": list(parsed.warnings),
        "entries": [entry_json(e) for e in parsed.entries],
    }
