"""What an uploaded claim photo says about itself before its pixels are decoded: the format
(magic bytes), the declared dimensions (file header), the EXIF (capture time, GPS position,
orientation) and the colour profile.

Uploaded metadata is hostile input. Every reader here takes whatever Pillow parsed (any type,
any value) and returns either a checked value or "unknown"; nothing in this module raises for
bad metadata. Wrong types, zero denominators, impossible dates and out-of-range coordinates
are ignored, one field at a time.

Capture times are reported exactly as the camera wrote them: aware when the photo carries
``OffsetTimeOriginal`` (EXIF 2.31), naive otherwise. This module does not guess a zone; the
intake step decides how to compare a naive time (see :mod:`carecover.claims.service.photos`).

GPS positions are WGS-84 as phones write them. Chinese map data (GCJ-02) is offset by a few
hundred metres, which does not matter for the kilometre-scale checks made with them.
"""

from __future__ import annotations

import io
import math
import re
import struct
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from numbers import Rational

import numpy as np
from PIL import ExifTags, Image, ImageCms

from carecover.platform.geo import Point

__all__ = [
    "ExifInfo",
    "apply_orientation",
    "header_size",
    "parse_capture_time",
    "parse_gps",
    "read_exif",
    "sniff",
    "to_srgb",
]

_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
# JPEG start-of-frame markers (C4 DHT, C8 JPG and CC DAC share the range but are not frames).
_JPEG_SOF = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}
_BMP_HEADER_SIZES = frozenset({12, 40, 52, 56, 64, 108, 124})
_HEIF_BRANDS = (b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1", b"avif")

_ORIENTATION_METHODS: dict[int, Image.Transpose] = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}

# "YYYY:MM:DD HH:MM:SS" is the standard; a few writers use "-" in the date or a "T".
_DATETIME_RE = re.compile(r"(\d{4})[:-](\d{2})[:-](\d{2})[ T](\d{2}):(\d{2}):(\d{2})")
_OFFSET_RE = re.compile(r"([+-])(\d{2}):(\d{2})")
#: Real UTC offsets run from -12:00 to +14:00.
_MAX_OFFSET = timedelta(hours=14)


@dataclass(frozen=True, slots=True)
class ExifInfo:
    """What the platform reads from a photo's EXIF before throwing the EXIF away.

    ``present`` says the file carried an EXIF block at all; ``had_gps`` that it carried a GPS
    block (whether or not it held a usable position), so callers can tell the user that the
    location was removed. ``orientation`` is 1..8 (1 when missing or invalid).
    """

    present: bool = False
    captured_at: datetime | None = None
    gps: Point | None = None
    had_gps: bool = False
    orientation: int = 1


NO_EXIF = ExifInfo()


def sniff(data: bytes) -> str | None:
    """The format by magic bytes: "jpeg", "png" or "webp"; "GIF", "TIFF", "BMP" or "HEIC/AVIF"
    for image formats that are recognised but not accepted; None for anything else."""
    if data[:3] == b"\xff\xd8\xff":
        return "jpeg"
    if data[:8] == _PNG_MAGIC:
        return "png"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "GIF"
    if data[:4] in (b"II*\x00", b"MM\x00*"):
        return "TIFF"
    if data[:2] == b"BM" and int.from_bytes(data[14:18], "little") in _BMP_HEADER_SIZES:
        return "BMP"
    if data[4:8] == b"ftyp" and data[8:12] in _HEIF_BRANDS:
        return "HEIC/AVIF"
    return None


def header_size(fmt: str, data: bytes) -> tuple[int, int]:
    """(width, height) declared by a JPEG, PNG or WebP header, read without decoding pixels.

    Raises ValueError when the header is damaged or missing.
    """
    try:
        if fmt == "png":
            if data[12:16] != b"IHDR":
                raise ValueError("no IHDR chunk")
            width, height = struct.unpack(">II", data[16:24])
            return width, height
        if fmt == "jpeg":
            return _jpeg_size(data)
        if fmt == "webp":
            return _webp_size(data)
    except (IndexError, struct.error) as exc:
        raise ValueError("header cut short") from exc
    raise ValueError(f"unknown format {fmt!r}")


def read_exif(image: Image.Image) -> ExifInfo:
    """Read capture time, GPS and orientation from a loaded Pillow image; never raises."""
    try:
        exif = image.getexif()
        ifd0: dict[int, object] = dict(exif)
        sub: dict[int, object] = dict(exif.get_ifd(ExifTags.IFD.Exif))
        gps_ifd: dict[int, object] = dict(exif.get_ifd(ExifTags.IFD.GPSInfo))
    except Exception:  # noqa: BLE001 - malformed metadata must never fail an upload
        return NO_EXIF
    if not ifd0 and not sub and not gps_ifd:
        return NO_EXIF
    original = sub.get(ExifTags.Base.DateTimeOriginal, ifd0.get(ExifTags.Base.DateTimeOriginal))
    offset = sub.get(ExifTags.Base.OffsetTimeOriginal)
    return ExifInfo(
        present=True,
        captured_at=parse_capture_time(original, offset),
        gps=parse_gps(gps_ifd),
        had_gps=bool(gps_ifd),
        orientation=_orientation(ifd0.get(ExifTags.Base.Orientation)),
    )


def parse_capture_time(value: object, offset: object = None) -> datetime | None:
    """``DateTimeOriginal`` (+ ``OffsetTimeOriginal``) as a datetime, or None when unusable.

    With a valid offset the result is aware; without one (or with a garbage one) it is naive.
    """
    text = _text(value)
    if text is None or (match := _DATETIME_RE.fullmatch(text)) is None:
        return None
    try:
        year, month, day, hour, minute, second = (int(part) for part in match.groups())
        naive = datetime(year, month, day, hour, minute, second)  # noqa: DTZ001 - see docstring
    except ValueError:  # month 13, 25 o'clock, 0000:00:00 ...
        return None
    zone = _offset(offset)
    return naive if zone is None else naive.replace(tzinfo=zone)


def parse_gps(gps: Mapping[int, object]) -> Point | None:
    """Decimal degrees from the GPS IFD, or None when any part is missing or invalid.

    A hemisphere reference is required (no guessing north/east), and 0°, 0° is treated as
    "no fix": it is what several cameras write when they have none.
    """
    lat = _degrees(gps.get(ExifTags.GPS.GPSLatitude), 90.0)
    lng = _degrees(gps.get(ExifTags.GPS.GPSLongitude), 180.0)
    lat_ref = _text(gps.get(ExifTags.GPS.GPSLatitudeRef))
    lng_ref = _text(gps.get(ExifTags.GPS.GPSLongitudeRef))
    if lat is None or lng is None or lat_ref is None or lng_ref is None:
        return None
    lat_ref, lng_ref = lat_ref.upper(), lng_ref.upper()
    if lat_ref not in ("N", "S") or lng_ref not in ("E", "W"):
        return None
    if lat == 0.0 and lng == 0.0:
        return None
    return Point(-lat if lat_ref == "S" else lat, -lng if lng_ref == "W" else lng)


def apply_orientation(image: Image.Image, orientation: int) -> Image.Image:
    """The image turned upright for an EXIF orientation (1..8); other values change nothing."""
    method = _ORIENTATION_METHODS.get(orientation)
    return image if method is None else image.transpose(method)


def to_srgb(image: Image.Image) -> Image.Image:
    """RGB pixels; colour-managed to sRGB when the file carries a usable ICC profile,
    transparency flattened onto white, 16-bit greys scaled to 8 bits."""
    if image.mode.startswith("I;16") or image.mode == "I":
        levels = np.asarray(image, dtype=np.float64) / 257.0
        gray = np.clip(np.rint(levels), 0, 255).astype(np.uint8)
        return Image.fromarray(gray).convert("RGB")
    if image.has_transparency_data:
        rgba = image.convert("RGBA")
        canvas = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        canvas.alpha_composite(rgba)
        return canvas.convert("RGB")
    icc = image.info.get("icc_profile")
    if isinstance(icc, bytes) and icc and image.mode in ("RGB", "CMYK", "L"):
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            converted = ImageCms.profileToProfile(
                image, source, ImageCms.createProfile("sRGB"), outputMode="RGB"
            )
        except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
            converted = None  # a broken profile: use the pixels as they are
        if converted is not None:
            return converted
    return image.convert("RGB")


def _orientation(value: object) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 8:
        return value
    return 1


def _text(value: object) -> str | None:
    if isinstance(value, bytes):
        value = value.decode("ascii", errors="replace")
    if not isinstance(value, str):
        return None
    text = value.strip("\x00 \t\r\n")
    return text or None


def _offset(value: object) -> timezone | None:
    text = _text(value)
    if text is None or (match := _OFFSET_RE.fullmatch(text)) is None:
        return None
    sign, hours, minutes = match.groups()
    delta = timedelta(hours=int(hours), minutes=int(minutes))
    if int(minutes) >= 60 or delta > _MAX_OFFSET:
        return None
    return timezone(-delta if sign == "-" else delta)


def _number(value: object) -> float | None:
    """A finite, non-negative EXIF number: IFDRational, int, float or a (num, den) pair."""
    result: float
    if isinstance(value, bool):
        return None
    if isinstance(value, Rational):  # Pillow's IFDRational, also fractions.Fraction
        if value.denominator == 0:
            return None
        result = float(value.numerator) / float(value.denominator)
    elif isinstance(value, int | float):
        result = float(value)
    elif (
        isinstance(value, tuple)
        and len(value) == 2
        and all(isinstance(part, int) and not isinstance(part, bool) for part in value)
    ):
        if value[1] == 0:
            return None
        result = value[0] / value[1]
    else:
        return None
    return result if math.isfinite(result) and result >= 0.0 else None


def _degrees(value: object, limit: float) -> float | None:
    """Degrees, minutes, seconds (1 to 3 parts) to decimal degrees within [0, limit]."""
    if not isinstance(value, tuple) or not 1 <= len(value) <= 3:
        return None
    parts = [_number(part) for part in value]
    if any(part is None for part in parts):
        return None
    checked = [part for part in parts if part is not None]
    degrees, minutes, seconds = (*checked, 0.0, 0.0)[:3]
    if minutes >= 60.0 or seconds >= 60.0:
        return None
    result = degrees + minutes / 60.0 + seconds / 3600.0
    return result if result <= limit else None


def _jpeg_size(data: bytes) -> tuple[int, int]:
    """Walk the JPEG markers up to the first start-of-frame."""
    i = 2
    while i + 4 <= len(data):
        if data[i] != 0xFF:
            raise ValueError("not a marker")
        marker = data[i + 1]
        if marker == 0xFF:  # fill byte
            i += 1
        elif marker == 0x01 or 0xD0 <= marker <= 0xD7:  # markers without a length
            i += 2
        elif marker in (0xD9, 0xDA):
            raise ValueError("no frame header before the scan")
        elif marker in _JPEG_SOF:
            height, width = struct.unpack(">HH", data[i + 5 : i + 9])
            return width, height
        else:
            length = int.from_bytes(data[i + 2 : i + 4], "big")
            if length < 2:
                raise ValueError("bad segment length")
            i += 2 + length
    raise ValueError("no frame header")


def _webp_size(data: bytes) -> tuple[int, int]:
    chunk = data[12:16]
    if chunk == b"VP8X":  # extended: 24-bit canvas size minus one
        if len(data) < 30:
            raise ValueError("VP8X chunk cut short")
        return 1 + int.from_bytes(data[24:27], "little"), 1 + int.from_bytes(data[27:30], "little")
    if chunk == b"VP8L":  # lossless: signature 0x2F, then 14-bit sizes minus one
        if data[20] != 0x2F:
            raise ValueError("bad VP8L signature")
        (bits,) = struct.unpack("<I", data[21:25])
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    if chunk == b"VP8 ":  # lossy: start code, then 14-bit sizes (2 scale bits on top)
        if data[23:26] != b"\x9d\x01\x2a":
            raise ValueError("bad VP8 start code")
        width, height = struct.unpack("<HH", data[26:30])
        return width & 0x3FFF, height & 0x3FFF
    raise ValueError("unknown WebP chunk")
