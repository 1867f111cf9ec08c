"""Where our copies live: one folder (``media.folder``, default ``var/media``) and one base URL
(``media.base_url``, default ``BASE_URL/media``; a CDN that mirrors the folder works too).

Pictures are content-addressed (``<sha256 prefix>.jpg``): a name never changes meaning, so
it is served with a year-long, immutable cache. Social cards have stable names
(``card-<issue>-<item|issue>.png``) so a post can link one before it is drawn again; they are
served with a short cache. Every write is atomic (temp file, then ``os.replace``).
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

HASHED_NAME = re.compile(r"[0-9a-f]{32}\.(?:jpg|png)")
CARD_NAME = re.compile(r"card-[0-9]{1,12}-(?:[0-9]{1,12}|issue)\.png")
CONTENT_TYPES = {".jpg": "image/jpeg", ".png": "image/png"}


def is_valid_name(name: str) -> bool:
    """Only names we make: no slashes, no dots but the suffix, so no path can escape the folder."""
    return bool(HASHED_NAME.fullmatch(name) or CARD_NAME.fullmatch(name))


def card_name(issue_id: int, item_id: int | None) -> str:
    return f"card-{issue_id}-{item_id if item_id else 'issue'}.png"


@dataclass(frozen=True)
class MediaStore:
    folder: Path
    base_url: str

    def url(self, name: str) -> str:
        return f"{self.base_url}/{name}"

    def path(self, name: str) -> Path:
        if not is_valid_name(name):
            raise ValueError(f"not a media file name: {name!r}")
        return self.folder / name

    def put(self, data: bytes, suffix: str) -> str:
        """Store ``data`` under its content hash; returns the name (kept if already there)."""
        name = hashlib.sha256(data).hexdigest()[:32] + suffix
        path = self.path(name)
        if not path.exists():
            self._write(path, data)
        return name

    def put_named(self, name: str, data: bytes) -> str:
        self._write(self.path(name), data)
        return name

    def read(self, name: str) -> bytes:
        return self.path(name).read_bytes()

    def _write(self, path: Path, data: bytes) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            os.chmod(tmp, 0o644)  # served by the web app or a CDN sync
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
