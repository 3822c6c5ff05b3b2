"""How well the suggested routing reads a problem it has never seen phrased that way.

`python bench/triage_accuracy.py` (no database): the demo's requests (demo/texts.py, several
phrasings per service item, as a park's enterprises write them) in leave-one-phrasing-out
rounds: for every phrasing of an item that has at least two, the model (triage.routing's own
pipeline: jieba words + character bigrams, logistic regression) is fitted on every other
phrasing of every item, each repeated as often as a history of `--copies` tickets would hold
it, and asked to rank the held-out one. The test phrasing never occurs in the training part,
so the figures are what a new wording of a known problem gets; the time-ordered hold-out of
the nightly training (`triage_train`) is higher, since real histories repeat phrasings.
Prints top-1 and top-3 accuracy, overall and per item."""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


def main() -> int:
    import django

    django.setup()
    from demo.texts import REQUESTS
    from triage.routing import fit, ranked, text_of

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--copies", type=int, default=20, help="tickets per training phrasing")
    args = parser.parse_args()

    started = time.perf_counter()
    top1 = top3 = tested = 0
    per_item: dict[str, list[int]] = {}
    for code, phrasings in REQUESTS.items():
        if len(phrasings) < 2:
            continue
        for held in range(len(phrasings)):
            texts, labels = [], []
            for other, others in REQUESTS.items():
                for i, (title, description) in enumerate(others):
                    if other == code and i == held:
                        continue
                    texts += [text_of(title, description)] * args.copies
                    labels += [other] * args.copies
            title, description = phrasings[held]
            best = [item for item, _p in ranked(fit(texts, labels), text_of(title, description))[:3]]
            tested += 1
            top1 += best[0] == code
            top3 += code in best
            right = per_item.setdefault(code, [0, 0])
            right[0] += best[0] == code
            right[1] += 1
    items = len(REQUESTS)
    print(f"service items {items}; held-out phrasings {tested} (each unseen in its training part)")
    print(f"top-1 {top1 / tested:.0%} ({top1}/{tested}); top-3 {top3 / tested:.0%} ({top3}/{tested})")
    for code, (right, n) in sorted(per_item.items()):
        print(f"  {code:24} top-1 {right}/{n}")
    print(f"({time.perf_counter() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
