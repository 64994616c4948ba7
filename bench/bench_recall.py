"""Robustness of "same photo": recall on edited copies, false pairs among distinct photos.

The distinct photos are scikit-image's bundled photographs and tiles of them
(bench/photoset.py). Each is posted as a JPEG (quality 90); each edited copy (resized to 50 %
and 25 %, JPEG quality 30, brightness +20 %, small and large watermark, crop 5 % and 10 %,
mirrored, turned 3 degrees) is saved as a JPEG too. A copy is found when adwatch's rule
(crawler/photos/dedupe.py, with the default thresholds of crawler/settings.py) says it is the same
photo as its original; a false pair is two distinct photos the rule calls the same.

Prints, per edit, the recall of plain pHash at T (pHash distance <= T, nothing else) and of
adwatch's rule; the false pairs of both; and the pHash recall and false pairs for a range
of T. Last line: ``phash_recall: R``, adwatch's recall over the resize, recompress,
brightness, watermark and mirror copies (the figure the default T is chosen for).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from photoset import RECALL_VARIANTS, VARIANTS, distinct_photos, jpeg, variant_bytes  # noqa: E402

from crawler import settings  # noqa: E402
from crawler.photos.dedupe import PhotoMatch, same_photo  # noqa: E402
from crawler.photos.hashing import ImageLimits, hamming, inspect_image  # noqa: E402

ANY_SIZE = ImageLimits(min_width=1, min_height=1)


def photo(facts) -> dict:
    return {
        "phash": facts.phash,
        "phash_mirror": facts.phash_mirror,
        "dhash": facts.dhash,
        "dhash_mirror": facts.dhash_mirror,
        "crops": facts.crops,
    }


def main() -> None:
    print(f"cores: {os.cpu_count()}")
    rule = PhotoMatch(
        settings.ADWATCH_PHASH_THRESHOLD,
        settings.ADWATCH_DHASH_THRESHOLD,
        settings.ADWATCH_CROP_THRESHOLD,
    )
    images = distinct_photos()
    names = list(images)
    pairs = len(names) * (len(names) - 1) // 2
    print(f"{len(names)} distinct photos ({pairs:,} pairs); thresholds {rule}")
    originals = {n: photo(inspect_image(jpeg(images[n]), ANY_SIZE)) for n in names}
    copies = {
        v: {n: photo(inspect_image(variant_bytes(v, images[n], n), ANY_SIZE)) for n in names}
        for v in VARIANTS
    }

    def phash_distance(a: dict, b: dict) -> int:
        return hamming(a["phash"], b["phash"])

    print()
    print(f"| edit | pHash <= {rule.phash} | adwatch rule |")
    print("|---|---|---|")
    ours_found = ours_total = 0
    for variant in VARIANTS:
        plain = sum(phash_distance(originals[n], copies[variant][n]) <= rule.phash for n in names)
        ours = sum(same_photo(originals[n], copies[variant][n], rule) is not None for n in names)
        mark = "" if variant in RECALL_VARIANTS else " (not in phash_recall)"
        print(f"| {variant}{mark} | {plain / len(names):.3f} | {ours / len(names):.3f} |")
        if variant in RECALL_VARIANTS:
            ours_found += ours
            ours_total += len(names)
    plain_false = ours_false = 0
    by_t = {t: 0 for t in range(4, 17, 2)}
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            distance = phash_distance(originals[a], originals[b])
            plain_false += distance <= rule.phash
            for t in by_t:
                by_t[t] += distance <= t
            if same_photo(originals[a], originals[b], rule) is not None:
                ours_false += 1
                print(f"false pair: {a} ~ {b}")
    print(f"| false pairs among distinct photos | {plain_false} | {ours_false} |")
    print()
    print("| T | pHash recall (resize, recompress, brightness, watermark) | false pairs |")
    print("|---|---|---|")
    plain_variants = [v for v in RECALL_VARIANTS if v != "mirror"]
    for t, false in by_t.items():
        found = sum(
            phash_distance(originals[n], copies[v][n]) <= t for v in plain_variants for n in names
        )
        print(f"| {t} | {found / (len(plain_variants) * len(names)):.3f} | {false} |")
    print()
    print(f"false_pairs: {ours_false}")
    print(f"phash_recall: {ours_found / ours_total:.3f}")


if __name__ == "__main__":
    main()
