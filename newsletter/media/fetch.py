"""Getting image bytes: with collect's Fetcher (its size cap, timeouts, deadline, redirect
limit and per-host politeness), or from a configured local folder (``media.local_folders``).

A local folder is the only way a file is read from disk, and only inside that folder: the
URL must start with the configured prefix, and the rest of its path must resolve to a file
below the folder (no ``..``, no symlink out).
"""

from __future__ import annotations

import mimetypes
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from newsletter.collect.fetch import Fetcher, megabytes, read_file
from newsletter.config import Config
from newsletter.errors import FetchError, MediaError, NoConnection


@dataclass(frozen=True)
class ImageBytes:
    url: str
    body: bytes
    content_type: str | None


_UNSAFE = re.compile(r"[\x00-\x20\x7f<>\"'`\\]")


def fetchable(url: str | None) -> bool:
    """An absolute http(s) URL without spaces, quotes or control characters (feed content is
    hostile: anything else is never fetched, and render would not show it either)."""
    if not url or len(url) > 2000 or _UNSAFE.search(url):
        return False
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def local_path(config: Config, url: str) -> Path | None:
    """The file a ``local_folders`` prefix maps ``url`` to; None when no prefix matches."""
    for prefix, folder in config.media.local_folders.items():
        if not url.startswith(prefix):
            continue
        root = (config.path.parent / folder).resolve()
        rest = unquote(urlsplit(url[len(prefix):]).path)
        candidate = (root / rest).resolve()
        if not candidate.is_relative_to(root) or candidate == root:
            raise MediaError(url, f"refused: the path leaves the local folder {folder!r}")
        return candidate
    return None


def _reworded(url: str, e: FetchError, cap: int) -> MediaError:
    """collect's messages speak of feeds; say what they mean for a picture."""
    status = e.http_status
    if isinstance(e, NoConnection):
        host = urlsplit(url).hostname or url
        return MediaError(url, f"the picture's server {host} cannot be reached (no such host, or this "
                               "machine is offline); tried again at the next draft")
    if status == 404 or status == 410:
        return MediaError(url, f"HTTP {status}: the partner moved or removed the picture")
    if status in (401, 403):
        return MediaError(url, f"HTTP {status}: the partner's server refuses to give us the picture")
    if e.problem.startswith(("response larger than", "file ")) and "cap" in e.problem:
        return MediaError(url, f"larger than the {megabytes(cap)} cap (collect.max_bytes)")
    return MediaError(url, e.problem)


async def get_image(fetcher: Fetcher, config: Config, url: str) -> ImageBytes:
    """The bytes and content-type of one image, or ``MediaError`` saying why not."""
    cap = config.collect.max_bytes
    try:
        path = local_path(config, url)
        if path is not None:
            fetched = read_file("image", path.as_uri(), cap)
            content_type = mimetypes.guess_type(path.name)[0]
            return ImageBytes(url, fetched.body, content_type)
        if urlsplit(url).scheme not in ("http", "https"):
            raise MediaError(url, "only http(s) pictures are fetched")
        fetched = await fetcher.fetch("image", url)
    except FetchError as e:
        raise _reworded(url, e, cap) from e
    return ImageBytes(url, fetched.body, fetched.headers.get("content-type"))
