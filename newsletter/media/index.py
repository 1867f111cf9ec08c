"""What render may ask media (issue 10): where our copies live and which pictures are ours.

``index_for`` reads the records of an issue's pictures into a ``MediaIndex`` (no fetching);
``card_url`` / ``card_path`` name an issue's social cards.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from newsletter.config import Config
from newsletter.db import Database
from newsletter.db import media as q
from newsletter.db.media import StoredImage
from newsletter.media.fetch import fetchable
from newsletter.media.store import MediaStore, card_name

CARD = "card"  # media_images.kind of an item's picture
LOGO = "logo"  # ... and of the brand logo


def store_for(config: Config) -> MediaStore:
    """The folder and base URL of our copies, from ``media.folder`` / ``media.base_url``."""
    media = config.media
    if media.folder:
        folder = Path(media.folder)
        folder = folder if folder.is_absolute() else config.path.parent / folder
    else:
        folder = config.settings.var_dir / "media"
    return MediaStore(folder=folder, base_url=media.base_url or f"{config.settings.base_url}/media")


def card_url(config: Config, issue_id: int, item_id: int | None = None) -> str:
    """The social card of an issue (``item_id`` None) or of one of its items: a stable URL,
    ``<media base>/card-<issue>-<item|issue>.png``. The file exists once ``prepare_issue`` (at
    draft time) or ``ensure_cards`` (call it before posting: it redraws cards whose title
    changed since) has drawn it."""
    return store_for(config).url(card_name(issue_id, item_id))


def card_path(config: Config, issue_id: int, item_id: int | None = None) -> Path:
    """The file behind ``card_url``, for a publisher that uploads the image itself."""
    return store_for(config).path(card_name(issue_id, item_id))


@dataclass(frozen=True)
class Picture:
    """What the email and web version show for one item's picture."""

    src: str  # the email's src: the 1200 px copy (sharp on 2x screens at 552 px)
    srcset: str  # "<600 px> 600w, <1200 px> 1200w" for the web version ("" when hot-linking)
    width: int | None
    height: int | None


@dataclass(frozen=True)
class MediaIndex:
    """What render may ask: our copy of a source picture, or nothing. Built by ``index_for``."""

    store: MediaStore
    hotlink: bool
    images: dict[str, StoredImage]
    logo: StoredImage | None = None

    def picture(self, source_url: str | None) -> Picture | None:
        if not source_url:
            return None
        if self.hotlink:
            return Picture(source_url, "", None, None)
        image = self.images.get(source_url)
        if image is None or not image.ok or image.name_1x is None:
            return None
        if not image.name_2x:  # a small original: one file
            return Picture(self.store.url(image.name_1x), "", image.width_1x, image.height_1x)
        srcset = (f"{self.store.url(image.name_1x)} {image.width_1x}w, "
                  f"{self.store.url(image.name_2x)} {image.width_2x}w")
        return Picture(self.store.url(image.name_2x), srcset, image.width_2x, image.height_2x)

    def card_src(self, source_url: str | None, app_url: str) -> str:
        """The picture for a card in the team's workspace: the email's (600 px copy), as a path
        when this app at ``app_url`` serves our copies, so it shows wherever the workspace is
        opened; "" when the email shows none."""
        picture = self.picture(source_url)
        if picture is None:
            return ""
        src = picture.srcset.split(" ", 1)[0] if picture.srcset else picture.src
        ours = f"{app_url}/media/"
        return "/media/" + src.removeprefix(ours) if src.startswith(ours) else src

    def logo_url(self, configured: str) -> str:
        """Our copy of the brand logo when we have one, else the configured URL (the brand's own)."""
        if self.hotlink or self.logo is None or not self.logo.ok or not self.logo.name_1x:
            return configured
        return self.store.url(self.logo.name_1x)

    def problem(self, source_url: str | None) -> str | None:
        """Why an item's picture is left out (None: it is shown, or there is none)."""
        if not source_url or self.hotlink:
            return None
        if not fetchable(source_url):
            return "not an http(s) picture URL (left out as unsafe)"
        image = self.images.get(source_url)
        if image is None:
            return "not fetched yet (run `newsletter media fetch ISSUE`)"
        return None if image.ok else image.error or "could not be used"


def empty_index(config: Config) -> MediaIndex:
    return MediaIndex(store_for(config), config.media.hotlink, {})


def index_for(db: Database, config: Config, issue_id: int) -> MediaIndex:
    """Our copies of the issue's pictures and of the logo (one query each; no fetching)."""
    with db.connect() as conn:
        urls = q.issue_image_urls(conn, issue_id)
        images = q.get_images(conn, urls.values(), CARD)
        logo = q.get_images(conn, [config.brand.logo_url], LOGO).get(config.brand.logo_url) \
            if config.brand.logo_url else None
    return MediaIndex(store_for(config), config.media.hotlink, images, logo)
