"""The second embedder's vector: queued after a save commits, computed by the worker's job, seen by every
process's catalogue through index_changes, and used for the pair's fit (the test embedder is hashing-64)."""
from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import textwrap

import pytest

from kb.config import ROOT
from kb.extensions import db

OTHER_PROCESS = """
    import json, sys
    from kb import create_app
    app = create_app()
    for line in sys.stdin:
        with app.app_context():
            from kb.services.matching import manager
            m = manager()
            print(json.dumps({kind: sorted(m.catalogues[kind].second.rows) for kind in ("offer", "request")}), flush=True)
"""


@pytest.fixture
def second_on(app):
    """The suite's app with the hashing second embedder (the suite runs with it off)."""
    from kb.matching.sync import forget_managers

    app.config["KB_SECOND_EMBEDDING_MODEL"] = "hashing-64"
    forget_managers()
    yield app
    app.config["KB_SECOND_EMBEDDING_MODEL"] = "none"
    forget_managers()


def _queued(name: str) -> list:
    from kb import jobs

    return [t for t in jobs.huey.pending() if t.name == name]


def _other_process(app, tmp_path) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KB_")}
    env.update(KB_DATABASE_URL=app.config["KB_DATABASE_URL"], KB_EMBEDDING_MODEL="hashing-256",
               KB_SECOND_EMBEDDING_MODEL="hashing-64", KB_SECRET_KEY=secrets.token_hex(32),
               KB_INDEX_DIR=str(tmp_path / "idx-other"), KB_BASE_URL="http://localhost",
               KB_JOBS_FILE=str(tmp_path / "jobs.sqlite3"),
               KB_SQLITE_JOURNAL_MODE=app.config["KB_SQLITE_JOURNAL_MODE"])  # the suite's (WAL would stay on the file)
    return subprocess.Popen([sys.executable, "-c", textwrap.dedent(OTHER_PROCESS)], cwd=ROOT, env=env,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _ask(proc: subprocess.Popen) -> dict:
    proc.stdin.write("check\n")
    proc.stdin.flush()
    line = proc.stdout.readline()
    assert line, proc.stderr.read()[-3000:]
    return json.loads(line)


def test_a_save_queues_the_second_vector_and_the_worker_s_vector_reaches_another_process(kb, second_on, tmp_path):
    if second_on.config["KB_DATABASE_URL"].startswith("sqlite:///:memory:"):
        pytest.skip("needs a database file another process can open")
    from kb import jobs
    from kb.models import Offer, Request

    sec = kb.user("secretariat", country="AT")
    centre = kb.user("centre", country="CO")
    director = kb.user("director", country="EC")
    offer = kb.published_offer(centre, sec, title="Chrome recovery in small tanneries",
                               description="Effluent treatment and chrome recovery for leather tanneries.")
    kb.published_offer(centre, sec, title="Solar pumps for irrigation",
                       description="Design and maintenance of solar water pumps for smallholder irrigation.")
    request = kb.published_request(director, sec, title="Tannery effluents",
                                   description="Our leather tanneries need chrome recovery and effluent treatment.")
    queued = _queued("kb.embed_second")
    assert sorted(t.args for t in queued) == sorted([("offer", offer["id"]), ("offer", offer["id"] + 1),
                                                     ("request", request["id"])])
    with second_on.app_context():
        assert db.session.scalars(db.select(Offer.embedding_e5)).all() == [None, None]

    other = _other_process(second_on, tmp_path)
    try:
        assert _ask(other) == {"offer": [], "request": []}  # loaded before the worker ran
        before = kb.ok("GET", f"/requests/{request['id']}/suggestions?include_weak=true", director)["items"][0]
        assert "dense_z_e5" not in before["explanation"]["components"]

        for task in queued:  # what a worker does with the queued jobs
            jobs.huey.execute(task)
        with second_on.app_context():
            stored = db.session.execute(db.select(Request.embedding_e5, Request.embedding_e5_model)).one()
            assert stored[0] is not None and stored[1] == "hashing-64"
        assert _ask(other) == {"offer": sorted([offer["id"], offer["id"] + 1]), "request": [request["id"]]}
    finally:
        other.stdin.close()
        other.wait(timeout=60)

    after = kb.ok("GET", f"/requests/{request['id']}/suggestions?include_weak=true", director)["items"]
    assert all("dense_z_e5" in s["explanation"]["components"] for s in after)
    # The pair's fit is the same from the offer's side.
    from_offer = kb.ok("GET", f"/offers/{offer['id']}/suggestions?include_weak=true&include_own_country=true",
                       centre)["items"]
    mine = next(s for s in after if s["id"] == offer["id"])
    theirs = next(s for s in from_offer if s["id"] == request["id"])
    assert theirs["fit"] == mine["fit"] and theirs["explanation"]["components"]["dense_z_e5"] == \
        mine["explanation"]["components"]["dense_z_e5"]

    # A job run twice does nothing twice; an edit of the text drops the vector until the worker runs again.
    assert jobs.embed_second.call_local("request", request["id"]) == 0
    with second_on.app_context():
        from kb.services.matching import embed_records

        r = db.session.get(Request, request["id"])
        r.description = "A different need: solar pumps for irrigation."
        embed_records([r])
        assert r.embedding_e5 is None
        db.session.rollback()


def test_the_periodic_sweep_computes_the_vectors_whose_job_was_lost(kb, second_on):
    from kb import jobs
    from kb.models import Offer

    sec = kb.user("secretariat", country="AT")
    centre = kb.user("centre", country="CO")
    offer = kb.published_offer(centre, sec)
    jobs.huey.flush()  # the queue lost the job (Redis restarted, a worker killed)
    assert jobs.huey.execute(jobs.sweep_second.s()) == {"request": 0, "offer": 1}
    with second_on.app_context():
        assert db.session.get(Offer, offer["id"]).embedding_e5_model == "hashing-64"
    assert jobs.huey.execute(jobs.sweep_second.s()) == {"request": 0, "offer": 0}  # nothing twice


def test_the_worker_s_vector_is_not_an_edit_the_author_s_next_save_still_goes_through(kb, second_on):
    """The second vector is a derived cache: storing it leaves the record's version and updated_at alone, so the
    author's form or PATCH quoting the version they were given is not refused (409) because a worker ran."""
    from kb import jobs
    from kb.models import Request

    director = kb.user("director", country="EC")
    created = kb.ok("POST", "/requests", director, kb.request_payload())
    assert jobs.embed_second.call_local("request", created["id"]) == 1
    with second_on.app_context():
        stored = db.session.get(Request, created["id"])
        assert stored.embedding_e5_model == "hashing-64"
        assert stored.version == created["version"]
    edited = kb.ok("PATCH", f"/requests/{created['id']}", director,
                   {"version": created["version"], "title": "Cleaner production in leather tanneries"})
    assert edited["version"] == created["version"] + 1
    assert edited["updated_at"] != created["updated_at"]


def test_a_vector_computed_for_a_text_since_edited_is_not_stored(kb, second_on):
    """The job read the record, its author saved a new text meanwhile: the vector of the old text must not land."""
    from kb.models import Request
    from kb.services import matching

    director = kb.user("director", country="EC")
    created = kb.ok("POST", "/requests", director, kb.request_payload())
    with second_on.app_context():
        row = db.session.get(Request, created["id"])
        real_encode = matching.load_second_embedder

        def edit_meanwhile(name):  # the author saves while the worker encodes
            kb.ok("PATCH", f"/requests/{created['id']}", director,
                  {"version": created["version"], "description": "A different need: water metering in towns."})
            return real_encode(name)

        matching.load_second_embedder = edit_meanwhile
        try:
            assert row.embedding_e5 is None
            matching.embed_second("request", [created["id"]])
        finally:
            matching.load_second_embedder = real_encode
        db.session.expire_all()
        stored = db.session.get(Request, created["id"])
        # The edit dropped the old vector (and queued its own job): whatever is stored now is not the old text's.
        old_hash = matching._second_hash("hashing-64", matching.record_text(row.title, created["description"]))
        assert stored.embedding_e5_hash != old_hash


def test_the_alerts_job_decides_on_the_fused_fit_the_pages_show(kb, second_on):
    """The alerts and the "no strong match" notice are decided by the worker that also computes the second vector:
    it computes the published record's vector first, so the fit it decides on is the one pages show afterwards
    (it used to decide on the first model's fit while the record's own embed_second job was still queued)."""
    from kb import jobs
    from kb.models import Event, Request

    sec = kb.user("secretariat", country="AT")
    centre = kb.user("centre", country="CO")
    director = kb.user("director", country="EC")
    for title, description in (("Chrome recovery in small tanneries", "Effluent treatment and chrome recovery."),
                               ("Solar pumps for irrigation", "Design and maintenance of solar water pumps.")):
        kb.published_offer(centre, sec, title=title, description=description)
    for task in _queued("kb.embed_second"):
        jobs.huey.execute(task)
    request = kb.published_request(director, sec, title="Tannery effluents",
                                   description="Our leather tanneries need chrome recovery and effluent treatment.")
    with second_on.app_context():
        assert db.session.get(Request, request["id"]).embedding_e5 is None  # its own job is still queued

    jobs.match_alerts.call_local("request", request["id"])

    with second_on.app_context():
        assert db.session.get(Request, request["id"]).embedding_e5_model == "hashing-64"
        decided = [e.details for e in db.session.scalars(db.select(Event).where(
            Event.record_id == request["id"], Event.action.in_(("alert", "unmet"))))]
    assert jobs.embed_second.call_local("request", request["id"]) == 0  # its queued job finds it done
    shown = kb.ok("GET", f"/requests/{request['id']}/suggestions?include_weak=true", director)["items"]
    assert shown and all("dense_z_e5" in s["explanation"]["components"] for s in shown)
    best = max(s["fit"] for s in shown)
    assert decided
    assert any(d.get("best_fit") == pytest.approx(best) or d.get("fit") == pytest.approx(best) for d in decided)
