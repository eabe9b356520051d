"""`flask kb import`: the API's rules per line, a summary with the rejected lines, and no duplicates when a
file is imported again or after a crash."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from kb.extensions import db
from kb.models import Event, IndexChange, Offer, Organisation, Request
from kb.services import ingest

BENCH = Path(__file__).resolve().parents[2].parent / "shared" / "benchmark"


@pytest.fixture
def cli(app):
    runner = app.test_cli_runner()

    def run(*args: str):
        return runner.invoke(args=["kb", "import", *args])
    return run


def _count(app, model) -> int:
    with app.app_context():
        n = db.session.scalar(select(func.count()).select_from(model))
        db.session.rollback()
        return n


def _rows(n: int, **over) -> list[dict]:
    rows = []
    for i in range(1, n + 1):
        row = {"id": f"T{i:04d}", "institution": f"Centre {i % 3}", "country": "CO",
               "title": f"Cleaner production diagnostics number {i}",
               "description": f"Our centre runs audits for leather and textile SMEs ({i}).",
               "sectors": ["cleaner-production"], "languages": ["es", "en"], "modality": ["expert-mission"],
               "text_lang": "en", "source": "test"}
        row.update(over)
        rows.append(row)
    return rows


def _write(path: Path, rows: list) -> Path:
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r, ensure_ascii=False)) + "\n" for r in rows),
                    encoding="utf-8")
    return path


@pytest.mark.skipif(not BENCH.exists(), reason="no benchmark beside the repository")
def test_the_benchmark_imports_whole_and_a_second_run_duplicates_nothing(app, cli):
    offers, requests = BENCH / "offers.jsonl", BENCH / "requests.jsonl"
    first = cli("offers", str(offers))
    assert first.exit_code == 0, first.output
    assert "150 created, 0 updated, 0 skipped, 0 rejected" in first.output
    result = cli("requests", str(requests))
    assert result.exit_code == 0, result.output
    assert "44 created, 0 updated, 0 skipped, 0 rejected" in result.output  # fil, tet, kri: ISO 639-3 codes
    counts = {m: _count(app, m) for m in (Offer, Request, Organisation, IndexChange, Event)}
    second = cli("offers", str(offers))
    assert second.exit_code == 0, second.output
    assert "0 created, 0 updated, 150 skipped, 0 rejected" in second.output
    assert "44 skipped" in cli("requests", str(requests)).output
    assert {m: _count(app, m) for m in counts} == counts  # no row, no event, no index change added
    with app.app_context():
        filipino = db.session.scalar(select(Request).where(Request.external_id == "R035"))
        assert filipino.language_codes == ["en", "fil"]


def test_a_changed_line_updates_its_record_and_only_a_changed_text_is_embedded_again(app, cli, tmp_path,
                                                                                      monkeypatch):
    from kb.services.matching import embedder

    rows = _rows(5)
    path = _write(tmp_path / "offers.jsonl", rows)
    assert "5 created" in cli("offers", str(path)).output
    with app.app_context():
        before = {o.external_id: (o.id, o.embedding_hash, o.version)
                  for o in db.session.scalars(select(Offer))}
        encoded: list[str] = []
        emb = embedder()
        real = emb.encode
        monkeypatch.setattr(emb, "encode", lambda texts, **kw: encoded.extend(texts) or real(texts, **kw))
    rows[1]["title"] = "Cleaner production diagnostics, new edition"
    rows[3]["sectors"] = ["cleaner-production", "energy-efficiency"]
    _write(path, rows)
    result = cli("offers", str(path))
    assert result.exit_code == 0, result.output
    assert "0 created, 2 updated, 3 skipped, 0 rejected" in result.output
    assert len(encoded) == 1 and "new edition" in encoded[0]  # the sector change keeps its vector
    assert "0 created, 0 updated, 5 skipped" in cli("offers", str(path)).output
    assert len(encoded) == 1  # nothing embedded for an unchanged file
    with app.app_context():
        after = {o.external_id: (o.id, o.embedding_hash, o.version, o) for o in db.session.scalars(select(Offer))}
        assert {k: v[0] for k, v in after.items()} == {k: v[0] for k, v in before.items()}  # same records
        assert after["T0002"][1] != before["T0002"][1] and after["T0002"][2] == before["T0002"][2] + 1
        assert after["T0004"][1] == before["T0004"][1] and sorted(after["T0004"][3].sector_codes) == [
            "cleaner-production", "energy-efficiency"]
        assert after["T0001"][2] == before["T0001"][2]
        events = db.session.scalars(select(Event).where(Event.action == "import", Event.from_state.is_not(None))).all()
        assert sorted(e.details["fields"] for e in events) == [["sectors"], ["title"]]
        db.session.rollback()


def test_bad_lines_are_listed_with_their_reasons_and_the_good_ones_imported(app, cli, tmp_path):
    good = _rows(3)
    lines = [
        good[0],
        {**good[1], "id": "B1", "languages": ["english"]},      # line 2: not a language code
        {**good[1], "id": "B2", "sdgs": [18]},                  # line 3
        "{not json",                                            # line 4
        {**good[1], "id": "B3", "title": "", "sectors": ["basket-weaving"]},  # line 5
        good[1],                                                # line 6
        {**good[1], "id": "B4", "colour": "blue"},              # line 7: a field the API does not know
        [1, 2, 3],                                              # line 8: not an object
        {**good[0], "title": "Another title, same id"},         # line 9: T0001 again for the same centre
        '{"id": "B5", "title": "\\ud800 lone", "description": "x", "country": "CO", "text_lang": "en"}',  # 10
        {**good[2], "country": "XX", "id": "B6"},               # line 11: unknown country
        "",                                                     # line 12: blank, ignored
        good[2],                                                # line 13
        {**good[2], "id": "B7", "languages": ["fil"]},          # line 14: Filipino has no two-letter code
    ]
    path = _write(tmp_path / "offers.jsonl", lines)
    result = cli("offers", str(path))
    assert result.exit_code == 1, result.output
    assert "4 created, 0 updated, 0 skipped, 9 rejected" in result.output
    reported = {int(line.split(":")[1]) for line in result.output.splitlines() if ": rejected: " in line}
    assert reported == {2, 3, 4, 5, 7, 8, 9, 10, 11}
    out = result.output
    assert (f"{path}:2: rejected: languages[0]: Not a language code (ISO 639-1, or ISO 639-3 for a language "
            "without a two-letter code): 'english'.") in out
    assert f"{path}:3: rejected: sdgs[0]: Must be greater than or equal to 1 and less than or equal to 17." in out
    assert f"{path}:4: rejected: not JSON" in out
    assert f"{path}:5: rejected: title:" in out
    assert f"{path}:7: rejected: colour: Unknown field." in out
    assert f"{path}:8: rejected: line: Invalid input type." in out
    assert f"{path}:9: rejected: id: 'T0001' already on line 1 for this organisation." in out
    assert f"{path}:10: rejected: holds a lone surrogate" in out
    assert f"{path}:11: rejected: country: unknown country 'XX'." in out
    assert _count(app, Offer) == 4
    with app.app_context():
        assert sorted(db.session.scalars(select(Offer.external_id))) == ["B7", "T0001", "T0002", "T0003"]
        db.session.rollback()


def test_an_import_that_dies_after_its_first_batch_is_completed_by_running_it_again(app, tmp_path, monkeypatch):
    rows = _rows(10)
    calls = []
    real = ingest.embed_records

    def embed_then_die(records, **kw):
        calls.append(len(records))
        if len(calls) == 2:
            raise KeyboardInterrupt("killed during the second batch (simulated)")
        return real(records, **kw)

    monkeypatch.setattr(ingest, "embed_records", embed_then_die)
    with app.app_context():
        with pytest.raises(KeyboardInterrupt):
            ingest.import_records("offer", rows, batch_size=4)
        db.session.rollback()
    assert _count(app, Offer) == 4  # the first batch was committed, the second rolled back
    monkeypatch.setattr(ingest, "embed_records", real)
    with app.app_context():
        report = ingest.import_records("offer", rows, batch_size=4)
        assert (report.created, report.updated, report.skipped, report.rejected) == (6, 0, 4, [])
        assert sorted(report.ids) == [r["id"] for r in rows]
        assert len(set(report.ids.values())) == 10
    assert _count(app, Offer) == 10
    assert _count(app, Organisation) == 3


def test_an_unknown_language_never_reaches_the_database(app, kb, cli, tmp_path):
    """The API and the importer share the rule: 'eng' (English has 'en') and 'zz' are refused, 'tet' is not."""
    director = kb.user("director")
    for codes, status in ((["eng"], 422), (["zz"], 422), (["english"], 422), (["tet", "pt"], 201)):
        resp = kb.call("POST", "/requests", director, kb.request_payload(languages=codes))
        assert resp.status_code == status, (codes, resp.get_json())
    path = _write(tmp_path / "requests.jsonl", [
        {"id": "R1", "requester": "Ministry", "country": "TL", "title": "Coffee cooperatives",
         "description": "Support for coffee cooperatives.", "text_lang": "en", "languages": ["eng"]},
        {"id": "R2", "requester": "Ministry", "country": "TL", "title": "Coffee cooperatives",
         "description": "Support for coffee cooperatives.", "text_lang": "en", "languages": ["tet"]}])
    result = cli("requests", str(path))
    assert result.exit_code == 1 and "1 created, 0 updated, 0 skipped, 1 rejected" in result.output
    assert f"{path}:1: rejected: languages[0]" in result.output


def test_an_import_leaves_the_planner_statistics_of_what_it_filled_on_postgresql(app, tmp_path):
    """PostgreSQL plans from statistics: right after a bulk import, without ANALYZE, it took 10,005 offers for 16."""
    from sqlalchemy import text

    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("ANALYZE is run on PostgreSQL only")
    with app.app_context():
        report = ingest.import_file("offer", _write(tmp_path / "o.jsonl", _rows(37)), batch_size=10)
        assert report.created == 37
        tuples = dict(db.session.execute(text(
            "SELECT relname, reltuples FROM pg_class WHERE relname IN ('offers', 'offer_sectors', 'offer_languages')")).all())
        db.session.rollback()
    assert tuples == {"offers": 37, "offer_sectors": 37, "offer_languages": 74}, tuples


def test_a_line_without_text_lang_gets_the_detected_language_and_a_second_run_skips_it(app, cli, tmp_path):
    rows = _rows(2)
    for row in rows:
        row.pop("text_lang")
    rows[1].update(title="Diagnósticos de producción más limpia",
                   description="Nuestro centro realiza auditorías para pymes del cuero y textiles.")
    path = _write(tmp_path / "offers.jsonl", rows)
    result = cli("offers", str(path))
    assert result.exit_code == 0 and "2 created" in result.output, result.output
    with app.app_context():
        langs = dict(db.session.execute(select(Offer.external_id, Offer.text_lang)).all())
        db.session.rollback()
    assert langs == {"T0001": "en", "T0002": "es"}
    assert "2 skipped" in cli("offers", str(path)).output
