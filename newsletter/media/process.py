"""Pure image work: bytes in, verified and resized bytes out. No I/O, no database.

Item pictures are cropped to one aspect ratio, 16:9 (what og:image pictures and press
photos mostly are already, and short enough that a 10-item email stays a scroll, not a
gallery), then saved as JPEG 1200 px wide (the email's ``src``: sharp on 2x screens, shown
552 px wide) and 600 px wide (the web version's 1x in ``srcset``). Landscape pictures are
cropped around the centre; portrait ones keep the upper part (heads and signs are rarely
at the bottom). Logos keep their shape and transparency (PNG, 400 px wide at most: 2x of the
200 px the email shows).

Refused, each with a reason the team can act on: a content-type that is not an image, a
file that is not what its content-type says (an HTML error page sent as image/jpeg), a
decompression bomb (more than ``max_pixels`` pixels, checked from the header before any
pixel is decoded, and Pillow's own DecompressionBombError), a broken or truncated file, and
a picture narrower than ``min_width`` (it would be blown up and blurred).
"""

from __future__ import annotations

import io
import math
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

from newsletter.errors import MediaError

RATIO = (16, 9)
WIDTH_2X = 1200
WIDTH_1X = 600
LOGO_WIDTH = 400

# content-type -> the Pillow format the bytes must be
IMAGE_TYPES = {
    "image/jpeg": "JPEG", "image/jpg": "JPEG", "image/pjpeg": "JPEG",
    "image/png": "PNG", "image/x-png": "PNG",
    "image/gif": "GIF",
    "image/webp": "WEBP",
}

# We refuse anything over max_pixels ourselves, from the header, before decoding; Pillow's
# warning for the same thing would only repeat it in the log.
warnings.simplefilter("ignore", Image.DecompressionBombWarning)


@dataclass(frozen=True)
class Variant:
    data: bytes
    width: int
    height: int
    suffix: str  # ".jpg" or ".png"


@dataclass(frozen=True)
class Processed:
    content_type: str
    original_width: int
    original_height: int
    variants: tuple[Variant, ...]  # largest first


def media_type(content_type: str | None) -> str:
    return (content_type or "").split(";")[0].strip().lower()


def open_verified(url: str, body: bytes, content_type: str | None, max_pixels: int) -> Image.Image:
    """Open ``body`` as the image its content-type says, or raise ``MediaError``.

    Only the header is read here; the pixels are decoded by the caller (after ``draft``)."""
    declared = media_type(content_type)
    expected = IMAGE_TYPES.get(declared)
    if expected is None and declared.startswith("image/"):
        raise MediaError(url, f"a picture type we do not use ({declared}); JPEG, PNG, GIF and WebP are "
                              "(ask the partner for one of those)")
    if expected is None:
        shown = declared or "no content-type"
        raise MediaError(url, f"not an image ({shown}); the link may point at a page, not a picture")
    # Pillow refuses above twice its limit and we refuse above ours: make them the same rule
    Image.MAX_IMAGE_PIXELS = max_pixels
    try:
        image = Image.open(io.BytesIO(body), formats=[expected])
    except Image.DecompressionBombError as e:
        raise MediaError(url, f"refused: a decompression bomb ({e})") from e
    except UnidentifiedImageError:
        actual = _sniff(body)
        raise MediaError(url, f"the server says {declared} but the file is "
                              f"{actual or 'not a readable image'}; refused") from None
    except (OSError, SyntaxError, ValueError) as e:
        raise MediaError(url, f"broken {expected} file ({e})") from e
    width, height = image.size
    if width * height > max_pixels:
        raise MediaError(url, f"refused: {width}x{height} pixels is more than the {max_pixels:,} allowed "
                              "(media.max_pixels); a decompression bomb or a print-size original")
    if width < 1 or height < 1:
        raise MediaError(url, "an image without pixels")
    return image


def _sniff(body: bytes) -> str:
    head = body[:512].lstrip().lower()
    if head.startswith((b"<!doctype html", b"<html")) or b"<body" in head:
        return "an HTML page"
    try:
        with Image.open(io.BytesIO(body)) as other:
            return f"a {other.format} image"
    except Exception:  # noqa: BLE001 - anything else is "not an image"
        return ""


def _decode(url: str, image: Image.Image, scale: float) -> Image.Image:
    """Decode the pixels (JPEG at a reduced DCT scale when that is enough), upright, as RGB/RGBA."""
    if scale < 1 and image.format == "JPEG":
        image.draft("RGB", (math.ceil(image.width * scale), math.ceil(image.height * scale)))
    try:
        image.load()
        ImageOps.exif_transpose(image, in_place=True)  # no copy of a 10-megapixel picture
    except Image.DecompressionBombError as e:
        raise MediaError(url, f"refused: a decompression bomb ({e})") from e
    except (OSError, SyntaxError, ValueError) as e:
        raise MediaError(url, f"broken or truncated {image.format} file ({e})") from e
    has_alpha = image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info)
    mode = "RGBA" if has_alpha else "RGB"
    return image if image.mode == mode else image.convert(mode)


def _flatten(image: Image.Image) -> Image.Image:
    if image.mode != "RGBA":
        return image
    white = Image.new("RGB", image.size, (255, 255, 255))
    white.paste(image, mask=image.getchannel("A"))
    return white


def crop_box(width: int, height: int, ratio: tuple[int, int] = RATIO) -> tuple[int, int, int, int]:
    """The largest ``ratio`` box: centred across, upper third kept on tall pictures."""
    rw, rh = ratio
    if width * rh > height * rw:  # wider than the ratio: trim the sides
        crop_w = height * rw // rh
        left = (width - crop_w) // 2
        return left, 0, left + crop_w, height
    crop_h = width * rh // rw
    top = (height - crop_h) // 3
    return 0, top, width, top + crop_h


def card_picture(url: str, body: bytes, content_type: str | None, *, max_pixels: int,
                 min_width: int, quality: int) -> Processed:
    """An item's picture: verified, cropped to 16:9, as 1200 and 600 px wide JPEGs."""
    image = open_verified(url, body, content_type, max_pixels)
    with image:
        w, h = image.size
        # the 16:9 crop of the upright picture is at least min(w, h) wide whichever way EXIF
        # turns it: decode at the smallest JPEG scale that keeps that 1200 px wide
        scale = min(1.0, WIDTH_2X / min(w, h) * 1.01)
        picture = _flatten(_decode(url, image, scale))
    left, top, right, bottom = crop_box(*picture.size)
    crop_w = right - left
    if crop_w < min_width:
        raise MediaError(url, f"too small for a card: {picture.width}x{picture.height} px (at least "
                              f"{min_width} px wide after cropping to 16:9; media.min_width)")
    variants: list[Variant] = []
    source, box = picture, (left, top, right, bottom)
    for target in (WIDTH_2X, WIDTH_1X):
        width = min(target, crop_w)
        if variants and width >= variants[-1].width:
            continue  # a small original: one file serves both
        height = round(width * RATIO[1] / RATIO[0])
        resized = source.resize((width, height), Image.Resampling.LANCZOS, box=box, reducing_gap=3.0)
        out = io.BytesIO()
        # progressive: a first sketch of the picture shows early on a slow phone connection
        resized.save(out, "JPEG", quality=quality, progressive=True)
        variants.append(Variant(out.getvalue(), width, height, ".jpg"))
        source, box = resized, (0, 0, width, height)  # the 600 px copy from the 1200 px one
    return Processed(media_type(content_type), w, h, tuple(variants))


def logo_picture(url: str, body: bytes, content_type: str | None, *, max_pixels: int) -> Processed:
    """The brand logo: verified, at most 400 px wide, transparency kept (PNG)."""
    image = open_verified(url, body, content_type, max_pixels)
    with image:
        w, h = image.size
        logo = _decode(url, image, min(1.0, LOGO_WIDTH / w * 1.01))
    if logo.width > LOGO_WIDTH:
        logo = logo.resize((LOGO_WIDTH, max(1, round(logo.height * LOGO_WIDTH / logo.width))),
                           Image.Resampling.LANCZOS)
    out = io.BytesIO()
    logo.save(out, "PNG", optimize=True)
    return Processed(media_type(content_type), w, h, (Variant(out.getvalue(), logo.width, logo.height, ".png"),))
