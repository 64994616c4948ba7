"""Real photographs for the image benchmarks and the robustness evaluation.

The photos are the sample photographs that ship inside scikit-image's wheel (no download).
``distinct_photos()`` returns them plus non-overlapping tiles of the larger ones, so the
evaluation has enough distinct pictures to count false pairs; ``VARIANTS`` are the edits a
reposter's phone or site applies, each a function of (image, rng) -> image.
"""

from __future__ import annotations

import io
import random
from collections.abc import Callable
from pathlib import Path

from PIL import Image, ImageDraw, ImageEnhance, ImageFont

#: scikit-image's bundled photographs (its synthetic images, the second view of the stereo
#: pair and the tiny ones are left out).
PHOTOS = (
    "astronaut.png",
    "brick.png",
    "camera.png",
    "cell.png",
    "chelsea.png",
    "clock_motion.png",
    "coffee.png",
    "coins.png",
    "grass.png",
    "gravel.png",
    "hubble_deep_field.jpg",
    "ihc.png",
    "moon.png",
    "motorcycle_left.png",
    "page.png",
    "retina.jpg",
    "rocket.jpg",
    "text.png",
)


#: Photos whose tiles are not distinct pictures: the retina's quarters are mostly the black
#: frame around a disc, mirror images of one another.
UNTILED = frozenset({"retina"})


def data_dir() -> Path:
    import skimage.data

    return Path(skimage.data.__file__).parent


def photos() -> dict[str, Image.Image]:
    """The bundled photographs, in RGB."""
    base = data_dir()
    return {name.rsplit(".", 1)[0]: Image.open(base / name).convert("RGB") for name in PHOTOS}


def distinct_photos(min_tile: int = 160) -> dict[str, Image.Image]:
    """The photographs, plus their 2x2 and 3x3 grids of tiles where a tile keeps at least
    ``min_tile`` pixels a side: different pictures of real-world texture and content."""
    out: dict[str, Image.Image] = {}
    for name, image in photos().items():
        out[name] = image
        if name in UNTILED:
            continue
        width, height = image.size
        for grid in (2, 3):
            tw, th = width // grid, height // grid
            if min(tw, th) < min_tile:
                continue
            for row in range(grid):
                for col in range(grid):
                    box = (col * tw, row * th, (col + 1) * tw, (row + 1) * th)
                    out[f"{name}/{grid}x{grid}/{row}{col}"] = image.crop(box)
    return out


def jpeg(image: Image.Image, quality: int = 90) -> bytes:
    out = io.BytesIO()
    image.convert("RGB").save(out, "JPEG", quality=quality)
    return out.getvalue()


def _resize(scale: float) -> Callable[[Image.Image, random.Random], Image.Image]:
    def apply(image: Image.Image, rng: random.Random) -> Image.Image:
        size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
        return image.resize(size, Image.Resampling.LANCZOS)

    return apply


def _crop(total: float) -> Callable[[Image.Image, random.Random], Image.Image]:
    """Cut ``total`` of the width and of the height, split at random between the edges."""

    def apply(image: Image.Image, rng: random.Random) -> Image.Image:
        split_x, split_y = rng.random(), rng.random()
        cut_w, cut_h = total * image.width, total * image.height
        left, top = round(cut_w * split_x), round(cut_h * split_y)
        right = image.width - round(cut_w * (1 - split_x))
        bottom = image.height - round(cut_h * (1 - split_y))
        return image.crop((left, top, right, bottom))

    return apply


def _brightness(image: Image.Image, rng: random.Random) -> Image.Image:
    return ImageEnhance.Brightness(image).enhance(1.2)


def _watermark(large: bool) -> Callable[[Image.Image, random.Random], Image.Image]:
    """Semi-transparent text: a site's name in a corner (small: about 1 % of the picture,
    70 % opaque) or a phone number across the middle (large: about 80 % of the width, 40 %
    opaque), the way classified sites and reposters stamp photos."""

    def apply(image: Image.Image, rng: random.Random) -> Image.Image:
        layer = Image.new("RGBA", image.size, (0, 0, 0, 0))
        draw = ImageDraw.Draw(layer)
        width, height = image.size
        if large:
            text, alpha = "WhatsApp 0981 234 567", 100
            size = _fit(draw, text, 0.8 * width)
            font = ImageFont.load_default(size=size)
            box = draw.textbbox((0, 0), text, font=font)
            x = (width - (box[2] - box[0])) // 2
            y = (height - (box[3] - box[1])) // 2
        else:
            text, alpha = "anuncios.example", 180
            font = ImageFont.load_default(size=_fit(draw, text, 0.25 * width))
            box = draw.textbbox((0, 0), text, font=font)
            x = width - (box[2] - box[0]) - width // 40
            y = height - (box[3] - box[1]) - height // 30
        draw.text((x, y), text, font=font, fill=(255, 255, 255, alpha))
        return Image.alpha_composite(image.convert("RGBA"), layer).convert("RGB")

    return apply


def _fit(draw: ImageDraw.ImageDraw, text: str, width: float) -> int:
    """The font size at which ``text`` is about ``width`` pixels wide."""
    probe = draw.textbbox((0, 0), text, font=ImageFont.load_default(size=100))
    return max(6, int(100 * width / max(1, probe[2] - probe[0])))


def _mirror(image: Image.Image, rng: random.Random) -> Image.Image:
    return image.transpose(Image.Transpose.FLIP_LEFT_RIGHT)


def _rotate(degrees: float) -> Callable[[Image.Image, random.Random], Image.Image]:
    """Rotate, then crop the empty corners away (as photo apps do)."""

    def apply(image: Image.Image, rng: random.Random) -> Image.Image:
        import math

        turned = image.rotate(degrees, resample=Image.Resampling.BICUBIC, expand=False)
        a = math.radians(abs(degrees))
        width, height = image.size
        # the largest axis-aligned box inside the turned frame, centred
        cut_w = height * math.sin(a) + width * (1 - math.cos(a))
        cut_h = width * math.sin(a) + height * (1 - math.cos(a))
        return turned.crop(
            (
                math.ceil(cut_w / 2),
                math.ceil(cut_h / 2),
                width - math.ceil(cut_w / 2),
                height - math.ceil(cut_h / 2),
            )
        )

    return apply


def _quality(image: Image.Image, rng: random.Random) -> Image.Image:
    return image  # the JPEG quality is applied when encoding (see VARIANT_QUALITY)


VARIANTS: dict[str, Callable[[Image.Image, random.Random], Image.Image]] = {
    "resize_50": _resize(0.5),
    "resize_25": _resize(0.25),
    "jpeg_q30": _quality,
    "brightness_+20": _brightness,
    "watermark_small": _watermark(False),
    "watermark_large": _watermark(True),
    "crop_5": _crop(0.05),
    "crop_10": _crop(0.10),
    "mirror": _mirror,
    "rotate_3": _rotate(3.0),
}
#: JPEG quality each variant is saved with (a repost is always re-encoded).
VARIANT_QUALITY = {name: (30 if name == "jpeg_q30" else 80) for name in VARIANTS}
#: The variants that the headline recall figure (``phash_recall``) covers.
RECALL_VARIANTS = (
    "resize_50",
    "resize_25",
    "jpeg_q30",
    "brightness_+20",
    "watermark_small",
    "watermark_large",
    "mirror",
)


def variant_bytes(name: str, image: Image.Image, seed: str) -> bytes:
    """The JPEG bytes of variant ``name`` of ``image`` (seeded, so runs repeat)."""
    rng = random.Random(f"{seed}:{name}")
    return jpeg(VARIANTS[name](image, rng), VARIANT_QUALITY[name])
