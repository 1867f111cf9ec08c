"""LinkedIn publisher: the Posts API for an organisation page (issue 10).

``POST /rest/posts`` with ``LinkedIn-Version: YYYYMM`` and ``X-Restli-Protocol-Version: 2.0.0``;
the author is the page (``urn:li:organization:<id>``), the text goes in ``commentary`` in
LinkedIn's little-text format, and the item's link as an article. LinkedIn answers 201 with
the new post's URN in ``x-restli-id``. The token (scope ``w_organization_social``) comes from
the environment variable named by ``token_env``. The API has no idempotency key, so a post
whose answer was lost is held as 'unknown' (see ``base``).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta

from newsletter.errors import PublishError
from newsletter.models import SocialPost
from newsletter.social.linkedin import little_text
from newsletter.social.publish.base import HttpPublisher, Published


class LinkedInPublisher(HttpPublisher):
    network = "linkedin"
    idempotent_for: timedelta | None = None

    def __init__(self, api: str, token: str, organization: str, version: str, *, timeout: float = 20.0,
                 retries: int = 2, backoff: float = 2.0, sleep: Callable[[float], None] = time.sleep) -> None:
        if not organization.startswith("urn:li:organization:"):
            raise PublishError(self.network, f"organization must be urn:li:organization:<id>, not {organization!r}")
        self.url = api.rstrip("/") + "/rest/posts"
        self.organization = organization
        super().__init__(timeout=timeout, retries=retries, backoff=backoff, sleep=sleep,
                         headers={"Authorization": f"Bearer {token}", "LinkedIn-Version": version,
                                  "X-Restli-Protocol-Version": "2.0.0"})

    def body(self, post: SocialPost) -> dict[str, object]:
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
            body["content"] = {"article": {"source": post.link, "title": post.title[:400],
                                           "description": post.description[:4000]}}
        return body

    def publish(self, post: SocialPost) -> Published:
        response = self.request("POST", self.url, safe_to_repeat=False, json=self.body(post))
        urn = response.headers.get("x-restli-id", "")
        if not urn:
            raise PublishError(self.network, f"LinkedIn answered {response.status_code} without x-restli-id")
        return Published(urn, f"https://www.linkedin.com/feed/update/{urn}/")
