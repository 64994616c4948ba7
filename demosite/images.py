"""Deterministic ad photos drawn with Pillow, and their repost variants.

A base photo is a gradient background with several shapes, a word or two of text and
grain, all drawn from the spec's seed; colours follow the ad's theme. A variant starts from
the base photo's encoded bytes and applies what reposters' phones and sites do: crop a few
percent, scale to 50-80 %, shift brightness by up to 10 % and re-encode as JPEG at another
quality. Rendering is pure (same spec, same bytes) and cached, so the server can draw images
lazily on first request.
"""

from __future__ import annotations

import io
import math
import random
from functools import lru_cache

import numpy as np
from PIL import Image, ImageChops, ImageDraw, ImageEnhance, ImageFont

from .model import ImageSpec

#: Colour families per theme, as RGB anchors that get jittered per photo.
PALETTES: dict[str, tuple[tuple[int, int, int], ...]] = {
    "vehicle": ((40, 44, 52), (170, 175, 185), (190, 30, 40), (30, 80, 160), (230, 230, 235)),
    "housing": ((225, 205, 170), (140, 190, 230), (180, 120, 80), (90, 140, 90), (245, 240, 230)),
    "electronics": ((15, 15, 20), (60, 60, 70), (0, 150, 255), (220, 220, 230), (120, 40, 200)),
    "furniture": ((120, 80, 50), (180, 140, 100), (230, 215, 190), (70, 50, 35), (200, 180, 150)),
    "services": ((40, 130, 70), (250, 200, 40), (60, 60, 60), (200, 90, 30), (230, 240, 230)),
    "personal": ((230, 180, 200), (150, 90, 160), (250, 235, 240), (200, 120, 140), (90, 60, 110)),
    "domestic": (
        (200, 230, 240),
        (250, 240, 200),
        (160, 200, 180),
        (240, 200, 200),
        (120, 150, 190),
    ),
    "job": ((240, 130, 20), (30, 70, 130), (245, 245, 245), (90, 90, 90), (250, 210, 50)),
    "abroad": ((20, 110, 200), (250, 170, 60), (240, 240, 250), (10, 40, 90), (230, 90, 70)),
}

WORDS: dict[str, tuple[str, ...]] = {
    "vehicle": ("VENDO", "OFERTA", "4x4", "FULL", "FLEX", "FOR SALE", "ÚNICO DUEÑO"),
    "housing": ("ALQUILO", "SE VENDE", "ALUGA-SE", "TO LET", "3 DORM.", "VENDE-SE"),
    "electronics": ("128GB", "NUEVO", "PROMO", "5G", "NOVO", "BOXED"),
    "furniture": ("LIQUIDO", "DESAPEGO", "OFERTA", "SALE", "MUDANZA"),
    "services": ("PRESUPUESTO", "ORÇAMENTO", "24 HS", "FREE QUOTE", "GARANTIA"),
    "personal": ("RELAX", "SPA", "MASAJES", "MASSAGEM", "WELLNESS"),
    "domestic": ("HOGAR", "LIMPIEZA", "FAXINA", "CLEAN", "CASA"),
    "job": ("EMPLEO", "VAGA", "HIRING", "TRABAJO", "ÚNETE", "JOIN US"),
    "abroad": ("EUROPA", "VISA", "DUBAI", "VIAJÁ", "VIAJE JÁ", "WORK ABROAD"),
}


def theme_for(category: str) -> str:
    """Palette theme of an ad category."""
    if category == "job_abroad":
        return "abroad"
    if category.startswith("job_"):
        return "job"
    if category.startswith("housing"):
        return "housing"
    return category if category in PALETTES else "services"


@lru_cache(maxsize=32)
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=size)


def _jitter(rng: random.Random, color: tuple[int, int, int], amount: int = 35) -> tuple[int, ...]:
    return tuple(max(0, min(255, c + rng.randint(-amount, amount))) for c in color)


def _gradient(rng: random.Random, width: int, height: int, palette: tuple) -> Image.Image:
    """Two-colour linear gradient plus a soft radial glow, drawn small then upscaled."""
    sw, sh = max(8, width // 8), max(8, height // 8)
    c1 = np.array(_jitter(rng, rng.choice(palette)), dtype=np.float32)
    c2 = np.array(_jitter(rng, rng.choice(palette)), dtype=np.float32)
    c3 = np.array(_jitter(rng, rng.choice(palette)), dtype=np.float32)
    angle = rng.uniform(0, 2 * math.pi)
    yy, xx = np.mgrid[0:sh, 0:sw].astype(np.float32)
    xx /= sw - 1
    yy /= sh - 1
    t = xx * math.cos(angle) + yy * math.sin(angle)
    t = (t - t.min()) / max(1e-6, float(t.max() - t.min()))
    cx, cy, radius = rng.random(), rng.random(), rng.uniform(0.25, 0.7)
    glow = np.clip(1 - np.hypot(xx - cx, yy - cy) / radius, 0, 1)[..., None] * 0.6
    base = c1 * (1 - t[..., None]) + c2 * t[..., None]
    pixels = base * (1 - glow) + c3 * glow
    small = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), "RGB")
    # Bilinear to half size, then pixel doubling: a third of the cost of one bilinear pass,
    # and the grain hides the doubling.
    half = small.resize(((width + 1) // 2, (height + 1) // 2), Image.Resampling.BILINEAR)
    return half.resize((width, height), Image.Resampling.NEAREST)


def _shapes(rng: random.Random, image: Image.Image, palette: tuple) -> None:
    draw = ImageDraw.Draw(image)
    width, height = image.size
    short = min(width, height)
    for _ in range(rng.randint(4, 9)):
        kind = rng.choice(("ellipse", "rectangle", "rounded", "polygon", "line", "pie"))
        size = rng.uniform(0.1, 0.55) * short
        x, y = rng.uniform(-0.1, 1.0) * width, rng.uniform(-0.1, 1.0) * height
        box = (x, y, x + size * rng.uniform(0.6, 1.8), y + size * rng.uniform(0.6, 1.4))
        fill = _jitter(rng, rng.choice(palette), 50)
        outline = _jitter(rng, rng.choice(palette), 50)
        if kind == "ellipse":
            draw.ellipse(box, fill=fill, outline=outline, width=rng.randint(1, 6))
        elif kind == "rectangle":
            draw.rectangle(box, fill=fill, outline=outline, width=rng.randint(1, 6))
        elif kind == "rounded":
            draw.rounded_rectangle(box, radius=size / 6, fill=fill, outline=outline, width=3)
        elif kind == "polygon":
            points = [
                (x + size * math.cos(a), y + size * math.sin(a))
                for a in sorted(rng.uniform(0, 2 * math.pi) for _ in range(rng.randint(3, 7)))
            ]
            draw.polygon(points, fill=fill, outline=outline)
        elif kind == "line":
            end = (x + rng.uniform(-1, 1) * size * 2, y + rng.uniform(-1, 1) * size * 2)
            draw.line([(x, y), end], fill=fill, width=rng.randint(4, 18))
        else:
            start = rng.uniform(0, 360)
            draw.pieslice(box, start, start + rng.uniform(60, 300), fill=fill, outline=outline)


def _text(rng: random.Random, image: Image.Image, theme: str) -> None:
    draw = ImageDraw.Draw(image)
    width, height = image.size
    for _ in range(rng.randint(1, 2)):
        word = rng.choice(WORDS[theme])
        font = _font(rng.choice((28, 36, 48, 64)))
        x, y = rng.uniform(0.03, 0.5) * width, rng.uniform(0.05, 0.8) * height
        light = rng.random() < 0.5
        draw.text(
            (x, y),
            word,
            font=font,
            fill=(250, 250, 250) if light else (20, 20, 20),
            stroke_width=2,
            stroke_fill=(0, 0, 0) if light else (255, 255, 255),
        )


_TILE = 1280


@lru_cache(maxsize=4)
def _grain_tile(strength: int) -> Image.Image:
    """A fixed field of monochrome grain in 0..2*strength, larger than any photo."""
    noise = np.random.default_rng(strength).integers(
        0, 2 * strength + 1, size=(_TILE, _TILE, 1), dtype=np.uint8
    )
    return Image.fromarray(np.repeat(noise, 3, axis=2), "RGB")


def _grain(seed: int, image: Image.Image, strength: int) -> Image.Image:
    width, height = image.size
    x = seed % (_TILE - width + 1)
    y = (seed >> 16) % (_TILE - height + 1)
    grain = _grain_tile(strength).crop((x, y, x + width, y + height))
    return ImageChops.add(image, grain, 1.0, -strength)


def draw_base(spec: ImageSpec) -> Image.Image:
    """The base photo's pixels (before encoding)."""
    rng = random.Random(spec.seed)
    palette = PALETTES[spec.theme]
    image = _gradient(rng, spec.width, spec.height, palette)
    _shapes(rng, image, palette)
    _text(rng, image, spec.theme)
    # PNGs are "flyers" with light grain; JPEG "photos" get camera-like grain.
    return _grain(spec.seed, image, 3 if spec.fmt == "png" else 10)


def _encode(image: Image.Image, fmt: str, quality: int) -> bytes:
    out = io.BytesIO()
    if fmt == "png":
        # Flyer-style PNGs use a palette, like most PNG graphics posted with ads.
        image.quantize(128, method=Image.Quantize.FASTOCTREE).save(out, "PNG", compress_level=6)
    else:
        image.save(out, "JPEG", quality=quality)
    return out.getvalue()


def _base_of(spec: ImageSpec) -> ImageSpec:
    return ImageSpec(
        id=spec.base_id,
        fmt=spec.base_fmt,
        base_id=spec.base_id,
        seed=spec.seed,
        theme=spec.theme,
        width=spec.width,
        height=spec.height,
        quality=spec.base_quality,
    )


@lru_cache(maxsize=384)
def image_bytes(spec: ImageSpec) -> bytes:
    """Encoded bytes of the image described by ``spec`` (JPEG or PNG)."""
    if not spec.is_variant:
        return _encode(draw_base(spec), spec.fmt, spec.quality)
    base = Image.open(io.BytesIO(image_bytes(_base_of(spec)))).convert("RGB")
    width, height = base.size
    left, top, right, bottom = spec.crop
    if any(spec.crop):
        base = base.crop(
            (
                round(left * width),
                round(top * height),
                width - round(right * width),
                height - round(bottom * height),
            )
        )
    if spec.scale != 1.0:
        size = (max(1, round(base.width * spec.scale)), max(1, round(base.height * spec.scale)))
        base = base.resize(size, Image.Resampling.BILINEAR, reducing_gap=2.0)
    if spec.brightness != 1.0:
        base = ImageEnhance.Brightness(base).enhance(spec.brightness)
    return _encode(base, "jpg", spec.quality)


def base_spec(rng: random.Random, image_id: str, theme: str, fmt: str) -> ImageSpec:
    """Spec of a fresh base photo: 400-900 px wide, landscape or portrait."""
    width = rng.randrange(400, 901, 4)
    ratio = rng.choice((0.75, 0.75, 0.5625, 0.66, 1.0, 1.33))
    height = max(300, min(_TILE - 80, int(width * ratio)))
    quality = rng.choice((82, 85, 88, 90))
    return ImageSpec(
        id=image_id,
        fmt=fmt,
        base_id=image_id,
        seed=rng.getrandbits(48),
        theme=theme,
        width=width,
        height=height,
        quality=quality,
        base_fmt=fmt,
        base_quality=quality,
    )


def variant_spec(rng: random.Random, image_id: str, base: ImageSpec) -> ImageSpec:
    """Spec of a repost variant of ``base``: re-encoded, plus 1-3 of crop, resize, brightness."""
    edits = rng.sample(("crop", "scale", "brightness"), rng.randint(1, 3))
    crop = (0.0, 0.0, 0.0, 0.0)
    if "crop" in edits:
        total = rng.uniform(0.03, 0.08)
        split = [rng.random() for _ in range(4)]
        crop = tuple(round(total * s / sum(split), 4) for s in split)  # type: ignore[assignment]
    quality = rng.choice([q for q in (55, 60, 65, 70, 75, 80) if q != base.quality])
    return ImageSpec(
        id=image_id,
        fmt="jpg",
        base_id=base.id,
        seed=base.seed,
        theme=base.theme,
        width=base.width,
        height=base.height,
        quality=quality,
        scale=round(rng.uniform(0.5, 0.8), 3) if "scale" in edits else 1.0,
        crop=crop,
        brightness=round(rng.uniform(0.9, 1.1), 3) if "brightness" in edits else 1.0,
        base_fmt=base.fmt,
        base_quality=base.quality,
    )
