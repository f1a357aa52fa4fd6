from __future__ import annotations

import hashlib
import io
import random
import struct
import zlib
from datetime import datetime
from functools import partial
from pathlib import Path

import pytest
from PIL import ExifTags, Image
from PIL.TiffImagePlugin import IFDRational

from docgen.photos import PhotoError, PhotoLimits, inspect_photo, print_copy

SAMPLES = Path(__file__).resolve().parents[2] / "docgen" / "demo" / "photos"  # shared/samples' photos
RED, BLUE, WHITE = (255, 0, 0), (0, 0, 255), (255, 255, 255)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _open_copy(data: bytes) -> Image.Image:
    copy = Image.open(io.BytesIO(data))
    copy.load()
    return copy


def _near(pixel: tuple[int, ...], colour: tuple[int, int, int]) -> bool:
    return all(abs(a - b) < 40 for a, b in zip(pixel, colour))  # JPEG is lossy


def _rotated_phone_photo(path: Path) -> Path:
    """400x200 stored pixels, red marker in the stored top-left, EXIF orientation 6."""
    im = Image.new("RGB", (400, 200), BLUE)
    im.paste(RED, (0, 0, 120, 120))
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6
    im.save(path, "JPEG", exif=exif)
    return path


def _png_declaring(path: Path, width: int, height: int) -> Path:
    """A tiny PNG whose header claims a huge canvas: the classic decompression bomb."""
    buf = io.BytesIO()
    Image.new("1", (1, 1)).save(buf, "PNG")
    data = bytearray(buf.getvalue())
    # IHDR follows the 8-byte signature: length, b"IHDR", width, height, ..., CRC(type + data).
    data[16:24] = struct.pack(">II", width, height)
    data[29:33] = struct.pack(">I", zlib.crc32(data[12:29]))
    path.write_bytes(data)
    return path


def test_rotated_phone_photo_is_reported_with_its_upright_size(tmp_path):
    info = inspect_photo(_rotated_phone_photo(tmp_path / "site.jpg"))

    assert (info.width, info.height, info.orientation, info.format) == (200, 400, 6, "JPEG")


# max_side=100 also makes the JPEG decoder draft at 1/4 scale before the turn.
@pytest.mark.parametrize("max_side, upright_size", [(1600, (200, 400)), (100, (50, 100))])
def test_print_copy_is_upright_and_the_original_is_untouched(tmp_path, max_side, upright_size):
    path = _rotated_phone_photo(tmp_path / "site.jpg")
    before = _sha256(path)

    c = print_copy(path, max_side=max_side)
    data, width, height = c.jpeg, c.width, c.height

    copy = _open_copy(data)
    assert copy.size == (width, height) == upright_size
    w, h = copy.size
    # Turning 90 degrees clockwise takes the stored top-left corner to the top-right.
    assert _near(copy.getpixel((int(w * 0.9), int(h * 0.1))), RED)
    for corner in [(0.1, 0.1), (0.1, 0.9), (0.9, 0.9)]:
        assert _near(copy.getpixel((int(w * corner[0]), int(h * corner[1]))), BLUE)
    assert _sha256(path) == before


def test_print_copy_is_a_baseline_jpeg_without_exif(tmp_path):
    path = tmp_path / "gps.jpg"
    exif = Image.Exif()
    exif.get_ifd(ExifTags.IFD.GPSInfo)[ExifTags.GPS.GPSLatitudeRef] = "N"
    Image.new("RGB", (300, 200), BLUE).save(path, "JPEG", exif=exif, progressive=True)

    copy = _open_copy(print_copy(path).jpeg)

    assert copy.format == "JPEG" and copy.mode == "RGB"
    assert "exif" not in copy.info and not copy.getexif()
    assert "progressive" not in copy.info


def test_taking_time_and_gps_are_read_from_exif(tmp_path):
    path = tmp_path / "site.jpg"
    exif = Image.Exif()
    exif[ExifTags.Base.DateTime] = "2023:03:16 08:00:00"  # when edited; must lose to the original
    exif.get_ifd(ExifTags.IFD.Exif)[ExifTags.Base.DateTimeOriginal] = "2023:03:15 10:21:33"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "S"
    gps[ExifTags.GPS.GPSLatitude] = (IFDRational(33), IFDRational(51), IFDRational(5436, 100))
    gps[ExifTags.GPS.GPSLongitudeRef] = "W"
    gps[ExifTags.GPS.GPSLongitude] = (IFDRational(151), IFDRational(12), IFDRational(30))
    Image.new("RGB", (64, 48)).save(path, "JPEG", exif=exif)

    info = inspect_photo(path)

    assert info.taken_at == datetime(2023, 3, 15, 10, 21, 33)
    assert info.gps == pytest.approx((-(33 + 51 / 60 + 54.36 / 3600), -(151 + 12 / 60 + 30 / 3600)))


def test_taking_time_falls_back_to_datetime_and_missing_exif_reads_as_none(tmp_path):
    with_datetime, plain = tmp_path / "a.jpg", tmp_path / "b.jpg"
    exif = Image.Exif()
    exif[ExifTags.Base.DateTime] = "2023:03:16 08:00:00"
    Image.new("RGB", (64, 48)).save(with_datetime, "JPEG", exif=exif)
    Image.new("RGB", (64, 48)).save(plain, "JPEG")

    assert inspect_photo(with_datetime).taken_at == datetime(2023, 3, 16, 8, 0, 0)
    info = inspect_photo(plain)
    assert (info.taken_at, info.gps, info.orientation) == (None, None, 1)


@pytest.mark.parametrize(
    "stored, expected",
    [((4000, 3000), (1600, 1200)), ((3000, 4000), (1200, 1600)), ((300, 200), (300, 200))],
    ids=["landscape", "portrait", "small-not-upscaled"],
)
def test_print_copy_fits_the_longest_side_and_never_enlarges(tmp_path, stored, expected):
    path = tmp_path / "photo.jpg"
    Image.new("RGB", stored, BLUE).save(path, "JPEG")

    c = print_copy(path)
    data, width, height = c.jpeg, c.width, c.height

    assert (width, height) == expected == _open_copy(data).size


@pytest.mark.parametrize("mode", ["RGBA", "P"])
def test_png_with_transparency_is_flattened_on_white(tmp_path, mode):
    path = tmp_path / "seal.png"
    im = Image.new("RGBA", (300, 200), (0, 0, 0, 0))
    im.paste((*RED, 255), (0, 0, 100, 100))
    if mode == "P":
        im = im.convert("P")  # Pillow keeps the transparent colour as a palette index
    im.save(path, "PNG")

    info = inspect_photo(path)
    c = print_copy(path)

    assert (info.format, info.width, info.height) == ("PNG", 300, 200)
    assert (c.width, c.height) == (300, 200)
    copy = _open_copy(c.jpeg)
    assert _near(copy.getpixel((50, 50)), RED)
    assert _near(copy.getpixel((250, 150)), WHITE)


def test_multi_picture_jpeg_counts_as_jpeg(tmp_path):
    path = tmp_path / "mpo.jpg"
    Image.new("RGB", (64, 48), RED).save(
        path, "MPO", save_all=True, append_images=[Image.new("RGB", (64, 48), BLUE)]
    )

    assert inspect_photo(path).format == "JPEG"
    assert _near(_open_copy(print_copy(path).jpeg).getpixel((32, 24)), RED)


def _missing(tmp_path):
    return tmp_path / "nope.jpg"


def _directory(tmp_path):
    return tmp_path


def _text_named_jpg(tmp_path):
    path = tmp_path / "note.jpg"
    path.write_text("这不是图片", encoding="utf-8")
    return path


def _ppm(tmp_path):
    path = tmp_path / "scan.ppm"
    Image.new("RGB", (64, 48)).save(path, "PPM")
    return path


def _truncated_jpeg(tmp_path):
    path = tmp_path / "cut.jpg"
    noise = random.Random(0).randbytes(600 * 400 * 3)  # noise keeps the scan data large
    Image.frombytes("RGB", (600, 400), noise).save(path, "JPEG")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path


def _small_jpeg(tmp_path):
    path = tmp_path / "small.jpg"
    Image.new("RGB", (400, 300), BLUE).save(path, "JPEG")
    return path


def _bomb(width, height):
    return lambda tmp_path: _png_declaring(tmp_path / "bomb.png", width, height)


BAD_PHOTOS = [
    pytest.param(_missing, PhotoLimits(), "照片文件不存在", id="missing"),
    pytest.param(_directory, PhotoLimits(), "不是照片文件", id="directory"),
    pytest.param(_text_named_jpg, PhotoLimits(), "无法识别的图片文件", id="text-named-jpg"),
    pytest.param(_ppm, PhotoLimits(), "无法识别的图片文件", id="format-not-accepted"),
    pytest.param(_truncated_jpeg, PhotoLimits(), "不完整或已损坏", id="truncated-jpeg"),
    pytest.param(_small_jpeg, PhotoLimits(max_bytes=1000), "文件过大", id="over-max-bytes"),
    pytest.param(_small_jpeg, PhotoLimits(max_pixels=100_000), "图片像素过多", id="over-max-pixels"),
    # 64 Mpx is under Pillow's own limit, so only our header check stops it; at 100 Mpx
    # Pillow merely warns and at 400 Mpx it raises: both must become PhotoError too.
    pytest.param(_bomb(8000, 8000), PhotoLimits(), "图片像素过多", id="bomb-64Mpx"),
    pytest.param(_bomb(10000, 10000), PhotoLimits(), "图片像素过多", id="bomb-100Mpx"),
    pytest.param(_bomb(20000, 20000), PhotoLimits(), "图片像素过多", id="bomb-400Mpx"),
]


@pytest.mark.parametrize("make, limits, problem", BAD_PHOTOS)
@pytest.mark.parametrize(
    "check",
    [inspect_photo, print_copy, partial(print_copy, max_side=64)],
    ids=["inspect_photo", "print_copy", "print_copy-drafted"],
)
def test_unusable_photo_is_refused_with_a_message_naming_the_problem(
    tmp_path, recwarn, make, limits, problem, check
):
    path = make(tmp_path)

    with pytest.raises(PhotoError, match=problem) as caught:
        check(path, limits=limits)
    assert str(path) in str(caught.value)
    assert not recwarn.list  # e.g. Pillow's DecompressionBombWarning must not leak out


def test_real_sample_photos_pass_inspection():
    photos = sorted(SAMPLES.glob("*.jpg"))
    assert len(photos) == 4, f"the demo photos are part of the repository: {SAMPLES}"

    infos = {path.name: inspect_photo(path) for path in photos}

    assert all(info.format == "JPEG" and info.taken_at and info.gps for info in infos.values())
    site = infos["site-0001.jpg"]
    assert (site.orientation, site.width, site.height) == (6, 3000, 4000)
    c = print_copy(SAMPLES / "site-0001.jpg")
    assert (c.width, c.height) == (1200, 1600)
