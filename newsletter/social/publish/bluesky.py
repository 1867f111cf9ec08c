"""Bluesky publisher: the AT Protocol over XRPC (issue 10).

``com.atproto.server.createSession`` (handle and an app password from the environment) gives
an access token and the account's DID; ``com.atproto.repo.createRecord`` writes an
``app.bsky.feed.post`` with the text as shown, its link and tag facets (UTF-8 byte offsets),
``langs`` and an ``app.bsky.embed.external`` link card, its thumbnail the post's social card
uploaded with ``com.atproto.repo.uploadBlob`` (when ``card`` finds the file; at most 1 MB).

Exactly once: the record key is a TID fixed per post (from the post's creation time and id),
so before a retry ``com.atproto.repo.getRecord`` tells whether the first try got through.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from newsletter.errors import PublishError
from newsletter.models import SocialPost
from newsletter.social.bluesky import rich
from newsletter.social.publish.base import HttpPublisher, Published, json_of

COLLECTION = "app.bsky.feed.post"
MAX_THUMB = 1_000_000  # the lexicon's maxSize for an external embed's thumb
_B32 = "234567abcdefghijklmnopqrstuvwxyz"


def tid(at: datetime, clock_id: int) -> str:
    """A record key in the TID format: 53 bits of microseconds, 10 bits of clock id, base32."""
    micros = int(at.timestamp() * 1_000_000)
    value = (micros << 10) | (clock_id & 0x3FF)
    return "".join(_B32[(value >> (5 * i)) & 31] for i in reversed(range(13)))


class BlueskyPublisher(HttpPublisher):
    network = "bluesky"
    idempotent_for: timedelta | None = timedelta(days=365)  # the record key finds the first try

    def __init__(self, pds: str, handle: str, app_password: str, *, language: str = "da",
                 timeout: float = 20.0, retries: int = 4, backoff: float = 2.0,
                 sleep: Callable[[float], None] = time.sleep,
                 card: Callable[[SocialPost], bytes | None] | None = None) -> None:
        self.base = pds.rstrip("/") + "/xrpc/"
        self.card = card
        self.handle = handle
        self.password = app_password
        self.language = language
        super().__init__(timeout=timeout, retries=retries, backoff=backoff, sleep=sleep)
        self._session: dict[str, Any] | None = None

    def _call(self, method: str, nsid: str, **kwargs: Any) -> dict[str, Any]:
        response = self.request(method, self.base + nsid, **kwargs)
        return json_of(self.network, response)

    def session(self) -> dict[str, Any]:
        if self._session is None:
            data = self._call("POST", "com.atproto.server.createSession",
                              json={"identifier": self.handle, "password": self.password})
            if not data.get("accessJwt") or not data.get("did"):
                raise PublishError(self.network, "createSession answered without accessJwt and did")
            self._session = data
        return self._session

    def thumb(self, post: SocialPost, auth: dict[str, str]) -> dict[str, Any] | None:
        """Upload the post's card as a blob; None when there is none (the card is optional)."""
        data = self.card(post) if self.card is not None else None
        if not data or len(data) > MAX_THUMB:
            return None
        mime = "image/png" if data.startswith(b"\x89PNG") else "image/jpeg"
        answer = self._call("POST", "com.atproto.repo.uploadBlob", content=data,
                            headers={**auth, "Content-Type": mime})
        blob = answer.get("blob")
        return blob if isinstance(blob, dict) else None

    def record(self, post: SocialPost, thumb: dict[str, Any] | None = None) -> dict[str, Any]:
        shown = rich(post.text)
        record: dict[str, Any] = {
            "$type": COLLECTION, "text": shown.text,
            "createdAt": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "langs": [self.language],
        }
        if shown.facets:
            record["facets"] = list(shown.facets)
        if post.link:
            external: dict[str, Any] = {"uri": post.link, "title": post.title[:300],
                                        "description": post.description[:1000]}
            if thumb is not None:
                external["thumb"] = thumb
            record["embed"] = {"$type": "app.bsky.embed.external", "external": external}
        return record

    def _existing(self, did: str, rkey: str, auth: dict[str, str]) -> dict[str, Any] | None:
        response = self.http.get(self.base + "com.atproto.repo.getRecord", headers=auth,
                                 params={"repo": did, "collection": COLLECTION, "rkey": rkey})
        if response.status_code == 200:
            return json_of(self.network, response)
        return None

    def publish(self, post: SocialPost) -> Published:
        session = self.session()
        did = str(session["did"])
        auth = {"Authorization": f"Bearer {session['accessJwt']}"}
        rkey = tid(post.created_at, post.id)
        if post.attempts > 1:  # an earlier try may have got through: look before writing again
            found = self._existing(did, rkey, auth)
            if found is not None:
                return self._published(str(found.get("uri", "")), rkey)
        record = self.record(post, self.thumb(post, auth) if post.link else None)
        try:
            data = self._call("POST", "com.atproto.repo.createRecord", headers=auth,
                              json={"repo": did, "collection": COLLECTION, "rkey": rkey, "record": record})
        except PublishError:
            # a retry inside ``send`` after a lost answer meets the record the first try wrote
            found = self._existing(did, rkey, auth)
            if found is None:
                raise
            data = found
        return self._published(str(data.get("uri", "")), rkey)

    def _published(self, uri: str, rkey: str) -> Published:
        return Published(uri, f"https://bsky.app/profile/{self.handle}/post/{rkey}")
