"""The FAISS cache follows the database across processes; rolled-back records are never found."""
from __future__ import annotations

import pytest

from kb import create_app
from kb.extensions import db


@pytest.fixture
def second_app(app):
    """Another app instance on the same database (as a second gunicorn worker would be)."""
    return create_app({k: app.config[k] for k in app.config if k.startswith("KB_")} | {"TESTING": True})


def _search(app, text):
    from kb.services.matching import SuggestionArgs, search

    with app.app_context():
        return [r["title"] for r in search(None, text, "offers", SuggestionArgs(k=5))]


def test_a_record_committed_in_one_instance_is_found_by_another_without_restart(kb, app, second_app):
    sec = kb.user("secretariat", country="AT")
    centre = kb.user("centre", country="CO")
    kb.published_offer(centre, sec, title="Geothermal drilling advice")
    assert "Geothermal drilling advice" in _search(second_app, "geothermal drilling")  # second instance warms up
    kb.published_offer(centre, sec, title="Mangrove restoration nurseries")
    assert "Mangrove restoration nurseries" in _search(second_app, "mangrove restoration")
    # ...and an archive made through the first instance disappears from the second.
    offers = kb.ok("GET", "/offers?q=mangrove", sec)["items"]
    kb.ok("POST", f"/offers/{offers[0]['id']}/transitions", centre, {"action": "archive"}, 200)
    assert "Mangrove restoration nurseries" not in _search(second_app, "mangrove restoration")


def test_a_rolled_back_record_is_never_found(kb, app, second_app):
    from kb.models import Offer, OfferState, Organisation
    from kb.services import unit_of_work
    from kb.services.matching import embed_records
    from kb.services.records import note_index_change

    org_id = kb.org("competence-centre", "CO")
    _search(app, "warm up")
    with app.app_context(), pytest.raises(RuntimeError), unit_of_work() as session:
        org = db.session.get(Organisation, org_id)
        offer = Offer(organisation_id=org.id, country_code="CO", title="Phantom volcano monitoring",
                      description="Never committed.", text_lang="en", status=OfferState.PUBLISHED)
        embed_records([offer])
        session.add(offer)
        session.flush()
        note_index_change(offer)
        # A search in the middle of the transaction must not pick up the uncommitted record.
        assert "Phantom volcano monitoring" not in _search(app, "phantom volcano monitoring")
        raise RuntimeError("abort")
    assert "Phantom volcano monitoring" not in _search(app, "phantom volcano monitoring")
    assert "Phantom volcano monitoring" not in _search(second_app, "phantom volcano monitoring")


def test_a_thread_that_read_an_older_revision_does_not_take_it_for_a_reset(kb, app):
    """Thread A reads the latest revision, then waits for the lock while thread B applies a newer change.
    A must not take the revision it read (older than the one now applied) for a database reset and reload
    everything: it compares under the lock."""
    import threading

    from kb.services.matching import manager

    sec = kb.user("secretariat", country="AT")
    centre = kb.user("centre", country="CO")
    kb.published_offer(centre, sec, title="Geothermal drilling advice")
    with app.app_context():
        m = manager()
        m.ensure_fresh()
    reloads = []
    for name in ("_full_load", "_load_snapshot"):
        def counted(*args, _real=getattr(m, name), _name=name):  # noqa: B008 (bind this loop's method)
            reloads.append(_name)
            return _real(*args)
        setattr(m, name, counted)

    class HoldThreadA:
        """The manager's lock, making thread A wait at its door until thread B has been through."""

        def __init__(self, inner) -> None:
            self.inner, self.thread_a = inner, None
            self.a_at_the_door, self.let_a_in = threading.Event(), threading.Event()

        def __enter__(self):
            if threading.current_thread() is self.thread_a:
                self.a_at_the_door.set()
                self.let_a_in.wait()
            self.inner.acquire()
            return self

        def __exit__(self, *exc):
            self.inner.release()

    lock = m._write = HoldThreadA(m._write)
    kb.published_offer(centre, sec, title="Mangrove restoration nurseries")  # revision r1
    seen = {}

    def thread_a():
        with app.app_context():
            seen["a"] = m.ensure_fresh()

    lock.thread_a = threading.Thread(target=thread_a)
    lock.thread_a.start()
    assert lock.a_at_the_door.wait(60)  # A has read r1 and waits for the lock
    kb.published_offer(centre, sec, title="Cocoa fermentation quality")  # revision r2
    with app.app_context():
        seen["b"] = m.ensure_fresh()  # B applies r2
    lock.let_a_in.set()
    lock.thread_a.join(60)
    assert not lock.thread_a.is_alive()
    assert seen["a"] == seen["b"] == m.revision
    assert reloads == []  # no reset was mistaken, nothing reloaded from scratch
    assert "Cocoa fermentation quality" in _search(app, "cocoa fermentation")


def test_changes_committed_out_of_id_order_are_never_skipped(kb, app):
    """PostgreSQL takes an id at INSERT and transactions commit in any order. Transaction A writes its index
    change and stalls before COMMIT; B writes its own and commits; a reader looks in between. The reader must
    not apply B's (higher) id while A's (lower) one is still to come, or A's record would never be indexed:
    writers of index changes commit in id order (B waits for A)."""
    import threading

    from sqlalchemy import event

    from kb.models import Offer, OfferState
    from kb.services import unit_of_work
    from kb.services.matching import embed_records, manager
    from kb.services.records import note_index_change

    if not app.config["KB_DATABASE_URL"].startswith("postgresql"):
        pytest.skip("SQLite has one writer at a time: commits are in id order by construction")
    org_id = kb.org("competence-centre", "CO")
    _search(app, "warm up")
    a_written, release_a, b_done = threading.Event(), threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def publish(title: str, stall: bool) -> None:
        try:
            with app.app_context(), unit_of_work() as session:
                offer = Offer(organisation_id=org_id, country_code="CO", title=title, text_lang="en",
                              description=f"{title}: methods and training.", status=OfferState.PUBLISHED)
                embed_records([offer])
                session.add(offer)
                session.flush()
                note_index_change(offer)
                if stall:
                    @event.listens_for(session, "after_flush_postexec")
                    def _stall(*_args):  # the index_changes row is written: wait before COMMIT
                        if not a_written.is_set():
                            a_written.set()
                            release_a.wait(30)
        except BaseException as exc:  # noqa: BLE001 (reported by the test)
            errors.append(exc)
        finally:
            if not stall:
                b_done.set()

    a = threading.Thread(target=publish, args=("Glacier lake outburst early warning", True))
    a.start()
    assert a_written.wait(30)
    b = threading.Thread(target=publish, args=("Seaweed farming cooperatives", False))
    b.start()
    b_done.wait(1.0)  # B waits for A's lock (before the fix it committed here, with a higher id than A's)
    with app.app_context():
        manager().ensure_fresh()  # a reader between the commits
    release_a.set()
    a.join(30)
    b.join(30)
    assert not errors and not a.is_alive() and not b.is_alive()
    assert "Glacier lake outburst early warning" in _search(app, "glacier lake outburst early warning")
    assert "Seaweed farming cooperatives" in _search(app, "seaweed farming cooperatives")
