"""A folder transport: each message becomes one .eml file, written atomically.

The embedded default (``var/outbox``), so the demo runs with no mail server. Thread-safe:
every message gets its own file name. Pool size and timeout are accepted and ignored.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path
from urllib.parse import SplitResult, unquote


class FileTransport:
    def __init__(self, url: SplitResult, pool_size: int | None = None, timeout: float | None = None) -> None:
        self.folder = Path(unquote(url.netloc + url.path))
        self.folder.mkdir(parents=True, exist_ok=True)

    def send(self, message: bytes, sender: str, recipients: list[str]) -> str:
        name = f"{uuid.uuid4().hex}.eml"
        tmp = self.folder / f".{name}.tmp"
        tmp.write_bytes(message)
        os.replace(tmp, self.folder / name)
        return f"250 stored as {name}"

    def close(self) -> None:
        pass
