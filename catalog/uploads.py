"""Uploaded files: product photos (type, size, pixel dimensions; re-encoded with a thumbnail) and
certificate scans (PDF or photo). Everything is checked before anything is stored."""

from __future__ import annotations

import hashlib
import io
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import IO

import filetype
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, ImageFile, ImageOps, UnidentifiedImageError

from market.core.errors import ValidationFailed
from market.core.parsing import format_decimal


@contextmanager
def _truncated_images_refused() -> Iterator[None]:
    """WeasyPrint sets Pillow's process-wide LOAD_TRUNCATED_IMAGES when it is imported (the first PDF an
    invoice or report renders), after which a cut-off photo would be accepted with grey where it ends. A
    photo we keep must decode whole, whatever else the process has imported."""
    loading_truncated = ImageFile.LOAD_TRUNCATED_IMAGES
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    try:
        yield
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = loading_truncated


MAX_IMAGE_BYTES = 8 * 1024 * 1024
MAX_IMAGE_PIXELS = 40_000_000  # e.g. 8000 × 5000; larger is a decompression bomb or a mistake
MIN_IMAGE_SIDE = 300
MAX_IMAGE_SIDE = 10_000
STORED_IMAGE_SIDE = 1600
THUMBNAIL_SIDE = 400
IMAGE_TYPES = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP"}

MAX_SCAN_BYTES = 10 * 1024 * 1024
SCAN_TYPES = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}


@dataclass(frozen=True)
class ProcessedImage:
    image: ContentFile
    thumbnail: ContentFile
    width: int
    height: int


def _read(upload: IO[bytes], limit: int, field: str, too_big: str) -> bytes:
    upload.seek(0)
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise ValidationFailed(too_big, fields={field: [too_big]})
    if not data:
        message = _("The file is empty.")
        raise ValidationFailed(message, fields={field: [message]})
    return data


def process_product_image(upload: IO[bytes], *, field: str = "image") -> ProcessedImage:
    """Validate a photo and return a re-encoded copy (at most 1600 px, no metadata) and a 400 px thumbnail."""
    data = _read(
        upload,
        MAX_IMAGE_BYTES,
        field,
        _("The photo is larger than %(mb)s MB; send a smaller one.")
        % {"mb": format_decimal(MAX_IMAGE_BYTES // (1024 * 1024))},
    )
    kind = filetype.guess(data)
    if kind is None or kind.mime not in IMAGE_TYPES:
        message = _("Send a photo in JPEG, PNG or WebP format.")
        raise ValidationFailed(message, fields={field: [message]})
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            picture: Image.Image = Image.open(io.BytesIO(data))
            # The header alone tells the size: refuse before decoding a single pixel.
            width, height = picture.size
            if width * height > MAX_IMAGE_PIXELS or max(width, height) > MAX_IMAGE_SIDE:
                raise _too_many_pixels(field)
            if picture.format not in IMAGE_TYPES.values():
                message = _("Send a photo in JPEG, PNG or WebP format.")
                raise ValidationFailed(message, fields={field: [message]})
            with _truncated_images_refused():
                picture.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _too_many_pixels(field) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        message = _("This photo could not be read; it may be damaged.")
        raise ValidationFailed(message, fields={field: [message]}) from None
    if min(width, height) < MIN_IMAGE_SIDE:
        message = _("The photo is too small: at least %(px)s × %(px)s pixels.") % {"px": format_decimal(MIN_IMAGE_SIDE)}
        raise ValidationFailed(message, fields={field: [message]})

    picture = ImageOps.exif_transpose(picture)
    if picture.mode not in ("RGB", "L"):
        background = Image.new("RGB", picture.size, "white")
        rgba = picture.convert("RGBA")
        background.paste(rgba, mask=rgba.getchannel("A"))
        picture = background
    picture = picture.convert("RGB")
    stored = picture.copy()
    stored.thumbnail((STORED_IMAGE_SIDE, STORED_IMAGE_SIDE), Image.Resampling.LANCZOS)
    thumb = ImageOps.fit(picture, (THUMBNAIL_SIDE, THUMBNAIL_SIDE), Image.Resampling.LANCZOS)
    digest = hashlib.sha256(data).hexdigest()[:24]
    return ProcessedImage(
        image=ContentFile(_jpeg(stored, 85), name=f"{digest}.jpg"),
        thumbnail=ContentFile(_jpeg(thumb, 80), name=f"{digest}-t.jpg"),
        width=stored.width,
        height=stored.height,
    )


def _too_many_pixels(field: str) -> ValidationFailed:
    message = _("The photo has too many pixels (at most %(mp)s megapixels); send a smaller one.") % {
        "mp": format_decimal(MAX_IMAGE_PIXELS // 1_000_000)
    }
    return ValidationFailed(message, fields={field: [message]})


def _jpeg(picture: Image.Image, quality: int) -> bytes:
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=quality, optimize=True, progressive=True)
    return out.getvalue()


@dataclass(frozen=True)
class ProcessedScan:
    file: ContentFile
    content_type: str


def process_certificate_scan(upload: IO[bytes], *, field: str = "scan") -> ProcessedScan:
    data = _read(
        upload,
        MAX_SCAN_BYTES,
        field,
        _("The scan is larger than %(mb)s MB; send a smaller one.")
        % {"mb": format_decimal(MAX_SCAN_BYTES // (1024 * 1024))},
    )
    kind = filetype.guess(data)
    if kind is None or kind.mime not in SCAN_TYPES:
        message = _("Send the scan as a PDF, JPEG or PNG file.")
        raise ValidationFailed(message, fields={field: [message]})
    if kind.mime == "application/pdf":
        if b"%%EOF" not in data[-2048:]:
            message = _("This PDF is incomplete or damaged.")
            raise ValidationFailed(message, fields={field: [message]})
    else:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error", Image.DecompressionBombWarning)
                picture: Image.Image = Image.open(io.BytesIO(data))
                width, height = picture.size
                if width * height > MAX_IMAGE_PIXELS:
                    raise _too_many_pixels(field)
                picture.verify()
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise _too_many_pixels(field) from None
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
            message = _("This image could not be read; it may be damaged.")
            raise ValidationFailed(message, fields={field: [message]}) from None
    digest = hashlib.sha256(data).hexdigest()[:24]
    return ProcessedScan(file=ContentFile(data, name=f"{digest}.{SCAN_TYPES[kind.mime]}"), content_type=kind.mime)
