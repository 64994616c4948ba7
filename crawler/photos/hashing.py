"""Image checks and perceptual hashes: pure functions over an image's bytes.

:func:`inspect_image` takes the bytes a site served as a photo and either rejects them with a
reason (:class:`ImageRejected`: empty, too large, markup, SVG, unknown format, too many
pixels, too small, corrupt) or returns :class:`ImageFacts`: the SHA-256 of the bytes, the
64-bit pHash (the canonical hash, bit for bit the layout of ``imagehash.phash``), the 64-bit
dHash, both of the mirrored image, the pHash and dHash of a few crops of the image
(``CROP_BOXES``), and the dimensions.

The fast path: JPEGs are decoded at reduced size (Pillow's draft mode lets the JPEG decoder
scale by 1/2, 1/4 or 1/8 while it decodes, in grayscale), and every hash comes from one
64x64 grayscale square through fixed matrix products (resampling and DCT at once) instead
of a resize and two 32x32 FFT-based transforms per hash. The mirrored image's hashes need
no second decode: flipping an image left-right multiplies DCT column ``k`` by ``(-1)**k``,
and reverses the dHash's rows of pixels.

Hashes are plain ``int`` (unsigned 64-bit); :func:`hash_hex` gives the 16-digit form that
``str(imagehash.phash(...))`` prints.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass, field

import numpy as np
from PIL import Image

__all__ = [
    "CROP_BOXES",
    "ImageFacts",
    "ImageLimits",
    "ImageRejected",
    "hamming",
    "hash_hex",
    "hash_int",
    "inspect_image",
    "sniff_format",
    "to_signed",
    "to_unsigned",
]

#: Side of the grayscale square the pHash's DCT reads (imagehash: hash_size 8 x factor 4).
PHASH_SIDE = 32
#: Side of the grayscale square every hash is computed from (crops included).
GRID = 64
#: JPEGs are decoded at the smallest 1/2, 1/4 or 1/8 scale that is still at least this big.
DRAFT_SIDE = 128

#: Crops hashed besides the whole picture, as (left, top, right, bottom) fractions trimmed
#: from each edge: reposted copies are often cropped a little (or straightened, which crops
#: the corners), and pHash alone misses a crop of 5 % or more. A copy cropped about like one
#: of these boxes (centred, or towards a corner) hashes close to the box; see docs/IMAGES.md.
CROP_BOXES: tuple[tuple[float, float, float, float], ...] = (
    (0.04, 0.04, 0.04, 0.04),
    (0.07, 0.07, 0.0, 0.0),
    (0.0, 0.07, 0.07, 0.0),
    (0.0, 0.0, 0.07, 0.07),
    (0.07, 0.0, 0.0, 0.07),
)

# Magic numbers of the formats we hash.
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\xff\xd8\xff", "JPEG"),
    (b"\x89PNG\r\n\x1a\n", "PNG"),
    (b"GIF87a", "GIF"),
    (b"GIF89a", "GIF"),
    (b"BM", "BMP"),
)


class ImageRejected(Exception):
    """The bytes are not an image we hash; ``reason`` is a short stats-friendly word."""

    def __init__(self, reason: str, detail: str = ""):
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True)
class ImageLimits:
    """What an acceptable ad photo is (settings ``ADWATCH_IMAGE_*`` and ``IMAGES_MIN_*``)."""

    max_bytes: int = 10 * 1024 * 1024
    max_pixels: int = 40_000_000
    min_width: int = 80
    min_height: int = 80
    formats: frozenset[str] = frozenset({"JPEG", "PNG", "GIF", "WEBP", "BMP"})


@dataclass(frozen=True)
class ImageFacts:
    """What we keep about one image's content."""

    sha256: str
    phash: int
    phash_mirror: int
    dhash: int
    dhash_mirror: int
    width: int
    height: int
    format: str
    size: int
    #: (pHash, dHash) of each of CROP_BOXES
    crops: tuple[tuple[int, int], ...] = field(default=(), repr=False)


def sniff_format(data: bytes) -> str | None:
    """The format the first bytes announce (``JPEG``, ``PNG``, ``GIF``, ``WEBP``, ``BMP``),
    ``"SVG"`` or ``"HTML"`` for markup, or None."""
    for magic, name in _MAGIC:
        if data.startswith(magic):
            return name
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    head = data[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith(b"<"):
        return "SVG" if b"<svg" in head else "HTML"
    return None


def inspect_image(data: bytes, limits: ImageLimits | None = None) -> ImageFacts:
    """Check and hash one image's bytes; raises :class:`ImageRejected` with the reason.

    Never decodes more pixels than ``limits.max_pixels`` (the header's dimensions are read
    first; Pillow's own decompression-bomb guard stays on behind that).
    """
    limits = limits or ImageLimits()
    if not data:
        raise ImageRejected("empty")
    if len(data) > limits.max_bytes:
        raise ImageRejected("too_large", f"{len(data)} bytes")
    kind = sniff_format(data)
    if kind == "HTML":
        raise ImageRejected("html", "markup served as an image")
    if kind == "SVG":
        raise ImageRejected("svg", "vector images are not hashed")
    if kind is None or kind not in limits.formats:
        raise ImageRejected("unknown_format", kind or repr(data[:8]))
    try:
        image = Image.open(io.BytesIO(data))
    except Image.DecompressionBombError as exc:
        raise ImageRejected("too_many_pixels", str(exc)) from None
    except Exception as exc:  # UnidentifiedImageError, struct errors on a broken header
        raise ImageRejected("corrupt", f"{type(exc).__name__}: {exc}") from None
    width, height = image.size
    if width * height > limits.max_pixels:
        raise ImageRejected("too_many_pixels", f"{width}x{height}")
    orientation = _orientation(image)  # EXIF: how a phone's photo is turned upright
    if orientation in (5, 6, 7, 8):
        width, height = height, width
    if width < limits.min_width or height < limits.min_height:
        raise ImageRejected("too_small", f"{width}x{height}")
    try:
        pixels = _small_gray(image, orientation)
    except Image.DecompressionBombError as exc:
        raise ImageRejected("too_many_pixels", str(exc)) from None
    except Exception as exc:  # truncated or corrupt data: OSError, SyntaxError, ValueError
        raise ImageRejected("corrupt", f"{type(exc).__name__}: {exc}") from None
    phashes, dhashes, phash_mirror, dhash_mirror = _hashes(pixels)
    return ImageFacts(
        sha256=hashlib.sha256(data).hexdigest(),
        phash=int(phashes[0]),
        phash_mirror=phash_mirror,
        dhash=int(dhashes[0]),
        dhash_mirror=dhash_mirror,
        width=width,
        height=height,
        format=image.format or kind,
        size=len(data),
        crops=tuple((int(p), int(d)) for p, d in zip(phashes[1:], dhashes[1:], strict=True)),
    )


# ---------------------------------------------------------------- decoding


def _small_gray(image: Image.Image, orientation: int = 1) -> np.ndarray:
    """The picture as a GRID x GRID grayscale array (upright, transparency on white).

    JPEGs are decoded at reduced size; big pictures of other formats are reduced by an
    integer factor first (Pillow's ``reducing_gap``); then an antialiased triangle filter
    takes the picture to GRID x GRID, and the hashes' own Lanczos step (a matrix product,
    see :func:`_box_matrices`) to 32 x 32. Grayscale conversion and resizing are both
    linear, so resizing first costs less and hashes as imagehash's convert-then-resize does,
    up to rounding (within 2 bits on 155 of 156 real photos; see docs/IMAGES.md).
    """
    if image.format == "JPEG":
        image.draft("L", (DRAFT_SIDE, DRAFT_SIDE))
    image.load()  # an animated picture opens on its first frame
    transpose = _ORIENTATION.get(orientation)
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        small = rgba.resize((GRID, GRID), Image.Resampling.BILINEAR, reducing_gap=2.0)
        background = Image.new("RGBA", small.size, (255, 255, 255, 255))
        gray = Image.alpha_composite(background, small).convert("L")
    else:
        if image.mode not in ("L", "RGB", "I;16", "I", "F"):
            image = image.convert("RGB")
        small = image.resize((GRID, GRID), Image.Resampling.BILINEAR, reducing_gap=2.0)
        gray = small.convert("L")
    if transpose is not None:
        gray = gray.transpose(transpose)
    return np.asarray(gray, dtype=np.float32)


_ORIENTATION = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


def _orientation(image: Image.Image) -> int:
    if "exif" not in image.info:
        return 1
    try:
        return int(image.getexif().get(0x0112, 1))
    except Exception:
        return 1


# ---------------------------------------------------------------- hashes


def _lanczos_rows(out_size: int, in_size: int, start: float, end: float) -> np.ndarray:
    """Rows of Pillow's Lanczos-3 resampling of pixels ``start..end`` (of ``in_size``) to
    ``out_size`` pixels, as an (out_size x in_size) matrix."""
    scale = (end - start) / out_size
    support = max(scale, 1.0)
    centers = start + (np.arange(out_size) + 0.5) * scale
    t = (np.arange(in_size)[None, :] + 0.5 - centers[:, None]) / support
    weights = np.sinc(t) * np.sinc(t / 3) * (np.abs(t) < 3)
    return weights / weights.sum(axis=1, keepdims=True)


def _dct_matrix(n: int, rows: int) -> np.ndarray:
    k = np.arange(rows)[:, None]
    x = np.arange(n)[None, :]
    return np.cos(np.pi * k * (2 * x + 1) / (2 * n))


def _box_matrices() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """For the whole picture and each crop box: the matrices that take the GRID x GRID
    array straight to the pHash's 8x8 DCT frequencies and to the dHash's 8x9 pixels."""
    dct = _dct_matrix(PHASH_SIDE, 8)
    left_p, right_p, left_d, right_d = [], [], [], []
    for left, top, right, bottom in ((0.0, 0.0, 0.0, 0.0), *CROP_BOXES):
        x0, x1 = left * GRID, GRID - right * GRID
        y0, y1 = top * GRID, GRID - bottom * GRID
        left_p.append(dct @ _lanczos_rows(PHASH_SIDE, GRID, y0, y1))
        right_p.append(dct @ _lanczos_rows(PHASH_SIDE, GRID, x0, x1))
        left_d.append(_lanczos_rows(8, GRID, y0, y1))
        right_d.append(_lanczos_rows(9, GRID, x0, x1))
    return (
        np.vstack(left_p + left_d).astype(np.float32),
        np.stack(right_p).transpose(0, 2, 1).astype(np.float32),
        np.stack(right_d).transpose(0, 2, 1).astype(np.float32),
        np.array(len(left_p)),
    )


_LEFT, _RIGHT_P, _RIGHT_D, _BOXES = _box_matrices()
_MIRROR = np.where(np.arange(8) % 2 == 0, 1.0, -1.0).astype(np.float32)[None, None, :]


def _hashes(pixels: np.ndarray) -> tuple[np.ndarray, np.ndarray, int, int]:
    """(pHash per box, dHash per box, mirrored pHash, mirrored dHash) of a GRID x GRID
    array; box 0 is the whole picture, then the CROP_BOXES."""
    boxes = int(_BOXES)
    rows = (_LEFT @ pixels).reshape(2 * boxes, -1, GRID)
    low = rows[:boxes] @ _RIGHT_P  # (boxes, 8, 8) DCT frequencies
    small = rows[boxes:] @ _RIGHT_D  # (boxes, 8, 9) pixels
    # the mirrored picture is one more row: its DCT columns change sign, its pixels flip
    low = np.concatenate([low.reshape(boxes, 64), (low[0] * _MIRROR[0]).reshape(1, 64)])
    small = np.concatenate([small, small[:1, :, ::-1]])
    ordered = np.sort(low, axis=1)
    median = (ordered[:, 31] + ordered[:, 32]) / 2
    phashes = _pack(low > median[:, None])
    dhashes = _pack((small[:, :, 1:] > small[:, :, :-1]).reshape(boxes + 1, 64))
    return phashes[:boxes], dhashes[:boxes], int(phashes[boxes]), int(dhashes[boxes])


def _pack(flags: np.ndarray) -> np.ndarray:
    """Rows of 64 booleans -> unsigned 64-bit ints, first flag in the highest bit."""
    return np.packbits(flags, axis=1).view(">u8").ravel().astype(np.uint64)


def hamming(a: int, b: int) -> int:
    """Number of differing bits between two 64-bit hashes."""
    return (a ^ b).bit_count()


def hash_hex(value: int) -> str:
    """16 hex digits, as ``str(imagehash.ImageHash)`` prints a 64-bit hash."""
    return f"{value & 0xFFFFFFFFFFFFFFFF:016x}"


def hash_int(text: str) -> int:
    """The hash whose :func:`hash_hex` is ``text``."""
    return int(text, 16)


def to_signed(value: int) -> int:
    """An unsigned 64-bit hash as SQLite's signed 64-bit INTEGER."""
    return value - (1 << 64) if value >= 1 << 63 else value


def to_unsigned(value: int) -> int:
    return value & 0xFFFFFFFFFFFFFFFF
