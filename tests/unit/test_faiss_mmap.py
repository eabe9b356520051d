"""A snapshot's vector index loaded by mmap (FaissIndex(mmap=True)) answers as the index it was saved from and as one
read into memory, and can still be changed: the first change copies it into memory (FAISS aborts on a mapped one)."""
from __future__ import annotations

import numpy as np
import pytest

from kb.matching.faiss_index import FaissIndex
from kb.matching.index import Catalogue, Entry


def _unit(rng, n, dim):
    x = rng.standard_normal((n, dim)).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


@pytest.fixture
def saved(tmp_path):
    rng = np.random.default_rng(7)
    built = FaissIndex(32)
    ids = np.arange(1, 401, dtype=np.int64) * 3
    built.add(ids, _unit(rng, len(ids), 32))
    path = tmp_path / "offer.index"
    built.save(path)
    return built, path, ids, _unit(rng, 5, 32)


def test_a_mapped_index_searches_as_the_one_saved_and_as_one_read(saved):
    built, path, ids, queries = saved
    mapped, read = FaissIndex(32, mmap=True), FaissIndex(32)
    mapped.load(path)
    read.load(path)
    assert mapped._mapped and not read._mapped
    allowed = ids[::7]
    for q in queries:
        for index in (mapped, read):
            for got, want in zip(index.search(q, 10), built.search(q, 10), strict=True):
                np.testing.assert_array_equal(got, want)
            for got, want in zip(index.search(q, 5, allowed), built.search(q, 5, allowed), strict=True):
                np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(mapped.vectors(ids[:20]), built.vectors(ids[:20]))


def test_a_mapped_index_is_copied_before_its_first_change(saved):
    built, path, ids, queries = saved
    mapped = FaissIndex(32, mmap=True)
    mapped.load(path)
    new = _unit(np.random.default_rng(8), 2, 32)
    for index in (mapped, built):
        index.add(np.array([5, ids[0]], dtype=np.int64), new, replacing=np.array([ids[0]], dtype=np.int64))
        index.remove(ids[1:3])
    assert not mapped._mapped and len(mapped) == len(built) == len(ids) - 1
    for q in [*queries, new[0]]:
        for got, want in zip(mapped.search(q, 10), built.search(q, 10), strict=True):
            np.testing.assert_array_equal(got, want)
    path.unlink()  # the copy no longer needs the file
    assert mapped.search(new[1], 1)[0].tolist() == [ids[0]]


def test_a_catalogue_loaded_by_mmap_ranks_as_the_one_it_was_saved_from(saved, tmp_path):
    built, path, ids, queries = saved
    vectors = built.vectors(ids)
    entries = [Entry(id=int(i), title=f"record {i}", country="CO", organisation_id=1, sectors=(), modalities=(),
                     languages=("en",), text_lang="en") for i in ids]
    texts = [f"record {i} about {'water' if i % 2 else 'energy'}" for i in ids]
    original = Catalogue("offer", 32)
    original.upsert_many(entries, vectors, texts)
    original.save(tmp_path / "cat.index")
    loaded = Catalogue("offer", 32, FaissIndex(32, mmap=True))
    loaded.load(tmp_path / "cat.index", entries, zip(ids.tolist(), texts, strict=True))
    assert loaded.index._mapped
    for q in queries:
        for got, want in zip(loaded.dense(q, 10), original.dense(q, 10), strict=True):
            np.testing.assert_array_equal(got, want)
        assert loaded.similarity_stats(q) == pytest.approx(original.similarity_stats(q))
    assert loaded.keywords.top(loaded.keywords.query_terms("water"), 5) == \
        original.keywords.top(original.keywords.query_terms("water"), 5)


def test_an_unchanged_vector_leaves_a_mapped_index_shared_and_a_changed_one_is_applied(saved, tmp_path):
    """A record re-read with the same vector (its tags changed, or only its second vector came in) updates its entry
    without touching the vector index: no O(n) remove-and-add, and a mapped index is not copied into the worker."""
    import dataclasses

    built, path, ids, queries = saved
    vectors = built.vectors(ids)
    entries = [Entry(id=int(i), title=f"record {i}", country="CO", organisation_id=1, sectors=(), modalities=(),
                     languages=("en",), text_lang="en") for i in ids]
    texts = [f"record {i}" for i in ids]
    original = Catalogue("offer", 32)
    original.upsert_many(entries, vectors, texts)
    original.save(tmp_path / "cat.index")
    loaded = Catalogue("offer", 32, FaissIndex(32, mmap=True))
    loaded.load(tmp_path / "cat.index", entries, zip(ids.tolist(), texts, strict=True))
    stats = loaded.similarity_stats(queries[0])

    retagged = dataclasses.replace(entries[0], sectors=("ENERGY",))
    loaded.upsert_many([retagged], vectors[:1], texts[:1])
    assert loaded.index._mapped and loaded.entries[retagged.id].sectors == ("ENERGY",)
    assert loaded.similarity_stats(queries[0]) == pytest.approx(stats)  # the moments not counted twice

    moved = _unit(np.random.default_rng(9), 1, 32)
    loaded.upsert_many([entries[1], retagged], np.vstack([moved, vectors[:1]]), texts[:2])
    assert not loaded.index._mapped and len(loaded.index) == len(ids)
    assert loaded.dense(moved[0], 1)[0].tolist() == [entries[1].id]
    original.upsert_many([entries[1]], moved, texts[1:2])
    assert loaded.similarity_stats(queries[0]) == pytest.approx(original.similarity_stats(queries[0]))
