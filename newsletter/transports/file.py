"""A folder transport: each message becomes one .eml file, written atomically.

The embedded default (``var/outbox``), so the demo runs with no mail server. Thread-safe:
every message gets its own file name. Pool size and timeouts are accepted and ignored. A file
that cannot be written (full disk, no permission) is a ``ConnectFailedError``: nothing was
stored, the row is retried, and the run stops after a few in a row.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path
from urllib.parse import SplitResult, unquote

from newsletter.errors import ConnectFailedError


class FileTransport:
    def __init__(self, url: SplitResult, pool_size: int | None = None, timeout: float | None = None,
                 data_timeout: float | None = None) -> None:
        self.folder = Path(unquote(url.netloc + url.path))
        self.folder.mkdir(parents=True, exist_ok=True)

    def send(self, message: bytes, sender: str, recipients: list[str]) -> str:
        name = f"{uuid.uuid4().hex}.eml"
        tmp = self.folder / f".{name}.tmp"
        try:
            tmp.write_bytes(message)
            os.replace(tmp, self.folder / name)
        except OSError as e:
            tmp.unlink(missing_ok=True)
            raise ConnectFailedError(str(self.folder), f"cannot write the message: {e.strerror or e}") from e
        return f"250 stored as {name}"

    def close(self) -> None:
        pass
