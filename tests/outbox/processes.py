"""``newsletter send --wait`` in a real subprocess, for the crash tests and bench/outbox_faults.py."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import IO

from tests.conftest import MINIMAL_CONFIG

# short leases and timeouts, so that a killed run's rows come free within the test
SEND_CONFIG = MINIMAL_CONFIG + """\
send:
  workers: 3
  batch_size: 10
  rate_per_second: {rate}
  lease_seconds: 2
  smtp_data_timeout: 1
  backoff_seconds: 0.01
  backoff_max_seconds: 0.05
"""


def start_send(folder: Path, db_url: str, smtp_url: str, rate: float = 0,
               output: int | IO[bytes] = subprocess.PIPE) -> subprocess.Popen[bytes]:
    """Write feeds.yaml into ``folder`` and start ``newsletter send --wait --json`` there;
    ``output`` takes its stdout and stderr (a pipe by default, DEVNULL where nobody reads)."""
    config = folder / "feeds.yaml"
    config.write_text(SEND_CONFIG.format(rate=rate), encoding="utf-8")
    env = {**os.environ, "DATABASE_URL": db_url, "SMTP_URL": smtp_url, "NEWSLETTER_CONFIG": str(config),
           "SECRET_KEY": "test", "BASE_URL": "https://nyhedsbrev.example.dk"}
    return subprocess.Popen([sys.executable, "-c", "from newsletter.cli import run; run()", "send", "--wait", "--json"],
                            env=env, cwd=folder, stdout=output, stderr=output)
