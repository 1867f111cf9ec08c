"""Benchmark: how long a `newsletter` command takes to start, against `python -c pass`.

    .venv/bin/python bench/startup.py [--runs 15]

Each command runs as its own process (what a person at a terminal waits for), on a small
database made by the demo in a temporary folder. It prints the median and the fastest run,
and the median minus Python's own start-up (`python -c pass`) measured in the same run, since
this machine is shared and absolute times move with its load. Figures go in docs/development.md.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
NEWSLETTER = [sys.executable, "-c", "from newsletter.cli import run; run()"]
COMMANDS = {
    "python -c pass": [sys.executable, "-c", "pass"],
    "newsletter --help": [*NEWSLETTER, "--help"],
    "newsletter issues": [*NEWSLETTER, "issues"],
    "newsletter outbox": [*NEWSLETTER, "outbox"],
    "newsletter sources": [*NEWSLETTER, "sources"],
}


def timed(command: list[str], env: dict[str, str], cwd: Path) -> float:
    started = time.perf_counter()
    subprocess.run(command, env=env, cwd=cwd, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        env = {**os.environ, "PYTHONPATH": str(REPO), "NEWSLETTER_VAR_DIR": str(folder / "var"),
               "DATABASE_URL": f"sqlite:///{folder / 'demo' / 'newsletter.db'}",
               "NEWSLETTER_CONFIG": str(REPO / "newsletter" / "demo" / "feeds.yaml"), "COLUMNS": "120"}
        subprocess.run([*NEWSLETTER, "demo", "--dir", str(folder / "demo")], env=env, cwd=folder,
                       check=True, stdout=subprocess.DEVNULL)
        results: dict[str, list[float]] = {name: [] for name in COMMANDS}
        for _ in range(args.runs):  # interleaved, so a burst of load hits every command alike
            for name, command in COMMANDS.items():
                results[name].append(timed(command, env, folder))
    base = statistics.median(results["python -c pass"])
    print(f"{'command':22} {'median':>8} {'fastest':>8} {'minus python':>13}   ({args.runs} runs each)")
    for name, times in results.items():
        median = statistics.median(times)
        extra = "" if name == "python -c pass" else f"{median - base:11.3f} s"
        print(f"{name:22} {median:6.3f} s {min(times):6.3f} s {extra:>13}")


if __name__ == "__main__":
    main()
