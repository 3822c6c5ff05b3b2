"""The many wordings of one request (demo.texts.varied_request, what bench/seed.py writes)."""

from __future__ import annotations

import random

import textsearch
from demo.texts import REQUESTS, varied_request


def test_the_same_seed_gives_the_same_wordings():
    first = [varied_request(random.Random(5), code) for code in REQUESTS]
    again = [varied_request(random.Random(5), code) for code in REQUESTS]
    assert first == again


def test_one_item_is_written_in_many_ways_from_its_own_phrasings():
    rng = random.Random(1)
    wordings = {varied_request(rng, "water-repair") for _ in range(300)}
    assert len(wordings) > 100
    cores = [description for _title, description in REQUESTS["water-repair"]]
    for _title, parts in wordings:
        assert any(core in "".join(parts) for core in cores)


def test_the_words_of_the_parts_are_the_words_of_the_description():
    """bench/seed.py cuts each part once and joins their words: that must be the document."""
    rng = random.Random(2)
    for code in list(REQUESTS) * 3:
        _title, parts = varied_request(rng, code)
        joined = " ".join(w for w in (textsearch.document(p) for p in parts) if w)
        assert joined == textsearch.document("".join(parts))
