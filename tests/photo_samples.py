"""Photos for the image tests: real photographs from scikit-image, and hostile files."""

from __future__ import annotations

import io
import struct
import zlib

from PIL import Image, ImageEnhance


def photo(name: str = "astronaut", width: int = 640) -> Image.Image:
    """One of scikit-image's sample photographs, in RGB, ``width`` pixels wide."""
    import skimage.data

    image = Image.fromarray(getattr(skimage.data, name)()).convert("RGB")
    height = round(width * image.height / image.width)
    return image.resize((width, height), Image.Resampling.LANCZOS)


def jpeg(image: Image.Image, quality: int = 88, **save: object) -> bytes:
    out = io.BytesIO()
    image.convert("RGB").save(out, "JPEG", quality=quality, **save)
    return out.getvalue()


def png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def repost_copy(image: Image.Image) -> bytes:
    """What a reposter's phone does: crop 3 %, scale to 60 %, 5 % brighter, re-encode."""
    width, height = image.size
    cut = image.crop((int(0.02 * width), int(0.01 * height), int(0.99 * width), height))
    small = cut.resize((int(cut.width * 0.6), int(cut.height * 0.6)), Image.Resampling.BILINEAR)
    return jpeg(ImageEnhance.Brightness(small).enhance(1.05), quality=65)


def _chunk(kind: bytes, data: bytes) -> bytes:
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))


def png_bomb(side: int = 20000) -> bytes:
    """A grayscale PNG of ``side`` x ``side`` pixels, all black: a few hundred KB that
    would decode to ``side**2`` bytes."""
    row = b"\x00" * (side + 1)  # filter byte + pixels
    packer = zlib.compressobj(9)
    parts = [packer.compress(row) for _ in range(side)]
    parts.append(packer.flush())
    header = struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", b"".join(parts))
        + _chunk(b"IEND", b"")
    )


SVG = (
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="400" '
    b'height="300"><rect width="400" height="300" fill="red"/></svg>'
)
HTML = b"<!DOCTYPE html><html><head><title>Not found</title></head><body>nope</body></html>"
