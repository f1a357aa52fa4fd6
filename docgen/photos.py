"""Evidence photos: checking phone photos and making upright, EXIF-free print copies."""
from __future__ import annotations

import io
import math
import struct
import warnings
import zlib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from PIL import ExifTags, Image, ImageOps, UnidentifiedImageError

# Only these decoders are ever tried: fewer parsers run on untrusted uploads. Phones'
# multi-picture JPEGs open through the JPEG plugin too (Pillow then calls them "MPO").
_FORMATS = ("JPEG", "PNG", "WEBP", "TIFF", "BMP", "GIF")
_EXIF_TIME = "%Y:%m:%d %H:%M:%S"
# What a decoder raises for damaged data (Pillow is not consistent about it).
_CORRUPT = (OSError, SyntaxError, ValueError, EOFError, struct.error, zlib.error)


class PhotoError(ValueError):
    """A photo that cannot be used; the message says why, in Chinese, naming the file."""


@dataclass(frozen=True)
class PhotoLimits:
    max_bytes: int = 30 * 1024 * 1024
    max_pixels: int = 60_000_000  # checked from the header, before any pixel is decoded


@dataclass(frozen=True)
class PhotoInfo:
    width: int  # upright, i.e. after EXIF orientation
    height: int
    format: str
    taken_at: datetime | None  # naive local time, as the camera wrote it
    gps: tuple[float, float] | None  # (lat, lon) in decimal degrees, negative for S/W
    orientation: int  # EXIF orientation tag, 1 when absent


def inspect_photo(path: Path, limits: PhotoLimits = PhotoLimits()) -> PhotoInfo:
    """Check that the photo is usable and read its size and EXIF facts.

    A JPEG is decoded at 1/8 scale: every byte of it is still read and checked, at a fraction
    of the cost of full decoding (a trip has hundreds of photos).
    """
    with _load_checked(Path(path), limits, draft_side=1) as im:
        return _info(im)


def inspect_photo_bytes(data: bytes, name: str, limits: PhotoLimits = PhotoLimits()) -> PhotoInfo:
    """inspect_photo for an upload held in memory; a problem names the upload, not the
    temporary file it was checked in."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "upload"
        path.write_bytes(data)
        try:
            return inspect_photo(path, limits)
        except PhotoError as exc:
            raise PhotoError(str(exc).replace(str(path), name)) from None


def _info(im: Image.Image) -> PhotoInfo:
    exif = im.getexif()
    orientation = exif.get(ExifTags.Base.Orientation, 1)
    if orientation not in range(1, 9):
        orientation = 1  # exif_transpose ignores such values, so do we
    width, height = im.info.get("stored_size", im.size)
    if orientation >= 5:  # 5-8 turn the picture by 90 degrees
        width, height = height, width
    return PhotoInfo(
        width=width,
        height=height,
        # A multi-picture JPEG is an ordinary .jpg to everyone but Pillow.
        format="JPEG" if im.format == "MPO" else str(im.format),
        taken_at=_taken_at(exif),
        gps=_gps(exif.get_ifd(ExifTags.IFD.GPSInfo)),
        orientation=orientation,
    )


@dataclass(frozen=True)
class PrintCopy:
    jpeg: bytes
    width: int
    height: int
    info: PhotoInfo  # of the original (its EXIF time and place go in the caption)


def print_copy(
    path: Path,
    max_side: int = 1600,
    quality: int = 85,
    limits: PhotoLimits = PhotoLimits(),
) -> PrintCopy:
    """An upright RGB JPEG, longest side <= max_side, without EXIF; the original is only read."""
    with _load_checked(Path(path), limits, draft_side=max_side) as im:
        info = _info(im)
        upright = ImageOps.exif_transpose(im)
    if upright.has_transparency_data:
        rgba = upright.convert("RGBA")
        upright = Image.new("RGB", rgba.size, "white")
        upright.paste(rgba, mask=rgba.getchannel("A"))
    else:
        upright = upright.convert("RGB")
    # never enlarges; reducing_gap shrinks by whole factors first, then filters (much faster)
    upright.thumbnail((max_side, max_side), Image.Resampling.BICUBIC, reducing_gap=2.0)
    out = io.BytesIO()
    # No exif= argument, so nothing (GPS included) is carried over; baseline is the default.
    upright.save(out, "JPEG", quality=quality, optimize=True)
    return PrintCopy(out.getvalue(), upright.width, upright.height, info)


def _load_checked(path: Path, limits: PhotoLimits, draft_side: int | None = None) -> Image.Image:
    """Open and fully decode the photo, turning every way it can be unusable into PhotoError.

    The caller must close the returned image (multi-frame files keep their file open).
    """
    if not path.exists():
        raise PhotoError(f"照片文件不存在：{path}")
    if not path.is_file():
        raise PhotoError(f"不是照片文件（是目录或特殊文件）：{path}")
    size = path.stat().st_size
    if size > limits.max_bytes:
        raise PhotoError(f"文件过大（{_mb(size)} MB，上限 {_mb(limits.max_bytes)} MB）：{path}")
    with warnings.catch_warnings():
        # Pillow only *warns* between 1x and 2x its own pixel limit, which would let a
        # bomb through to decoding; make it an exception we can turn into PhotoError.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            im = Image.open(path, formats=_FORMATS)
        except UnidentifiedImageError:
            raise PhotoError(
                f"无法识别的图片文件（可能已损坏，或不是 JPEG/PNG 等照片格式）：{path}"
            ) from None
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise _pillow_bomb(path, limits) from None
        except OSError as exc:
            raise PhotoError(f"无法读取照片文件（{exc.strerror or exc}）：{path}") from None
        try:
            pixels = im.width * im.height
            if pixels > limits.max_pixels:
                raise PhotoError(
                    f"图片像素过多（{_wan(pixels)} 万像素，上限 {_wan(limits.max_pixels)} 万）：{path}"
                )
            im.info["stored_size"] = im.size  # draft() below shrinks im.size
            if draft_side:
                # Let libjpeg decode big JPEGs at 1/2, 1/4 or 1/8 scale, keeping the longest
                # side >= draft_side; the orientation tag is untouched. Other formats ignore it.
                scale = min(1.0, draft_side / max(*im.size, 1))
                im.draft("RGB", (math.ceil(im.width * scale), math.ceil(im.height * scale)))
            try:
                # Decode everything now: truncated or corrupt data must fail here, not later.
                im.load()
            except (Image.DecompressionBombError, Image.DecompressionBombWarning):
                raise _pillow_bomb(path, limits) from None  # e.g. a GIF frame over its canvas
            except _CORRUPT as exc:
                raise PhotoError(f"图片数据不完整或已损坏：{path}") from exc
        except BaseException:
            im.close()
            raise
    return im


def _pillow_bomb(path: Path, limits: PhotoLimits) -> PhotoError:
    # Pillow refused before telling us the size; its own limit is then the one exceeded.
    limit = min(limits.max_pixels, Image.MAX_IMAGE_PIXELS or limits.max_pixels)
    return PhotoError(f"图片像素过多（超过 {_wan(limit)} 万像素上限，疑似解压炸弹）：{path}")


def _taken_at(exif: Image.Exif) -> datetime | None:
    stamp = exif.get_ifd(ExifTags.IFD.Exif).get(ExifTags.Base.DateTimeOriginal)
    for value in (stamp, exif.get(ExifTags.Base.DateTime)):
        if isinstance(value, str):
            try:
                return datetime.strptime(value.strip("\x00 "), _EXIF_TIME)
            except ValueError:
                pass  # cameras write blanks or "0000:00:00 00:00:00" when the clock is unset
    return None


def _gps(gps: dict[int, object]) -> tuple[float, float] | None:
    lat = _degrees(gps.get(ExifTags.GPS.GPSLatitude), gps.get(ExifTags.GPS.GPSLatitudeRef), "S")
    lon = _degrees(gps.get(ExifTags.GPS.GPSLongitude), gps.get(ExifTags.GPS.GPSLongitudeRef), "W")
    if lat is None or lon is None or abs(lat) > 90 or abs(lon) > 180:
        return None
    return lat, lon


def _degrees(dms: object, ref: object, negative_ref: str) -> float | None:
    """(degrees, minutes, seconds) rationals to decimal degrees; None if unusable."""
    if not isinstance(dms, tuple) or len(dms) != 3:
        return None
    try:
        d, m, s = (float(part) for part in dms)
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    value = d + m / 60 + s / 3600
    if not math.isfinite(value):  # a 0/0 rational reads as NaN
        return None
    if isinstance(ref, bytes):
        ref = ref.decode("ascii", "replace")
    return -value if isinstance(ref, str) and ref.strip("\x00 ").upper() == negative_ref else value


def _wan(pixels: int) -> str:
    return f"{pixels / 10_000:.2f}".rstrip("0").rstrip(".")  # 60_000_000 -> '6000'


def _mb(size: int) -> str:
    return f"{size / 2**20:.2f}".rstrip("0").rstrip(".")  # 31_981_568 -> '30.5'
