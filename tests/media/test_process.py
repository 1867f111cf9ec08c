"""The pure image rules: crop, EXIF rotation, colour modes, broken files (no network, no DB)."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from newsletter.errors import MediaError
from newsletter.media.process import card_picture, crop_box, logo_picture
from tests.media.conftest import jpeg, png, png_bomb

LIMITS = {"max_pixels": 40_000_000, "min_width": 480, "quality": 82}


def sizes(result) -> list[tuple[int, int]]:
    return [(v.width, v.height) for v in result.variants]


def test_crop_is_16_9_centred_across_and_upper_third_on_tall_pictures():
    assert crop_box(2000, 1000) == (111, 0, 1888, 1000)  # wide: the sides go
    assert crop_box(900, 1600) == (0, 364, 900, 870)  # tall: a third above, two thirds below
    assert crop_box(1600, 900) == (0, 0, 1600, 900)


def test_exif_rotation_is_applied_before_the_crop():
    img = Image.new("RGB", (1600, 2400), (10, 120, 200))  # stored portrait ...
    exif = Image.Exif()
    exif[0x0112] = 6  # ... shown rotated 90°: landscape 2400x1600
    out = io.BytesIO()
    img.save(out, "JPEG", exif=exif)
    result = card_picture("u", out.getvalue(), "image/jpeg", **LIMITS)
    assert (result.original_width, result.original_height) == (1600, 2400)
    assert sizes(result) == [(1200, 675), (600, 338)]
    with Image.open(io.BytesIO(result.variants[0].data)) as copy:
        assert not copy.getexif()  # no EXIF (GPS, camera) in our copy


def test_cmyk_and_transparent_pictures_become_plain_rgb_jpegs():
    cmyk = io.BytesIO()
    Image.new("CMYK", (1600, 900), (0, 80, 200, 0)).save(cmyk, "JPEG")
    for body, kind in ((cmyk.getvalue(), "image/jpeg"), (png(1600, 900, alpha=True), "image/png")):
        result = card_picture("u", body, kind, **LIMITS)
        with Image.open(io.BytesIO(result.variants[0].data)) as copy:
            assert (copy.format, copy.mode) == ("JPEG", "RGB")


def test_an_animated_gif_gives_its_first_frame():
    frames = [Image.new("P", (800, 450), i) for i in (1, 2, 3)]
    out = io.BytesIO()
    frames[0].save(out, "GIF", save_all=True, append_images=frames[1:])
    assert sizes(card_picture("u", out.getvalue(), "image/gif", **LIMITS)) == [(800, 450), (600, 338)]


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
@pytest.mark.parametrize(("body", "content_type", "says"), [
    (jpeg(1600, 900)[:3000], "image/jpeg", "broken or truncated"),
    (png_bomb(), "image/png", "decompression bomb"),
    (png(9000, 5000), "image/png", "more than the 40,000,000 allowed"),
    (b"GIF89a" + b"\0" * 20, "image/gif", "the file is not a readable image"),
    (jpeg(1600, 900), None, "not an image (no content-type)"),
])
def test_refused_with_a_reason(body, content_type, says):
    with pytest.raises(MediaError) as caught:
        card_picture("https://p.dk/x", body, content_type, **LIMITS)
    assert says in caught.value.problem and str(caught.value).startswith("https://p.dk/x: ")


def test_a_logo_keeps_transparency_and_shrinks_to_400_px():
    result = logo_picture("u", png(1000, 200, alpha=True), "image/png", max_pixels=40_000_000)
    with Image.open(io.BytesIO(result.variants[0].data)) as logo:
        assert (logo.format, logo.mode, logo.size) == ("PNG", "RGBA", (400, 80))


def test_an_event_card_says_when_and_where_in_danish():
    from datetime import UTC, datetime

    from newsletter.media.issue_cards import _event_line
    from newsletter.models import Candidate, IssueItem

    event = Candidate(id=1, origin="curated", partner_key=None, section="arrangementer", title="Industriens Dag",
                      url="https://x.dk", canonical_url="https://x.dk", summary_text="", image_url=None,
                      image_alt=None, published_at=datetime(2026, 11, 20, tzinfo=UTC),
                      first_seen_at=datetime(2026, 11, 20, tzinfo=UTC),
                      event_starts_at=datetime(2026, 12, 3, 8, 0, tzinfo=UTC), event_location="Kolding  Hallerne")
    placed = IssueItem(item=event, section="arrangementer", position=0, included=True)
    assert _event_line(placed, "da") == "torsdag 3. december kl. 9.00 · Kolding Hallerne"
    assert _event_line(placed, "en") == "Thursday 3 December, 09:00 · Kolding Hallerne"
