"""Image checks and hashes (crawler/photos/hashing.py) on real photographs and hostile files."""

from __future__ import annotations

import io

import imagehash
import pytest
from PIL import Image

from crawler.photos.hashing import (
    ImageLimits,
    ImageRejected,
    hamming,
    hash_hex,
    hash_int,
    inspect_image,
    sniff_format,
    to_signed,
    to_unsigned,
)
from tests.photo_samples import HTML, SVG, jpeg, photo, png, png_bomb, repost_copy

PHOTOS = ("astronaut", "camera", "coffee", "chelsea", "rocket", "coins")


@pytest.mark.parametrize("name", PHOTOS)
def test_fast_phash_is_within_two_bits_of_imagehash(name):
    data = jpeg(photo(name, 800), quality=85)
    plain = hash_int(str(imagehash.phash(Image.open(io.BytesIO(data)))))
    assert hamming(inspect_image(data).phash, plain) <= 2


@pytest.mark.parametrize("name", PHOTOS)
def test_mirror_hash_is_the_hash_of_the_flipped_photo(name):
    image = photo(name)
    facts = inspect_image(jpeg(image))
    flipped = inspect_image(jpeg(image.transpose(Image.Transpose.FLIP_LEFT_RIGHT)))
    assert hamming(facts.phash_mirror, flipped.phash) <= 2
    assert hamming(facts.dhash_mirror, flipped.dhash) <= 4


def test_a_repost_copy_hashes_close_to_the_original():
    image = photo("coffee")
    original, copy = inspect_image(jpeg(image)), inspect_image(repost_copy(image))
    assert hamming(original.phash, copy.phash) <= 10
    assert original.sha256 != copy.sha256


def test_facts_describe_the_file():
    data = jpeg(photo("chelsea", 500))
    facts = inspect_image(data)
    assert (facts.width, facts.format, facts.size) == (500, "JPEG", len(data))
    assert len(facts.sha256) == 64 and len(facts.crops) == 5


def test_exif_rotated_phone_photo_hashes_like_the_upright_one():
    upright = photo("astronaut", 480).crop((0, 0, 480, 360))
    exif = Image.Exif()
    exif[0x0112] = 6  # stored turned left: viewers turn it 90 degrees clockwise
    stored = jpeg(upright.transpose(Image.Transpose.ROTATE_90), exif=exif.tobytes())
    facts, plain = inspect_image(stored), inspect_image(jpeg(upright))
    assert (facts.width, facts.height) == (480, 360)
    assert hamming(facts.phash, plain.phash) <= 2


def test_transparent_png_and_animated_gif_are_hashed():
    image = photo("rocket", 300).convert("RGBA")
    image.putalpha(200)
    assert inspect_image(png(image)).format == "PNG"
    out = io.BytesIO()
    frames = [photo("rocket", 300), photo("coins", 300)]
    frames[0].save(out, "GIF", save_all=True, append_images=frames[1:])
    assert inspect_image(out.getvalue()).format == "GIF"


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty"),
        (HTML, "html"),
        (b"\n  <html><body>soft 404</body></html>", "html"),
        (SVG, "svg"),
        (b"GIF87a" + b"\x00" * 3, "corrupt"),
        (b"%PDF-1.4 not a photo", "unknown_format"),
    ],
)
def test_what_is_not_a_photo_is_rejected_with_a_reason(data, reason):
    with pytest.raises(ImageRejected) as err:
        inspect_image(data)
    assert err.value.reason == reason


def test_truncated_jpeg_is_corrupt():
    data = jpeg(photo("camera"))
    with pytest.raises(ImageRejected) as err:
        inspect_image(data[: len(data) // 2])
    assert err.value.reason == "corrupt"


def test_decompression_bomb_is_refused_before_decoding():
    bomb = png_bomb(20000)
    assert len(bomb) < 1_000_000
    with pytest.raises(ImageRejected) as err:
        inspect_image(bomb)
    assert err.value.reason == "too_many_pixels"
    # under Pillow's own limit, above ours: refused from the header too
    with pytest.raises(ImageRejected) as err:
        inspect_image(png_bomb(7000), ImageLimits(max_pixels=40_000_000))
    assert err.value.reason == "too_many_pixels"


def test_limits_on_bytes_and_size():
    data = jpeg(photo("camera", 400))
    with pytest.raises(ImageRejected) as err:
        inspect_image(data, ImageLimits(max_bytes=len(data) - 1))
    assert err.value.reason == "too_large"
    with pytest.raises(ImageRejected) as err:
        inspect_image(jpeg(photo("camera", 60)))
    assert err.value.reason == "too_small"


def test_sniffing_and_hash_encodings():
    assert sniff_format(jpeg(photo("camera", 100))) == "JPEG"
    assert sniff_format(b"RIFF\x00\x00\x00\x00WEBPVP8 ") == "WEBP"
    assert sniff_format(SVG) == "SVG"
    value = 0xFEDCBA9876543210
    assert hash_int(hash_hex(value)) == value
    assert to_unsigned(to_signed(value)) == value and to_signed(value) < 0
