"""Photo hashing speed: plain ``imagehash.phash`` against adwatch's hashing, same real JPEGs.

The photos are scikit-image's bundled photographs (bench/photoset.py), each resized to 800
pixels wide and saved as JPEG (quality 85), as ad photos typically are. For each photo:

1. plain: ``imagehash.phash(Image.open(...))`` (full decode, grayscale, 32x32 Lanczos, DCT);
2. adwatch: ``crawler.photos.hashing.inspect_image`` — everything the crawl does per photo: the
   checks, SHA-256, pHash, mirrored pHash, dHash, mirrored dHash and five crop hashes, with
   the JPEG decoded at reduced size (draft mode).

Each is timed as the best of several rounds per photo (interleaved, so both see the same
machine load); the totals are compared. Also prints how far the fast pHash is from
imagehash's. Last line: ``phash_speedup: R`` (plain time / adwatch time).
"""

from __future__ import annotations

import io
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import imagehash  # noqa: E402
from photoset import jpeg, photos  # noqa: E402
from PIL import Image  # noqa: E402

from crawler.photos.hashing import hamming, hash_int, inspect_image  # noqa: E402

ROUNDS = 15


def best(function, data: bytes, rounds: int = 3) -> float:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        function(data)
        times.append(time.perf_counter() - start)
    return min(times)


def plain_phash(data: bytes) -> object:
    return imagehash.phash(Image.open(io.BytesIO(data)))


def main() -> None:
    print(f"cores: {os.cpu_count()}")
    files = []
    for image in photos().values():
        height = round(800 * image.height / image.width)
        files.append(jpeg(image.resize((800, height), Image.Resampling.LANCZOS), 85))
    print(f"{len(files)} real photographs as 800 px JPEGs, {sum(map(len, files)) // 1024} KiB")
    bits = [hamming(inspect_image(d).phash, hash_int(str(plain_phash(d)))) for d in files]
    print(f"fast pHash vs imagehash.phash: max {max(bits)} bits, mean {sum(bits) / len(bits):.2f}")
    plain = [float("inf")] * len(files)
    ours = [float("inf")] * len(files)
    for _ in range(ROUNDS):
        for k, data in enumerate(files):
            plain[k] = min(plain[k], best(plain_phash, data, 1))
            ours[k] = min(ours[k], best(inspect_image, data, 1))
    plain_ms = 1000 * sum(plain) / len(files)
    ours_ms = 1000 * sum(ours) / len(files)
    print(f"imagehash.phash: {plain_ms:.2f} ms per photo")
    print(f"adwatch inspect_image (checks + SHA-256 + all hashes): {ours_ms:.2f} ms per photo")
    print(f"phash_speedup: {plain_ms / ours_ms:.2f}")


if __name__ == "__main__":
    main()
