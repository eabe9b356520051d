"""A list's records carry their tags read in one statement (kb.services.records.attach_tags): the same codes as
their collections, and never stale once the record or its collections change."""
from __future__ import annotations

from kb.extensions import db
from kb.models import Modality, Offer, OfferLanguage, Request, Sector
from kb.services import records


def _page(model):
    return records.list_records(model, None, records.RecordFilters(status="published"), 1, 50).items


def test_prefetched_tags_are_the_collections(app, kb, parties):
    sec, centre, _colleague, _other, director = parties
    experts = [kb.ok("POST", "/experts", centre, {"name": name, "expertise": "Audits"})["id"]
               for name in ("Zoe", "Ana", "Mia")]
    kb.published_offer(centre, sec, sectors=["waste-management", "agriculture", "water"], sdgs=[12, 6],
                       modalities=["training-course", "expert-mission"], languages=["pt", "en", "es"],
                       expert_ids=experts)
    kb.published_offer(centre, sec, sectors=["water"], modalities=["study-visit"], languages=["fr"], sdgs=[])
    kb.published_request(director, sec, sectors=["water", "agriculture"], sdgs=[6], languages=["es", "en"])
    with app.app_context():
        for model in (Offer, Request):
            listed = {r.id: (r.sector_codes, r.modality_codes, r.sdg_numbers, r.language_codes,
                             r.expert_ids if model is Offer else None) for r in _page(model)}
            assert listed
            db.session.expunge_all()
            for rid, tags in listed.items():
                r = db.session.get(model, rid)
                assert "_kb_tags" not in r.__dict__
                assert tags == (r.sector_codes, r.modality_codes, r.sdg_numbers, r.language_codes,
                                r.expert_ids if model is Offer else None), rid
            db.session.rollback()
        offer = next(r for r in _page(Offer) if len(r.sector_codes) == 3)
        assert offer.sector_codes == ["agriculture", "waste-management", "water"]  # the vocabulary's order
        assert offer.sdg_numbers == [6, 12] and offer.language_codes == ["en", "es", "pt"]
        assert offer.expert_ids == [experts[1], experts[2], experts[0]]  # by name


def test_prefetched_tags_give_way_to_a_change_and_to_a_commit(app, kb, parties):
    sec, centre, *_rest = parties
    kb.published_offer(centre, sec, sectors=["water"], modalities=["study-visit"], languages=["fr"])
    with app.app_context():
        offer = _page(Offer)[0]
        assert "_kb_tags" in offer.__dict__ and offer.sector_codes == ["water"]
        offer.sectors = [db.session.get(Sector, "agriculture")]  # a loaded collection is the truth
        offer.modalities.append(db.session.get(Modality, "training-course"))
        assert offer.sector_codes == ["agriculture"]
        assert offer.modality_codes == ["study-visit", "training-course"]
        db.session.commit()  # expires the record: its prefetched tags go too
        assert "_kb_tags" not in offer.__dict__
        assert offer.sector_codes == ["agriculture"]
        offer = _page(Offer)[0]
        db.session.execute(OfferLanguage.__table__.insert().values(offer_id=offer.id, code="es"))
        db.session.refresh(offer)
        assert offer.language_codes == ["es", "fr"]
        db.session.rollback()
