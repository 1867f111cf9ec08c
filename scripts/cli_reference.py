"""Write docs/cli.md from the commands' --help: `python scripts/cli_reference.py`."""

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from newsletter.cli.reference import cli_reference  # noqa: E402

if __name__ == "__main__":
    target = REPO / "docs" / "cli.md"
    target.write_text(cli_reference(), encoding="utf-8")
    print(f"wrote {target.relative_to(REPO)}")
