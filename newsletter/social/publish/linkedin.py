"""LinkedIn publisher: the Posts API for an organisation page (issue 10).

``POST /rest/posts`` with ``LinkedIn-Version: YYYYMM`` and ``X-Restli-Protocol-Version: 2.0.0``;
the author is the page (``urn:li:organization:<id>``), the text goes in ``commentary`` in
LinkedIn's little-text format, and the item's link as an article. LinkedIn answers 201 with
the new post's URN in ``x-restli-id``. The token (scope ``w_organization_social``) comes from
the environment variable named by ``token_env``. The API has no idempotency key, so a post
whose answer was lost is held as 'unknown' (see ``base``).

LinkedIn does not read a link's page for a post made through the API: without a thumbnail
the article shows no picture. So the post's social card is uploaded first (the Images API:
``POST /rest/images?action=initializeUpload`` gives an upload URL and an ``urn:li:image``,
the bytes go there with PUT) and named as the article's ``thumbnail``. An upload makes no
post, so it is safe to repeat; a card LinkedIn refuses leaves the post without a picture.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import timedelta
from urllib.parse import urlsplit

from newsletter.errors import PublishError, TemporaryPublishError
from newsletter.models import SocialPost
from newsletter.social.linkedin import little_text
from newsletter.social.publish.base import HttpPublisher, Published, json_of

log = logging.getLogger(__name__)


class LinkedInPublisher(HttpPublisher):
    network = "linkedin"
    idempotent_for: timedelta | None = None

    def __init__(self, api: str, token: str, organization: str, version: str, *, timeout: float = 20.0,
                 retries: int = 2, backoff: float = 2.0, sleep: Callable[[float], None] = time.sleep,
                 card: Callable[[SocialPost], bytes | None] | None = None) -> None:
        if not organization.startswith("urn:li:organization:"):
            raise PublishError(self.network, f"organization must be urn:li:organization:<id>, not {organization!r}")
        self.url = api.rstrip("/") + "/rest/posts"
        self.images = api.rstrip("/") + "/rest/images?action=initializeUpload"
        self.scheme = urlsplit(api).scheme
        self.card = card
        self.organization = organization
        super().__init__(timeout=timeout, retries=retries, backoff=backoff, sleep=sleep,
                         headers={"Authorization": f"Bearer {token}", "LinkedIn-Version": version,
                                  "X-Restli-Protocol-Version": "2.0.0"})

    def thumbnail(self, post: SocialPost) -> str | None:
        """The ``urn:li:image`` of the post's card, uploaded now; None without a card or when
        LinkedIn refuses it (the post then goes without a picture)."""
        data = self.card(post) if self.card is not None and post.link else None
        if not data:
            return None
        try:
            answer = json_of(self.network, self.request(
                "POST", self.images, json={"initializeUploadRequest": {"owner": self.organization}}))
            value = answer.get("value")
            value = value if isinstance(value, dict) else {}
            upload, image = str(value.get("uploadUrl", "")), str(value.get("image", ""))
            if not image.startswith("urn:li:image:") or urlsplit(upload).scheme != self.scheme:
                raise PublishError(self.network, f"initializeUpload answered without an upload URL and image: {answer}")
            self.request("PUT", upload, content=data, headers={"Content-Type": "application/octet-stream"})
        except TemporaryPublishError as e:  # no post was made yet: the whole post is tried again later
            raise TemporaryPublishError(self.network, f"the picture could not be uploaded: {e.problem}") from e
        except PublishError as e:
            log.warning("linkedin: post %d goes without its picture: %s", post.id, e.problem)
            return None
        return image

    def body(self, post: SocialPost, thumbnail: str | None = None) -> dict[str, object]:
        body: dict[str, object] = {
            "author": self.organization,
            "commentary": little_text(post.text),
            "visibility": "PUBLIC",
            "distribution": {"feedDistribution": "MAIN_FEED", "targetEntities": [],
                             "thirdPartyDistributionChannels": []},
            "lifecycleState": "PUBLISHED",
            "isReshareDisabledByAuthor": False,
        }
        if post.link:
            article: dict[str, str] = {"source": post.link, "title": post.title[:400],
                                       "description": post.description[:4000]}
            if thumbnail:
                article["thumbnail"] = thumbnail
            body["content"] = {"article": article}
        return body

    def publish(self, post: SocialPost) -> Published:
        body = self.body(post, self.thumbnail(post))
        response = self.request("POST", self.url, safe_to_repeat=False, json=body)
        urn = response.headers.get("x-restli-id", "")
        if not urn:
            raise PublishError(self.network, f"LinkedIn answered {response.status_code} without x-restli-id")
        return Published(urn, f"https://www.linkedin.com/feed/update/{urn}/")
