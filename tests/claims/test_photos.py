"""Claim-photo intake: safe decoding, EXIF, metadata stripping, quality, perceptual hashes."""

from __future__ import annotations

import hashlib
import io
import random
import struct
import time
import zlib
from datetime import UTC, datetime, timedelta, timezone

import numpy as np
import pytest
from PIL import ExifTags, Image, ImageCms, ImageDraw, ImageEnhance, ImageFilter
from PIL.TiffImagePlugin import IFDRational

from carecover.claims.service.exif import parse_capture_time, parse_gps
from carecover.claims.service.photos import (
    CHINA_TZ,
    IntakeRules,
    PhotoRejected,
    QualityRules,
    assess_quality,
    average_hash,
    clean_jpeg,
    decode,
    hamming,
    intake,
    is_reuse,
    perceptual_hash,
)
from carecover.platform.geo import Point

BEIJING = (39.9042, 116.4074)
SHANGHAI_DMS = ((31, 1), (13, 1), (4416, 100))  # 31°13'44.16" N
SHANGHAI_LNG_DMS = ((121, 1), (28, 1), (2616, 100))  # 121°28'26.16" E


# --- building test images ----------------------------------------------------------------------


def scene(width: int = 800, height: int = 600, seed: int = 1) -> Image.Image:
    """A deterministic photo-like picture: colour gradient, shapes and text-like strokes."""
    rng = random.Random(seed)
    x = np.linspace(0.0, 1.0, width)[None, :, None]
    y = np.linspace(0.0, 1.0, height)[:, None, None]
    start = np.array([rng.randint(40, 120) for _ in range(3)], dtype=np.float64)
    slope = np.array([rng.randint(-40, 100) for _ in range(3)], dtype=np.float64)
    pixels = start + x * slope + y * slope[::-1]
    image = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), "RGB")
    draw = ImageDraw.Draw(image)
    for _ in range(25):
        x0, y0 = rng.randrange(width), rng.randrange(height)
        box = (x0, y0, x0 + rng.randint(40, width // 3), y0 + rng.randint(40, height // 3))
        colour = tuple(rng.randrange(256) for _ in range(3))
        (draw.rectangle if rng.random() < 0.5 else draw.ellipse)(box, fill=colour)
    for _ in range(40):
        draw.text((rng.randrange(width), rng.randrange(height)), "CareCover 12345", fill="black")
    return image


def checkerboard(width: int = 1200, height: int = 900, square: int = 32) -> Image.Image:
    image = Image.new("RGB", (width, height), (200, 200, 200))
    draw = ImageDraw.Draw(image)
    for top in range(0, height, square):
        for left in range(0, width, square):
            if (left // square + top // square) % 2:
                draw.rectangle((left, top, left + square - 1, top + square - 1), fill=(40, 40, 40))
    return image


def encode(image: Image.Image, fmt: str = "JPEG", **options: object) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


def rationals(*pairs: tuple[int, int]) -> tuple[IFDRational, ...]:
    return tuple(IFDRational(num, den) for num, den in pairs)


def camera_exif(
    *,
    taken: str | None = None,
    offset: str | None = None,
    lat: tuple[tuple[int, int], ...] | None = None,
    lat_ref: str = "N",
    lng: tuple[tuple[int, int], ...] | None = None,
    lng_ref: str = "E",
    orientation: int | None = None,
) -> Image.Exif:
    """EXIF written through Pillow's own API, as a phone would write it."""
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "TestPhone"
    if orientation is not None:
        exif[ExifTags.Base.Orientation] = orientation
    sub = exif.get_ifd(ExifTags.IFD.Exif)
    if taken is not None:
        sub[ExifTags.Base.DateTimeOriginal] = taken
    if offset is not None:
        sub[ExifTags.Base.OffsetTimeOriginal] = offset
    if lat is not None and lng is not None:
        gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
        gps[ExifTags.GPS.GPSLatitudeRef] = lat_ref
        gps[ExifTags.GPS.GPSLatitude] = rationals(*lat)
        gps[ExifTags.GPS.GPSLongitudeRef] = lng_ref
        gps[ExifTags.GPS.GPSLongitude] = rationals(*lng)
    return exif


Entry = tuple[int, int, int, bytes]  # tag, TIFF type, count, payload


def _ifd(entries: list[Entry], start: int) -> bytes:
    data_at = start + 2 + 12 * len(entries) + 4
    head, data = struct.pack("<H", len(entries)), b""
    for tag, kind, count, payload in sorted(entries):
        if len(payload) <= 4:
            value = payload.ljust(4, b"\0")
        else:
            value = struct.pack("<I", data_at + len(data))
            data += payload + b"\0" * (len(payload) % 2)
        head += struct.pack("<HHI", tag, kind, count) + value
    return head + struct.pack("<I", 0) + data


def raw_exif(ifd0: list[Entry], sub: list[Entry], gps: list[Entry]) -> bytes:
    """Hand-built little-endian EXIF, so that tags can carry any type and any value."""
    pointers = [(0x8769, 4, 1, b"\0\0\0\0"), (0x8825, 4, 1, b"\0\0\0\0")]
    first = _ifd(ifd0 + pointers, 8)
    sub_at = 8 + len(first)
    sub_block = _ifd(sub, sub_at)
    gps_at = sub_at + len(sub_block)
    pointers = [
        (0x8769, 4, 1, struct.pack("<I", sub_at)),
        (0x8825, 4, 1, struct.pack("<I", gps_at)),
    ]
    tiff = b"II*\0" + struct.pack("<I", 8) + _ifd(ifd0 + pointers, 8) + sub_block
    return b"Exif\0\0" + tiff + _ifd(gps, gps_at)


def ascii_entry(tag: int, text: str) -> Entry:
    payload = text.encode() + b"\0"
    return (tag, 2, len(payload), payload)


def rational_entry(tag: int, *pairs: tuple[int, int]) -> Entry:
    return (tag, 5, len(pairs), b"".join(struct.pack("<II", n, d) for n, d in pairs))


def png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def rejected_code(data: bytes, **limits: int) -> str:
    with pytest.raises(PhotoRejected) as caught:
        decode(data, **limits)
    assert str(caught.value) == caught.value.message
    return caught.value.code


def jpeg_markers(data: bytes) -> list[int]:
    """Marker bytes of the segments before the first scan."""
    markers, i = [], 2
    while data[i + 1] != 0xDA:
        markers.append(data[i + 1])
        i += 2 + int.from_bytes(data[i + 2 : i + 4], "big")
    return markers


# --- decoding ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("fmt", "expected"), [("JPEG", "jpeg"), ("PNG", "png"), ("WEBP", "webp")])
def test_accepts_jpeg_png_webp_by_content(fmt: str, expected: str) -> None:
    data = encode(scene(), fmt)
    photo = decode(data)
    assert (photo.format, photo.width, photo.height) == (expected, 800, 600)
    assert photo.image.mode == "RGB"
    assert photo.image.info == {}
    assert photo.byte_size == len(data)
    assert photo.original_sha256 == hashlib.sha256(data).hexdigest()


def test_refuses_empty_oversized_and_non_images() -> None:
    assert rejected_code(b"") == "photo.empty"
    blob = b"\xff\xd8\xff" + bytes(16 * 1024 * 1024)
    assert rejected_code(blob) == "photo.too_large"
    assert rejected_code(encode(scene()), max_bytes=1000) == "photo.too_large"
    # A text file "named" photo.jpg: only the content counts.
    assert rejected_code(b"this is not a photo, honest.jpg\n") == "photo.not_an_image"
    assert rejected_code(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n") == "photo.not_an_image"


@pytest.mark.parametrize("fmt", ["GIF", "BMP", "TIFF"])
def test_refuses_other_image_formats(fmt: str) -> None:
    assert rejected_code(encode(scene(), fmt)) == "photo.unsupported_format"


def test_refuses_heic_by_its_brand() -> None:
    heic = struct.pack(">I", 24) + b"ftypheic" + b"\0\0\0\0mif1heic" + bytes(64)
    with pytest.raises(PhotoRejected, match="HEIC") as caught:
        decode(heic)
    assert caught.value.code == "photo.unsupported_format"


def test_refuses_corrupt_and_truncated_files() -> None:
    assert rejected_code(b"\x89PNG\r\n\x1a\n" + b"garbage after the magic" * 20) == "photo.corrupt"
    jpeg = encode(scene())
    assert rejected_code(jpeg[: len(jpeg) * 6 // 10]) == "photo.corrupt"
    assert rejected_code(jpeg[:300]) == "photo.corrupt"  # header cut before the frame
    png = bytearray(encode(scene(), "PNG"))
    idat = png.index(b"IDAT")
    png[idat + 40 : idat + 80] = bytes(40)  # damaged compressed data, CRC now wrong
    assert rejected_code(bytes(png)) == "photo.corrupt"
    webp = encode(scene(), "WEBP")
    assert rejected_code(webp[: len(webp) // 2]) == "photo.corrupt"


def test_decompression_bomb_is_refused_from_the_header(monkeypatch: pytest.MonkeyPatch) -> None:
    # A genuine 20,000 x 20,000 1-bit PNG: 48 KB on disk, 400 million pixels decoded.
    rows = zlib.compressobj(9)
    row = bytes(1 + 20_000 // 8)
    idat = b"".join(rows.compress(row) for _ in range(20_000)) + rows.flush()
    bomb = (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", struct.pack(">IIBBBBB", 20_000, 20_000, 1, 0, 0, 0, 0))
        + png_chunk(b"IDAT", idat)
        + png_chunk(b"IEND", b"")
    )
    # The limit is ours, not Pillow's global: switching the global off changes nothing.
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", None)
    started = time.perf_counter()
    assert rejected_code(bomb) == "photo.too_many_pixels"
    assert time.perf_counter() - started < 0.5

    jpeg = bytearray(encode(scene(), "JPEG"))
    sof = jpeg.index(b"\xff\xc0")
    jpeg[sof + 5 : sof + 9] = struct.pack(">HH", 30_000, 30_000)
    assert rejected_code(bytes(jpeg)) == "photo.too_many_pixels"

    canvas = (16_000 - 1).to_bytes(3, "little") * 2
    webp = b"RIFF" + struct.pack("<I", 22) + b"WEBPVP8X" + struct.pack("<I", 10) + bytes(4) + canvas
    assert rejected_code(webp) == "photo.too_many_pixels"

    assert rejected_code(encode(scene(), "PNG"), max_pixels=100_000) == "photo.too_many_pixels"


def test_refuses_tiny_images() -> None:
    assert rejected_code(encode(Image.new("RGB", (20, 300), "grey"), "PNG")) == "photo.too_small"


@pytest.mark.parametrize("fmt", ["PNG", "WEBP"])
def test_refuses_animations(fmt: str) -> None:
    second = scene(seed=2)
    data = encode(scene(), fmt, save_all=True, append_images=[second])
    with pytest.raises(PhotoRejected, match="Animated") as caught:
        decode(data)
    assert caught.value.code == "photo.unsupported_format"


def test_multi_picture_jpeg_is_read_as_its_primary_image() -> None:
    data = encode(
        Image.new("RGB", (640, 480), "red"),
        "MPO",
        save_all=True,
        append_images=[Image.new("RGB", (640, 480), "blue")],
    )
    photo = decode(data)
    assert photo.format == "jpeg"
    assert photo.image.getpixel((320, 240)) == pytest.approx((254, 0, 0), abs=2)


def test_transparency_is_flattened_on_white_and_16_bit_grey_is_scaled() -> None:
    rgba = Image.new("RGBA", (100, 80), (0, 0, 0, 0))
    ImageDraw.Draw(rgba).rectangle((0, 0, 49, 79), fill=(0, 0, 255, 255))
    photo = decode(encode(rgba, "PNG"))
    assert photo.image.getpixel((10, 10)) == (0, 0, 255)
    assert photo.image.getpixel((90, 10)) == (255, 255, 255)

    grey16 = Image.fromarray(np.full((80, 100), 32_896, dtype=np.uint16))  # 128 * 257
    photo = decode(encode(grey16, "PNG"))
    assert photo.image.getpixel((5, 5)) == (128, 128, 128)


def test_icc_profiles_are_applied_or_ignored_when_broken() -> None:
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    image = Image.new("RGB", (100, 80), (200, 30, 60))
    converted = decode(encode(image, "PNG", icc_profile=srgb)).image.getpixel((5, 5))
    assert converted == pytest.approx((200, 30, 60), abs=2)
    broken = decode(encode(image, "PNG", icc_profile=b"not a profile" * 10))
    assert broken.image.getpixel((5, 5)) == (200, 30, 60)


# --- EXIF --------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_reads_capture_time_and_gps(fmt: str) -> None:
    exif = camera_exif(
        taken="2024:05:01 10:20:30", offset="+08:00", lat=SHANGHAI_DMS, lng=SHANGHAI_LNG_DMS
    )
    photo = decode(encode(scene(), fmt, exif=exif))
    assert photo.exif.present
    assert photo.exif.had_gps
    assert photo.exif.captured_at == datetime(2024, 5, 1, 2, 20, 30, tzinfo=UTC)
    assert photo.exif.captured_at.utcoffset() == timedelta(hours=8)
    assert photo.exif.gps is not None
    assert photo.exif.gps.lat == pytest.approx(31.2289333)
    assert photo.exif.gps.lng == pytest.approx(121.4739333)


def test_naive_capture_time_stays_naive_and_hemispheres_set_the_sign() -> None:
    exif = camera_exif(
        taken="2023:12:31 23:59:59",
        lat=((33, 1), (52, 1), (0, 1)),
        lat_ref="S",
        lng=((151, 1), (12, 1), (36, 1)),
        lng_ref="W",
    )
    photo = decode(encode(scene(), "PNG", exif=exif))
    assert photo.exif.captured_at == datetime(2023, 12, 31, 23, 59, 59)  # noqa: DTZ001
    assert photo.exif.captured_at.tzinfo is None
    assert photo.exif.gps is not None
    assert photo.exif.gps.lat == pytest.approx(-33.8666667)
    assert photo.exif.gps.lng == pytest.approx(-151.21)


def test_zero_denominators_and_missing_references_give_no_position() -> None:
    exif = camera_exif(lat=((39, 1), (54, 0), (0, 1)), lng=((116, 1), (23, 1), (0, 1)))
    photo = decode(encode(scene(), exif=exif))
    assert photo.exif.had_gps
    assert photo.exif.gps is None
    assert parse_gps({2: rationals((39, 1)), 4: rationals((116, 1))}) is None  # no N/E given
    assert parse_gps({1: "N", 2: rationals((0, 1)), 3: "E", 4: rationals((0, 1))}) is None
    assert parse_gps({1: "N", 2: ((39, 2),), 3: "e", 4: (116.5,)}) == Point(19.5, 116.5)


# Pillow warns about the broken blocks it skips; the photo is still accepted.
@pytest.mark.filterwarnings("ignore:Corrupt EXIF data:UserWarning")
@pytest.mark.filterwarnings("ignore:Tag data larger than file:UserWarning")
def test_garbage_exif_is_ignored_field_by_field() -> None:
    garbage = raw_exif(
        ifd0=[ascii_entry(0x0112, "sideways"), ascii_entry(0x010F, "TestPhone")],
        sub=[(0x9003, 3, 1, struct.pack("<H", 7)), ascii_entry(0x9011, "+99:00")],
        gps=[
            ascii_entry(1, "Q"),
            ascii_entry(2, "39.9"),
            ascii_entry(3, "E"),
            rational_entry(4, (500, 1), (0, 1), (0, 1)),
        ],
    )
    photo = decode(encode(scene(), exif=garbage))
    assert photo.exif.present
    assert photo.exif.had_gps
    assert (photo.exif.captured_at, photo.exif.gps, photo.exif.orientation) == (None, None, 1)

    for block in (
        b"Exif\0\0" + b"\xde\xad\xbe\xef" * 16,  # not TIFF at all
        b"Exif\0\0II*\0" + struct.pack("<I", 0x7FFF_FFF0),  # IFD far past the end
        raw_exif([(0x0112, 3, 0x0FFF_FFFF, b"\xff\xff\xff\x7f")], [], []),  # absurd count
    ):
        photo = decode(encode(scene(), exif=block))
        assert (photo.exif.captured_at, photo.exif.gps, photo.exif.orientation) == (None, None, 1)


@pytest.mark.parametrize(
    ("value", "offset", "expected"),
    [
        ("2024:02:29 12:00:00", "-05:30", datetime(2024, 2, 29, 17, 30, tzinfo=UTC)),
        ("2024-02-29T12:00:00", None, datetime(2024, 2, 29, 12, 0)),  # noqa: DTZ001
        (b"2024:02:29 12:00:00\x00", "+15:00", datetime(2024, 2, 29, 12, 0)),  # noqa: DTZ001
        ("2023:02:29 12:00:00", "+08:00", None),
        ("2024:13:45 99:99:99", None, None),
        ("0000:00:00 00:00:00", None, None),
        ("    :  :     :  :  ", None, None),
        (20240229, None, None),
        (None, "+08:00", None),
    ],
)
def test_capture_time_parsing(value: object, offset: object, expected: datetime | None) -> None:
    assert parse_capture_time(value, offset) == expected


def test_orientation_is_applied() -> None:
    sensor = Image.new("RGB", (200, 100), "white")
    ImageDraw.Draw(sensor).rectangle((0, 0, 19, 19), fill="red")  # top-left as stored
    photo = decode(encode(sensor, "PNG", exif=camera_exif(orientation=6)))
    assert (photo.width, photo.height) == (100, 200)
    assert photo.exif.orientation == 6
    assert photo.image.getpixel((95, 5)) == (255, 0, 0)  # rotated 90° clockwise: top-right
    assert photo.image.getpixel((5, 5)) == (255, 255, 255)


# --- the stored copy ---------------------------------------------------------------------------


def test_clean_jpeg_has_no_metadata_at_all() -> None:
    exif = camera_exif(
        taken="2024:05:01 10:20:30",
        offset="+08:00",
        lat=SHANGHAI_DMS,
        lng=SHANGHAI_LNG_DMS,
        orientation=6,
    )
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    xmp = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><exif:GPSLatitude>31,13.736N</exif:GPSLatitude>'
    xmp += b"</x:xmpmeta>"
    original = encode(
        scene(), exif=exif, comment=b"owner phone 13800138000", icc_profile=srgb, xmp=xmp
    )
    for marker in (b"Exif\0\0", b"13800138000", b"ICC_PROFILE", b"GPSLatitude"):
        assert marker in original

    cleaned = clean_jpeg(decode(original))
    for marker in (b"Exif", b"13800138000", b"ICC_PROFILE", b"GPSLatitude", b"xmpmeta"):
        assert marker not in cleaned
    assert set(jpeg_markers(cleaned)) <= {0xE0, 0xDB, 0xC0, 0xC4}  # JFIF, tables and frame only
    with Image.open(io.BytesIO(cleaned)) as stored:
        assert stored.format == "JPEG"
        assert (stored.width, stored.height) == (600, 800)  # upright, as the orientation said
        assert len(stored.getexif()) == 0
        assert not {"exif", "icc_profile", "xmp", "comment"} & set(stored.info)


def test_clean_jpeg_limits_the_long_side() -> None:
    photo = decode(encode(checkerboard(3000, 2000, 100), quality=80))
    with Image.open(io.BytesIO(clean_jpeg(photo))) as stored:
        assert stored.size == (2560, 1707)
    with Image.open(io.BytesIO(clean_jpeg(photo, max_side=1000, quality=70))) as stored:
        assert stored.size == (1000, 667)


# --- quality -----------------------------------------------------------------------------------


@pytest.mark.parametrize("make", [checkerboard, scene])
def test_blur_threshold_separates_sharp_from_blurred(make: object) -> None:
    assert callable(make)
    sharp: Image.Image = make()
    blurred = sharp.filter(ImageFilter.GaussianBlur(4))
    threshold = QualityRules().blur_threshold
    sharp_quality = assess_quality(decode(encode(sharp, "PNG")))
    blurred_quality = assess_quality(decode(encode(blurred, "PNG")))
    assert sharp_quality.blur_variance > 2 * threshold
    assert blurred_quality.blur_variance < threshold / 2
    assert "blurry" not in sharp_quality.problems
    assert "blurry" in blurred_quality.problems


def test_exposure_and_size_problems() -> None:
    good = assess_quality(decode(encode(scene(), "PNG")))
    assert good.problems == ()
    assert 40 < good.brightness < 220
    assert (good.width, good.height) == (800, 600)

    dark = np.asarray(scene(), dtype=np.float64) * 0.08
    night = assess_quality(decode(encode(Image.fromarray(dark.astype(np.uint8)), "PNG")))
    assert "too_dark" in night.problems
    assert night.dark_fraction > 0.9

    glare = 255 - (255 - np.asarray(scene(), dtype=np.float64)) * 0.08
    washed = assess_quality(decode(encode(Image.fromarray(glare.astype(np.uint8)), "PNG")))
    assert "too_bright" in washed.problems
    assert washed.bright_fraction > 0.9

    small = assess_quality(decode(encode(scene(600, 400), "PNG")))
    assert small.problems == ("too_small",)
    portrait = assess_quality(decode(encode(scene(480, 640), "PNG")))
    assert "too_small" not in portrait.problems


# --- perceptual hashes -------------------------------------------------------------------------


def test_same_picture_stays_within_the_reuse_threshold() -> None:
    original = scene(1024, 768, seed=7)
    base = perceptual_hash(decode(encode(original, quality=95)))
    variants = [
        encode(original, quality=40),
        encode(original.resize((512, 384), Image.Resampling.LANCZOS), "PNG"),
        encode(ImageEnhance.Brightness(original).enhance(1.1), "WEBP", quality=80),
    ]
    for variant in variants:
        other = perceptual_hash(decode(variant))
        assert hamming(base, other) <= 6
        assert is_reuse(base, other)
    for seed in (8, 9, 10):
        unrelated = perceptual_hash(decode(encode(scene(1024, 768, seed=seed))))
        assert hamming(base, unrelated) > 16
        assert not is_reuse(base, unrelated)


def test_average_hash_and_hamming_bounds() -> None:
    photo = decode(encode(scene(), "PNG"))
    assert 0 <= average_hash(photo) < 1 << 64
    assert 0 <= perceptual_hash(photo) < 1 << 64
    assert hamming(0, (1 << 64) - 1) == 64
    assert is_reuse(0b1011, 0b0000, threshold=3)
    assert not is_reuse(0b1011, 0, threshold=2)
    with pytest.raises(ValueError, match="64-bit"):
        hamming(-1, 0)
    with pytest.raises(ValueError, match="64-bit"):
        hamming(0, 1 << 64)


# --- intake ------------------------------------------------------------------------------------

LOSS = datetime(2024, 5, 1, 2, 0, tzinfo=UTC)  # 10:00 in Beijing


def test_intake_of_a_clean_consistent_photo() -> None:
    exif = camera_exif(
        taken="2024:05:01 10:40:00",
        offset="+08:00",
        lat=((39, 1), (54, 1), (1512, 100)),
        lng=((116, 1), (24, 1), (2664, 100)),
    )
    data = encode(scene(), exif=exif)
    result = intake(data, reported_at=LOSS, reported_point=BEIJING)
    assert result.flags == ()
    assert (result.format, result.width, result.height) == ("jpeg", 800, 600)
    assert result.taken_at == datetime(2024, 5, 1, 2, 40, tzinfo=UTC)
    assert result.capture_offset_hours == pytest.approx(40 / 60)
    assert result.distance_km is not None
    assert result.distance_km < 1.0
    assert result.original_sha256 == hashlib.sha256(data).hexdigest()
    assert result.sha256 == hashlib.sha256(result.cleaned).hexdigest()
    assert result.sha256 != result.original_sha256
    assert result.phash == perceptual_hash(decode(data))
    assert result.ahash == average_hash(decode(data))
    assert b"Exif" not in result.cleaned
    summary = result.quality_summary()
    assert summary["problems"] == []
    assert summary["blur_variance"] == round(result.quality.blur_variance, 1)


def test_intake_flags_time_and_place_mismatches_as_data() -> None:
    exif = camera_exif(
        taken="2024:04:28 10:00:00", offset="+08:00", lat=SHANGHAI_DMS, lng=SHANGHAI_LNG_DMS
    )
    dark = Image.fromarray((np.asarray(scene(600, 400), dtype=np.float64) * 0.08).astype(np.uint8))
    result = intake(encode(dark, exif=exif), reported_at=LOSS, reported_point=BEIJING)
    # Flags are data: everything wrong with the photo comes back, nothing is raised.
    assert result.flags == (
        "exif_time_mismatch",
        "exif_place_mismatch",
        "too_small",
        "blurry",  # so little contrast left that no edge survives
        "too_dark",
    )
    assert result.capture_offset_hours == pytest.approx(-72.0)
    assert result.distance_km == pytest.approx(1068, abs=5)


@pytest.mark.parametrize(
    ("taken", "flagged"),
    [
        ("2024:05:01 09:30:00", False),  # half an hour before the stated loss time
        ("2024:05:01 08:30:00", True),  # 90 minutes before: damage older than the loss
        ("2024:05:03 09:00:00", False),  # 47 hours after
        ("2024:05:03 11:00:00", True),  # 49 hours after
    ],
)
def test_naive_capture_times_are_compared_as_china_time(taken: str, flagged: bool) -> None:
    result = intake(
        encode(scene(), exif=camera_exif(taken=taken)), reported_at=LOSS, reported_point=None
    )
    assert result.exif.captured_at is not None
    assert result.exif.captured_at.tzinfo is None
    assert result.taken_at is not None
    assert result.taken_at.utcoffset() == timedelta(hours=8)
    assert result.taken_at.tzinfo == CHINA_TZ
    assert ("exif_time_mismatch" in result.flags) is flagged


def test_intake_without_references_or_exif_raises_no_flags() -> None:
    exif = camera_exif(taken="2020:01:01 00:00:00", lat=SHANGHAI_DMS, lng=SHANGHAI_LNG_DMS)
    assert intake(encode(scene(), exif=exif), reported_at=None, reported_point=None).flags == ()
    plain = intake(encode(scene(), "PNG"), reported_at=LOSS, reported_point=BEIJING)
    assert plain.flags == ()
    assert plain.taken_at is None
    assert plain.distance_km is None
    assert not plain.exif.present


def test_intake_rules_and_limits() -> None:
    far = camera_exif(lat=((39, 1), (0, 1), (0, 1)), lng=((116, 1), (24, 1), (0, 1)))
    data = encode(scene(), exif=far)
    assert intake(data, reported_at=None, reported_point=BEIJING).flags == ("exif_place_mismatch",)
    relaxed = IntakeRules(max_distance_km=150.0)
    assert intake(data, reported_at=None, reported_point=BEIJING, rules=relaxed).flags == ()
    with pytest.raises(PhotoRejected) as caught:
        intake(data, reported_at=None, reported_point=None, max_bytes=100)
    assert caught.value.code == "photo.too_large"
    with pytest.raises(ValueError, match="timezone-aware"):
        intake(data, reported_at=datetime(2024, 5, 1), reported_point=None)  # noqa: DTZ001
    shifted = timezone(timedelta(hours=-5))
    late = intake(data, reported_at=LOSS.astimezone(shifted), reported_point=None)
    assert late.flags == ()
