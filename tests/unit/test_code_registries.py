"""The per-process numbering of countries, text languages and tag codes that ranking's columns compare."""
from __future__ import annotations

import threading

from kb.matching import index


def test_a_query_never_numbers_a_value_it_looks_up():
    before = dict(index.COUNTRIES)
    assert index.known_country_code("Q9-never-seen") == index.UNKNOWN
    assert index.known_text_lang_code("xx-never-seen") == index.UNKNOWN
    assert before == index.COUNTRIES and "xx-never-seen" not in index.TEXT_LANGS
    code = index.country_code("Q8-record")
    assert index.known_country_code("Q8-record") == code != index.UNKNOWN


def test_values_met_by_many_threads_at_once_get_distinct_numbers():
    registry: dict[str, int] = {"": 0}
    values = [f"v{i}" for i in range(200)]
    barrier = threading.Barrier(8)
    got: dict[str, set[int]] = {v: set() for v in values}

    def worker() -> None:
        barrier.wait()
        for v in values:
            got[v].add(index._register(registry, v))

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(len(codes) == 1 for codes in got.values())  # each value one number, whoever numbered it
    numbers = [next(iter(codes)) for codes in got.values()]
    assert sorted(numbers) == list(range(1, 201))         # no two values share one
