"""The README's main command: `newsletter demo` runs on the bundled sample sources."""

from __future__ import annotations

import json


def test_demo_runs_offline_and_keeps_to_its_folder(cli, tmp_path):
    folder = tmp_path / "demo"
    result = cli("demo", "--dir", str(folder), "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["collect"]["failed"] == 0
    assert report["collect"]["new_items"] >= 30
    # every sample source kind delivered items
    assert all(count > 0 for count in report["collect"]["items_per_source"].values())
    assert (folder / "newsletter.db").exists()
    # a second run finds nothing new: dedupe across runs
    again = json.loads(cli("demo", "--dir", str(folder), "--json").output)
    assert again["collect"]["new_items"] == 0
