"""Claim-photo intake: decode safely, read EXIF, check quality, hash, re-encode without metadata.

Pure functions. The stored copy is :func:`clean_jpeg`'s output: a fresh JPEG without EXIF, XMP,
ICC, comments or trailing data (GPS is sensitive PI under PIPL; re-encoding defuses polyglots).

* The format is sniffed from magic bytes only (JPEG, PNG, WebP); names and claimed types are
  ignored. GIF, BMP, TIFF and HEIC/AVIF are recognised and refused as unsupported.
* Dimensions are read from the file header by this module, before Pillow opens the file, and
  checked against the caller's ``max_pixels``; the global ``Image.MAX_IMAGE_PIXELS`` is neither
  read nor changed (libwebp allocates the whole canvas when a WebP is opened).
* Animated PNG/WebP is refused (``photo.unsupported_format``); a JPEG with extra MPF images
  (depth maps, previews) is read as its primary image.
* Truncated files are refused (relies on Pillow's default ``LOAD_TRUNCATED_IMAGES = False``).
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Literal

import numpy as np
from PIL import Image

from carecover.claims.service.exif import (
    ExifInfo,
    apply_orientation,
    header_size,
    read_exif,
    sniff,
    to_srgb,
)
from carecover.platform.geo import Point, haversine_km

MIB, DEFAULT_MAX_BYTES, DEFAULT_MAX_PIXELS = 1024 * 1024, 15 * 1024 * 1024, 40_000_000
MIN_SIDE = 32  # below this many pixels on a side there is nothing to assess: refused
JPEG_QUALITY = 88
MAX_STORED_SIDE = 2560
_HASH_SIDE = 1024  # hashes are taken from the same area-averaged grey copy as the blur measure
RETAKE_CODES = frozenset({"too_small", "blurry", "too_dark", "too_bright"})  # fixable by a retake

PhotoFormat = Literal["jpeg", "png", "webp"]
_FORMATS: dict[str, PhotoFormat] = {"jpeg": "jpeg", "png": "png", "webp": "webp"}
_PIL_FORMATS: dict[PhotoFormat, str] = {"jpeg": "JPEG", "png": "PNG", "webp": "WEBP"}


class PhotoRejected(ValueError):
    """An upload that cannot be used as a claim photo; ``code`` is stable, the message English."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True, slots=True, eq=False)
class DecodedPhoto:
    """A decoded upload: ``image`` is RGB (sRGB when the file had a usable ICC profile), upright
    (EXIF orientation applied; ``width``/``height`` are upright) and without metadata."""

    format: PhotoFormat
    image: Image.Image
    width: int
    height: int
    exif: ExifInfo
    byte_size: int
    original_sha256: str


def decode(
    data: bytes,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    min_side: int = MIN_SIDE,
) -> DecodedPhoto:
    """Check and decode an upload; raises :class:`PhotoRejected` for anything unusable."""
    if not data:
        raise PhotoRejected("photo.empty", "The file is empty.")
    if len(data) > max_bytes:
        raise PhotoRejected("photo.too_large", f"The file is larger than {max_bytes / MIB:.0f} MB.")
    kind = sniff(data)
    if kind is None:
        raise PhotoRejected("photo.not_an_image", "The file is not a JPEG, PNG or WebP image.")
    fmt = _FORMATS.get(kind)
    if fmt is None:
        raise PhotoRejected(
            "photo.unsupported_format",
            f"{kind} images are not accepted; please upload a JPEG, PNG or WebP photo.",
        )
    try:
        declared = header_size(fmt, data)
    except ValueError as exc:
        raise PhotoRejected("photo.corrupt", "The image header is damaged.") from exc
    _check_dimensions(*declared, max_pixels=max_pixels, min_side=min_side)
    try:
        with Image.open(io.BytesIO(data), formats=[_PIL_FORMATS[fmt]]) as opened:
            _check_dimensions(*opened.size, max_pixels=max_pixels, min_side=min_side)
            if fmt != "jpeg" and getattr(opened, "n_frames", 1) > 1:
                raise PhotoRejected("photo.unsupported_format", "Animated images are not accepted.")
            opened.load()
            exif = read_exif(opened)
            rgb = to_srgb(opened)
    except (PhotoRejected, MemoryError):
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        # Only when someone lowered the global Pillow limit below ours.
        raise PhotoRejected("photo.too_many_pixels", "The image has too many pixels.") from exc
    except Exception as exc:  # codecs raise OSError, SyntaxError, struct.error, ValueError ...
        raise PhotoRejected("photo.corrupt", "The image is damaged or truncated.") from exc
    upright = apply_orientation(rgb, exif.orientation)
    upright.info = {}
    return DecodedPhoto(
        format=fmt,
        image=upright,
        width=upright.width,
        height=upright.height,
        exif=exif,
        byte_size=len(data),
        original_sha256=hashlib.sha256(data).hexdigest(),
    )


def clean_jpeg(
    photo: DecodedPhoto, *, quality: int = JPEG_QUALITY, max_side: int = MAX_STORED_SIDE
) -> bytes:
    """The copy the platform stores: upright, long side at most ``max_side``, no metadata."""
    image = _fit(photo.image, max_side, Image.Resampling.LANCZOS)
    image.info = {}  # Pillow's JPEG writer falls back to info["comment"]
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality, optimize=True)
    return out.getvalue()


# --- quality and perceptual hashes --------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class QualityRules:
    """Thresholds for :func:`assess_quality` (not yet tuned on real claim photos).

    Blur is the variance of the Laplacian on a grey copy whose long side is at most
    ``analysis_long_side``; below 100 is blurry (the usual OpenCV rule of thumb). The test
    pictures score about 3,550 (checkerboard) and 1,600 (shapes and text), and 14 and 1 after a
    radius-4 Gaussian blur. Exposure: mean luma (0-255) and the shares of pixels at or below
    ``dark_level`` / at or above ``bright_level``.
    """

    min_long_side: int = 640
    min_short_side: int = 480
    analysis_long_side: int = 1024
    blur_threshold: float = 100.0
    min_brightness: float = 40.0
    max_brightness: float = 220.0
    dark_level: int = 20
    bright_level: int = 235
    max_dark_fraction: float = 0.5
    max_bright_fraction: float = 0.5


@dataclass(frozen=True, slots=True)
class Quality:
    """Measured quality; ``problems`` uses "too_small", "blurry", "too_dark", "too_bright"."""

    width: int
    height: int
    blur_variance: float
    brightness: float
    dark_fraction: float
    bright_fraction: float
    problems: tuple[str, ...]


def assess_quality(photo: DecodedPhoto, rules: QualityRules | None = None) -> Quality:
    """Resolution (either orientation), blur and exposure of a decoded photo."""
    rules = rules or QualityRules()
    gray = _analysis_gray(photo.image, rules.analysis_long_side)
    return _assess(gray, photo.width, photo.height, rules)


def perceptual_hash(photo: DecodedPhoto) -> int:
    """64-bit difference hash (dHash) of the upright photo, for re-use detection."""
    return _dhash(_analysis_gray(photo.image, _HASH_SIDE))


def average_hash(photo: DecodedPhoto) -> int:
    """64-bit average hash (aHash); coarser than dHash, kept as a second opinion."""
    return _ahash(_analysis_gray(photo.image, _HASH_SIDE))


def hamming(a: int, b: int) -> int:
    """Number of differing bits between two 64-bit hashes."""
    if not (0 <= a < 1 << 64 and 0 <= b < 1 << 64):
        raise ValueError("hashes are unsigned 64-bit integers")
    return (a ^ b).bit_count()


def is_reuse(a: int, b: int, threshold: int = 6) -> bool:
    """Whether two perceptual hashes are close enough to be the same picture."""
    return hamming(a, b) <= threshold


# --- intake ------------------------------------------------------------------------------------

#: A capture time without an offset is read as China Standard Time (UTC+8, no daylight saving):
#: customers are in China and phone cameras write local wall-clock time.
CHINA_TZ = timezone(timedelta(hours=8), "CST")


@dataclass(frozen=True, slots=True)
class IntakeRules:
    """Limits and thresholds for :func:`intake`.

    ``exif_time_mismatch``: the capture time lies outside ``[reported_at - capture_before,
    reported_at + capture_after]``. With ``reported_at`` the reported loss time, a photo taken
    well before the loss shows damage that predates it; one taken days later may show other
    damage. ``capture_before`` allows for loss times typed from memory.
    ``exif_place_mismatch``: the GPS position is more than ``max_distance_km`` away.
    """

    quality: QualityRules = field(default_factory=QualityRules)
    max_bytes: int = DEFAULT_MAX_BYTES
    max_pixels: int = DEFAULT_MAX_PIXELS
    capture_before: timedelta = timedelta(hours=1)
    capture_after: timedelta = timedelta(hours=48)
    max_distance_km: float = 20.0
    jpeg_quality: int = JPEG_QUALITY
    max_stored_side: int = MAX_STORED_SIDE


DEFAULT_RULES = IntakeRules()


@dataclass(frozen=True, slots=True)
class PhotoIntake:
    """Everything the claim keeps about one accepted photo.

    ``sha256`` is of ``cleaned`` (what is stored), ``original_sha256`` of the upload.
    ``taken_at`` is the EXIF capture time made aware (UTC+8 when the camera wrote no offset;
    ``exif.captured_at`` keeps it as written). ``flags``: ``exif_time_mismatch`` and
    ``exif_place_mismatch``, then the quality problem codes (the retake prompts).
    ``capture_offset_hours`` is the capture time minus ``reported_at`` (negative: before);
    ``distance_km`` runs from the EXIF GPS position to the reported point.
    """

    format: PhotoFormat
    width: int
    height: int
    byte_size: int
    exif: ExifInfo
    taken_at: datetime | None
    quality: Quality
    phash: int
    ahash: int
    cleaned: bytes
    sha256: str
    original_sha256: str
    flags: tuple[str, ...]
    capture_offset_hours: float | None
    distance_km: float | None

    def quality_summary(self) -> dict[str, float | list[str]]:
        """The measured quality as JSON-ready numbers (rounded) and problem codes."""
        q = self.quality
        return {
            "blur_variance": round(q.blur_variance, 1),
            "brightness": round(q.brightness, 1),
            "dark_fraction": round(q.dark_fraction, 4),
            "bright_fraction": round(q.bright_fraction, 4),
            "problems": list(q.problems),
        }


def intake(
    data: bytes,
    *,
    reported_at: datetime | None,
    reported_point: tuple[float, float] | None,
    rules: IntakeRules = DEFAULT_RULES,
    max_bytes: int | None = None,
) -> PhotoIntake:
    """Decode, check and clean one upload. Raises :class:`PhotoRejected` only for unusable
    files; mismatches and quality problems come back as ``flags``.

    ``reported_at`` (the reported loss time) must be timezone-aware; ``reported_point`` is
    (latitude, longitude). ``max_bytes`` overrides ``rules.max_bytes``.
    """
    if reported_at is not None and reported_at.utcoffset() is None:
        raise ValueError("reported_at must be timezone-aware")
    point = None if reported_point is None else Point(*reported_point)
    limit = rules.max_bytes if max_bytes is None else max_bytes
    photo = decode(data, max_bytes=limit, max_pixels=rules.max_pixels)
    gray = _analysis_gray(photo.image, rules.quality.analysis_long_side)
    quality = _assess(gray, photo.width, photo.height, rules.quality)
    same = rules.quality.analysis_long_side == _HASH_SIDE
    hash_gray = gray if same else _analysis_gray(photo.image, _HASH_SIDE)
    cleaned = clean_jpeg(photo, quality=rules.jpeg_quality, max_side=rules.max_stored_side)

    flags: list[str] = []
    taken_at = photo.exif.captured_at
    if taken_at is not None and taken_at.utcoffset() is None:
        taken_at = taken_at.replace(tzinfo=CHINA_TZ)
    offset_hours = None
    if taken_at is not None and reported_at is not None:
        offset = taken_at - reported_at
        offset_hours = offset / timedelta(hours=1)
        if offset < -rules.capture_before or offset > rules.capture_after:
            flags.append("exif_time_mismatch")
    distance = None
    if photo.exif.gps is not None and point is not None:
        distance = haversine_km(photo.exif.gps, point)
        if distance > rules.max_distance_km:
            flags.append("exif_place_mismatch")
    flags.extend(quality.problems)

    return PhotoIntake(
        format=photo.format,
        width=photo.width,
        height=photo.height,
        byte_size=photo.byte_size,
        exif=photo.exif,
        taken_at=taken_at,
        quality=quality,
        phash=_dhash(hash_gray),
        ahash=_ahash(hash_gray),
        cleaned=cleaned,
        sha256=hashlib.sha256(cleaned).hexdigest(),
        original_sha256=photo.original_sha256,
        flags=tuple(flags),
        capture_offset_hours=offset_hours,
        distance_km=distance,
    )


def _check_dimensions(width: int, height: int, *, max_pixels: int, min_side: int) -> None:
    if width * height > max_pixels:
        raise PhotoRejected(
            "photo.too_many_pixels",
            f"The image is {width}x{height} pixels; at most {max_pixels:,} pixels are accepted.",
        )
    if min(width, height) < min_side:
        raise PhotoRejected(
            "photo.too_small",
            f"The image is {width}x{height} pixels; each side must be at least {min_side}.",
        )


def _analysis_gray(image: Image.Image, long_side: int) -> Image.Image:
    """Luma ("L") copy with the long side at most ``long_side`` (area-averaged)."""
    return _fit(image.convert("L"), long_side, Image.Resampling.BOX)


def _fit(image: Image.Image, long_side: int, resample: Image.Resampling) -> Image.Image:
    """A new image scaled down (never up) so that its long side is at most ``long_side``."""
    scale = long_side / max(image.size)
    if scale >= 1.0:
        return image.copy()
    size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    return image.resize(size, resample, reducing_gap=3.0)


def _assess(gray: Image.Image, width: int, height: int, rules: QualityRules) -> Quality:
    luma = np.asarray(gray, dtype=np.float32)
    # 4-neighbour Laplacian [[0,1,0],[1,-4,1],[0,1,0]] on the interior, by slicing.
    laplacian = (
        luma[:-2, 1:-1] + luma[2:, 1:-1] + luma[1:-1, :-2] + luma[1:-1, 2:] - 4 * luma[1:-1, 1:-1]
    )
    blur = float(laplacian.var())
    brightness = float(luma.mean())
    dark = float(np.mean(luma <= rules.dark_level))
    bright = float(np.mean(luma >= rules.bright_level))
    problems: list[str] = []
    long_side, short_side = max(width, height), min(width, height)
    if long_side < rules.min_long_side or short_side < rules.min_short_side:
        problems.append("too_small")
    if blur < rules.blur_threshold:
        problems.append("blurry")
    if brightness < rules.min_brightness or dark > rules.max_dark_fraction:
        problems.append("too_dark")
    if brightness > rules.max_brightness or bright > rules.max_bright_fraction:
        problems.append("too_bright")
    return Quality(width, height, blur, brightness, dark, bright, tuple(problems))


def _bits(flags: np.ndarray) -> int:
    """A boolean array (64 entries, row-major) as an integer, first entry most significant."""
    return int.from_bytes(np.packbits(flags.ravel()).tobytes(), "big")


def _dhash(gray: Image.Image) -> int:
    small = np.asarray(gray.resize((9, 8), Image.Resampling.LANCZOS), dtype=np.int16)
    return _bits(small[:, 1:] > small[:, :-1])


def _ahash(gray: Image.Image) -> int:
    small = np.asarray(gray.resize((8, 8), Image.Resampling.LANCZOS), dtype=np.float32)
    return _bits(small > small.mean())
