"""`kb index status` / `kb index rebuild`: staleness after a model change, re-embedding, snapshots."""
from __future__ import annotations

import json

import pytest

from kb.extensions import db


def _publish_two_offers(kb):
    sec = kb.user("secretariat", country="AT")
    centre = kb.user("centre", country="CO")
    kb.published_offer(centre, sec, title="Seed banks for native maize")
    kb.published_offer(centre, sec, title="Cold chain for vaccines")
    return sec


def _forget_managers() -> None:
    from kb.matching.sync import forget_managers

    forget_managers()


def test_status_reports_counts_and_is_up_to_date(app, kb):
    _publish_two_offers(kb)
    out = app.test_cli_runner().invoke(args=["kb", "index", "status"]).output
    assert "offers: 2 indexed of 2 published; 0 with missing or other-model vectors" in out
    assert "up to date" in out


def test_changing_the_model_makes_vectors_stale_until_rebuild(app, kb, tmp_path, monkeypatch):
    _publish_two_offers(kb)
    monkeypatch.setitem(app.config, "KB_EMBEDDING_MODEL", "hashing-64")
    monkeypatch.setitem(app.config, "KB_INDEX_DIR", str(tmp_path))
    _forget_managers()  # saving records already started this process's manager (duplicate checks) elsewhere
    runner = app.test_cli_runner()
    out = runner.invoke(args=["kb", "index", "status"]).output
    assert "model: hashing-64" in out
    assert "offers: 0 indexed of 2 published; 2 with missing or other-model vectors" in out
    assert "STALE" in out
    result = runner.invoke(args=["kb", "index", "rebuild"])
    assert result.exit_code == 0, result.output
    assert "Re-embedded: 2 offers" in result.output
    assert "offers: 2 indexed of 2 published; 0 with missing" in result.output
    # A second rebuild has nothing to re-embed: unchanged text and model are never re-embedded.
    assert "Re-embedded: 0 offers" in runner.invoke(args=["kb", "index", "rebuild"]).output
    # The snapshot is a manifest plus arrays, written atomically (no temp files left).
    manifest = json.loads((tmp_path / "hashing-64.manifest.json").read_text())
    assert manifest["model"] == "hashing-64" and manifest["counts"]["offer"] == 2
    assert not list(tmp_path.glob("*.tmp*"))


def test_a_snapshot_from_another_history_is_ignored(app, kb, tmp_path, monkeypatch):
    from kb.matching import sync

    _publish_two_offers(kb)
    monkeypatch.setitem(app.config, "KB_INDEX_DIR", str(tmp_path))
    _forget_managers()  # saving records already started this process's manager (duplicate checks) elsewhere
    with app.app_context():
        from kb.services.matching import rebuild

        rebuild()
        manifest_path = next(tmp_path.glob("*.manifest.json"))
        manifest = json.loads(manifest_path.read_text())
        manifest["revision_at"] = "1999-01-01T00:00:00+00:00"
        manifest_path.write_text(json.dumps(manifest))
        sync.forget_managers()
        manager = sync.get_manager(__import__("kb.services.matching", fromlist=["x"]).embedder(), str(tmp_path))
        from sqlalchemy.orm import Session

        with Session(db.engine) as session:
            assert manager._load_snapshot(session) is False


def test_a_new_process_starts_from_the_snapshot_and_applies_later_changes(app, kb, tmp_path, monkeypatch):
    from kb.matching import sync
    from kb.services.matching import SuggestionArgs, search

    sec = _publish_two_offers(kb)
    monkeypatch.setitem(app.config, "KB_INDEX_DIR", str(tmp_path))
    _forget_managers()  # saving records already started this process's manager (duplicate checks) elsewhere
    with app.app_context():
        from kb.services.matching import rebuild

        rebuild()
    sync.forget_managers()  # as if a new worker process started
    monkeypatch.setattr(sync.IndexManager, "_full_load",
                        lambda *a, **k: (_ for _ in ()).throw(AssertionError("snapshot not used")))
    centre = kb.user("centre", country="PE")
    kb.published_offer(centre, sec, title="Alpaca fibre processing")
    with app.app_context():
        titles = [r["title"] for r in search(None, "alpaca fibre", "offers", SuggestionArgs(k=3))]
        assert titles[0] == "Alpaca fibre processing"
        assert "Seed banks for native maize" in [r["title"] for r in search(None, "maize seed banks", "offers",
                                                                                 SuggestionArgs(k=3))]
        db.session.remove()


def test_a_snapshot_loads_the_same_catalogues_as_the_database_with_one_keyword_refill(app, kb, tmp_path,
                                                                                      monkeypatch):
    """The keyword index is filled in bulk from the snapshot's records (not one record at a time, each
    change rebuilding posting matrices), and what comes back equals a load from the database."""
    from kb.matching import keyword, sync
    from kb.services.matching import embedder, rebuild

    sec = kb.user("secretariat", country="AT")
    centre = kb.user("centre", country="CO")
    for title in ("Seed banks for native maize", "Cold chain for vaccines", "Tannery effluent treatment",
                  "Solar pumps for irrigation", "Training of meteorologists", "Cocoa fermentation quality",
                  "Port logistics for exporters", "Geothermal drilling supervision"):
        kb.published_offer(centre, sec, title=title)
    monkeypatch.setitem(app.config, "KB_INDEX_DIR", str(tmp_path))
    _forget_managers()  # saving records already started this process's manager (duplicate checks) elsewhere
    monkeypatch.setattr(keyword, "COMPACT_AFTER", 1)  # compact at every other change: a per-record refill shows
    with app.app_context():
        rebuild()
        sync.forget_managers()
        from_db = sync.get_manager(embedder(), None)
        from_db.ensure_fresh()
        sync.forget_managers()
        builds = []
        real_segment = keyword._Segment
        monkeypatch.setattr(keyword, "_Segment", lambda *a, **k: builds.append(1) or real_segment(*a, **k))
        monkeypatch.setattr(sync.IndexManager, "_full_load",
                            lambda *a, **k: (_ for _ in ()).throw(AssertionError("snapshot not used")))
        from_snapshot = sync.get_manager(embedder(), str(tmp_path))
        from_snapshot.ensure_fresh()
        db.session.remove()
    assert len(builds) <= 2 * len(sync.KINDS), builds  # one bulk fill and one compaction per kind
    for kind in sync.KINDS:
        a, b = from_db.catalogues[kind], from_snapshot.catalogues[kind]
        assert a.entries == b.entries and len(a) == 8 * (kind == "offer")
        assert {i: sorted(b.keywords.term_list[t] for t in d[0].tolist()) for i, d in b.keywords.docs.items()} == \
            {i: sorted(a.keywords.term_list[t] for t in d[0].tolist()) for i, d in a.keywords.docs.items()}
        q = from_db.embedder.encode(["maize seeds"])[0]
        assert a.similarity_stats(q) == pytest.approx(b.similarity_stats(q))
        assert a.dense(q, 5)[0].tolist() == b.dense(q, 5)[0].tolist()
