"""The fast paths of ranking and explanations answer exactly as the plain rules they replace."""
from __future__ import annotations

import itertools
import math
import random
import re
from datetime import date, timedelta

import numpy as np
from babel import Locale
from babel.lists import format_list

from kb.matching import ranking
from kb.matching.index import Entry
from kb.matching.keyword import K1, B
from kb.services import matching

SECTORS = ("water", "health", "energy-access", "gender")
MODALITIES = ("study-visit", "expert-mission", "scholarship")
LANGUAGES = ("en", "es", "fr", "pt")


def _codes(rng: random.Random, vocabulary: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(rng.sample(vocabulary, rng.randint(0, 3)))


def _entries(rng: random.Random, n: int) -> list[Entry]:
    today = date(2026, 11, 30)
    return [Entry(id=i, title="", country=rng.choice(("BR", "CO", "KE")), organisation_id=rng.randint(1, 4),
                  sectors=_codes(rng, SECTORS), modalities=_codes(rng, MODALITIES), languages=_codes(rng, LANGUAGES),
                  text_lang="en", valid_until=rng.choice((None, today - timedelta(days=1), today, today + timedelta(1))),
                  groups=frozenset(rng.sample(("LAC", "AFR"), rng.randint(0, 2)))) for i in range(n)]


def test_the_admitter_of_a_query_admits_what_admits_does():
    rng = random.Random(3)
    entries = _entries(rng, 200)
    queries = [ranking.Query(vector=np.zeros(2), text="", country=country, organisation_id=org,
                             exclude_ids=frozenset(rng.sample(range(200), 5)))
               for country, org in itertools.product((None, "", "BR", "KE"), (None, 1, 3))]
    filters = [ranking.Filters(today=date(2026, 11, 30), include_own_country=own, **extra)
               for own in (False, True)
               for extra in ({}, {"sector": "water"}, {"region": "LAC"}, {"country": "CO"}, {"language": "fr"})]
    from kb.matching.index import Catalogue

    cat = Catalogue("offer", 2)
    cat.upsert_many(entries, np.ones((200, 2), dtype=np.float32), [""] * 200)
    ids = np.array(rng.sample(range(200), 150), dtype=np.int64)
    for q in queries:
        for f in filters:
            admit = f.admitter(q)
            assert [admit(e) for e in entries] == [f.admits(e, q) for e in entries]
            mask = f.admitted(q, cat, ids)
            assert mask is None if f.selective else mask.tolist() == [f.admits(entries[i], q) for i in ids.tolist()]


def test_tag_features_of_the_query_once_equal_them_per_candidate():
    rng = random.Random(5)
    entries = _entries(rng, 60)
    for _ in range(20):
        qs, qm, ql = _codes(rng, SECTORS), _codes(rng, MODALITIES), _codes(rng, LANGUAGES)
        n = len(entries)
        per = [e.sectors for e in entries], [e.modalities for e in entries], [e.languages for e in entries]
        for got, want in (
            (ranking._tag_features(qs, qm, ql, *per), ranking._tag_features([qs] * n, [qm] * n, [ql] * n, *per)),
            (ranking._tag_features(*per, qs, qm, ql), ranking._tag_features(*per, [qs] * n, [qm] * n, [ql] * n)),
        ):
            for a, b in zip(got, want, strict=True):
                assert a.shape == (n,) and a.tolist() == b.tolist()


def test_the_words_of_matched_stems_are_the_first_word_of_the_text_with_each():
    title = "Water harvesting for schools"
    description = "Rainwater harvesting tanks; harvested water serves WATER committees. Schools and schooling."
    words = list(dict.fromkeys(re.findall(r"\w+", f"{title}\n{description}")))
    stems = list(dict.fromkeys(s for s in (matching._stem(w) for w in words) if s))
    for k in range(1, len(stems) + 1):
        wanted = stems[:k][::-1] + ["nowhere"]
        expected = {}
        for w in words:
            st = matching._stem(w)
            if st in wanted and st not in expected:
                expected[st] = w
        assert matching._words_for(wanted, title, description) == [expected[s] for s in wanted if s in expected]


def test_lists_in_a_sentence_read_as_babel_writes_them():
    for lang in ("en", "es", "pt_BR", "fr"):
        locale = Locale.parse(lang)
        for items in (("a",), ("a", "b"), ("a", "b", "c"), ("a", "b", "c", "d", "e")):
            assert matching._format_list(items, locale) == format_list(list(items), locale=locale)
        assert matching._language_names(("en", "pt", "xx"), locale) == format_list(
            [locale.languages.get("en"), locale.languages.get("pt"), "xx"], locale=locale)


def test_keyword_scores_of_a_compacted_index_are_those_of_each_document():
    from kb.matching.keyword import KeywordIndex

    rng = random.Random(9)
    words = ["solar", "pump", "clinic", "water", "irrigation", "teachers", "mangrove", "vaccine", "cocoa", "grid"]
    kw = KeywordIndex()
    kw.upsert_many((i, " ".join(rng.choices(words, k=rng.randint(3, 12)))) for i in range(300))
    kw.compact()
    q = kw.query_terms("solar pump for a mangrove clinic")
    ids = [*rng.sample(range(300), 120), 999, -1]
    avg = kw.total_len / len(kw)
    expected = [kw._doc_score(d, q, avg) if d in kw.docs else 0.0 for d in ids]
    assert np.allclose(kw.scores(q, ids), expected, rtol=1e-6)
    kw.upsert(5, "solar solar grid")  # one changed document: the general path, the same numbers
    kw.remove(7)
    avg = kw.total_len / len(kw)
    expected = [kw._doc_score(d, q, avg) if d in kw.docs else 0.0 for d in [*ids, 5, 7]]
    assert np.allclose(kw.scores(q, [*ids, 5, 7]), expected, rtol=1e-6)


def _request_keywords_term_by_term(rkw, okw, cand, doc, length):
    """The loop ranking._request_keywords replaced (kept here as the reference)."""
    matched, keyword = [], np.zeros(len(cand))
    n_docs = max(len(okw), 1)
    avg = okw.total_len / n_docs if okw.total_len else 1.0
    norm = K1 * (1 - B + B * length / avg)
    limit = max(1, ranking.RARE_DF * len(okw))
    for i, d in enumerate(cand):
        rdoc = rkw.docs.get(d)
        if rdoc is None:
            matched.append([])
            continue
        total = ceiling = 0.0
        hits = []
        for t in rdoc[0].tolist():
            ot = okw.vocab.get(rkw.term_list[t])
            if ot is None:
                continue
            df = okw.df[ot]
            if df == 0 or df > limit:
                continue
            idf = math.log(1 + (n_docs - df + 0.5) / (df + 0.5))
            ceiling += idf
            tf = doc.get(ot)
            if tf:
                total += idf * tf * (K1 + 1) / (tf + norm)
                hits.append((idf, ot))
        keyword[i] = min(total / (ceiling * 2.2), 1.0) if ceiling else 0.0
        matched.append([t for _idf, t in sorted(hits, reverse=True)])
    return keyword, matched


def test_keywords_of_requests_for_an_offer_are_those_of_the_term_by_term_loop():
    from kb.matching.index import Catalogue

    rng = random.Random(11)
    vocabulary = [f"w{i}" for i in range(5000)]  # offers' words mostly rare (in at most 2% of 3,000 offers)
    offers, requests = Catalogue("offer", 4), Catalogue("request", 4)
    vec = np.eye(4, dtype=np.float32)[0]
    for cat, n in ((offers, 3000), (requests, 300)):
        entries = [Entry(id=i, title="", country="BR", organisation_id=1, sectors=(), modalities=(), languages=(),
                         text_lang="en") for i in range(n)]
        texts = [" ".join(rng.choices(vocabulary if cat is offers else vocabulary[:600], k=rng.randint(0, 40)))
                 for _ in range(n)]
        cat.upsert_many(entries, np.tile(vec, (n, 1)), texts)
        cat.keywords.compact()
    for _ in range(10):
        doc, length = ranking.offer_document(offers, " ".join(rng.choices(vocabulary[:600], k=150)))
        cand = [*rng.sample(range(300), 200), 5000]
        got, matched = ranking._request_keywords(requests.keywords, offers.keywords, cand, doc, length)
        want, want_matched = _request_keywords_term_by_term(requests.keywords, offers.keywords, cand, doc, length)
        assert got.tolist() == want.tolist()  # the same floats, not approximately
        assert [matched(i) for i in range(len(cand))] == want_matched
        assert any(want_matched) and want.any()


def test_a_remembered_summary_follows_the_labels_and_the_readers_language(app, monkeypatch):
    from kb.services import reference

    explanation = {"shared_sectors": ["water"], "shared_modalities": [], "matching_terms": ["pumps"],
                   "working_languages": {"shared": ["en"], "offered": ["en"]}}
    labels = {"sectors": {"water": "Water and sanitation"}, "modalities": {}}
    monkeypatch.setattr(reference, "labels", lambda vocabulary, lang: labels[vocabulary])
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        first = matching.summary_sentence(explanation)
        assert first == matching.summary_sentence(explanation)
        assert first.startswith("Shares the sector water and sanitation")
        labels["sectors"] = {"water": "Water, sanitation and hygiene"}  # a label edited meanwhile
        assert matching.summary_sentence(explanation).startswith("Shares the sector water, sanitation and hygiene")
    with app.test_request_context("/", headers={"Accept-Language": "fr"}):
        assert matching.summary_sentence(explanation).startswith("Partagent le secteur water, sanitation")


def _hub_dots_directly(offers, requests, ids):
    total, n = requests.vector_sum()
    return np.einsum("ij,j->i", offers.vectors_for(ids), total.astype(np.float32)).astype(np.float64), n


def test_remembered_hub_dots_follow_every_change_of_either_catalogue():
    from kb.matching.index import Catalogue

    rng = np.random.default_rng(7)
    dim = 16

    def unit(n):
        v = rng.standard_normal((n, dim)).astype(np.float32)
        return v / np.linalg.norm(v, axis=1, keepdims=True)

    def entry(i):
        return Entry(id=i, title="", country="BR", organisation_id=i, sectors=(), modalities=(), languages=(),
                     text_lang="en")

    offers, requests = Catalogue("offer", dim), Catalogue("request", dim)
    offers.upsert_many([entry(i) for i in range(1, 41)], unit(40), [""] * 40)
    requests.upsert_many([entry(i) for i in range(100, 110)], unit(10), [""] * 10)
    changes = [
        lambda: None,
        lambda: requests.upsert_many([entry(110)], unit(1), [""]),           # a request added
        lambda: requests.upsert_many([entry(101)], unit(1), [""]),           # a request's vector changed
        lambda: requests.remove_many([102, 103]),                            # requests removed
        lambda: offers.upsert_many([entry(5), entry(41)], unit(2), ["", ""]),  # an offer changed, one added
        lambda: offers.remove_many([7]),
        lambda: requests.upsert_many([entry(104)], requests.vectors_for([104]), ["new text"]),  # same vector
    ]
    for change in changes:
        change()
        ids = [i for i in rng.permutation(np.arange(1, 42)).tolist() if i in offers.entries][:25]
        for part in (ids[:10], ids, ids[5:]):  # partly remembered, then all
            got, n = offers.hub_dots(part, requests)
            want, n_want = _hub_dots_directly(offers, requests, part)
            assert n == n_want == len(requests)
            assert got.tolist() == want.tolist()


def test_tag_features_and_text_language_from_the_catalogue_s_columns_equal_those_of_its_entries():
    from kb.matching.index import Catalogue

    rng = random.Random(9)
    cat = Catalogue("offer", 4)

    def put(entries):
        vectors = np.random.default_rng(len(entries)).standard_normal((len(entries), 4)).astype(np.float32)
        cat.upsert_many(entries, vectors, [""] * len(entries))

    def lang(e):
        return Entry(**{**e.__dict__, "text_lang": rng.choice(("en", "es", "pt", "fr", ""))})

    put([lang(e) for e in _entries(rng, 80)])
    for step in range(4):
        if step:  # replaced (new tags and language), removed, added
            put([lang(e) for e in _entries(rng, 100)[rng.randint(0, 20):]])
            cat.remove_many(rng.sample(sorted(cat.entries), 10))
        cand = sorted(cat.entries)
        rng.shuffle(cand)
        ids = np.array(cand, dtype=np.int64)
        entries = [cat.entries[d] for d in cand]
        for _ in range(10):
            q = ranking.Query(vector=np.zeros(4), text="", sectors=_codes(rng, SECTORS),
                              modalities=_codes(rng, MODALITIES), languages=_codes(rng, LANGUAGES),
                              text_lang=rng.choice(("en", "es", "de", None)))
            want = ranking._tag_features(q.sectors, q.modalities, q.languages, [e.sectors for e in entries],
                                         [e.modalities for e in entries], [e.languages for e in entries])
            got = ranking._candidate_tags(cat, q, cand, ids)
            assert [a.tolist() for a in got] == [a.tolist() for a in want]
            assert ranking._same_text_lang_of(q.text_lang, cat, ids).tolist() == ranking.same_text_lang(
                [q.text_lang] * len(cand), [e.text_lang for e in entries], cat).tolist()


def test_more_than_63_codes_of_one_kind_fall_back_to_sets(monkeypatch):
    from kb.matching import index
    from kb.matching.index import Catalogue

    monkeypatch.setattr(index, "TAG_BITS", {kind: {} for kind in index.TAG_KINDS})
    index.tag_mask.cache_clear()
    try:
        rng = random.Random(4)
        many = tuple(f"l{i}" for i in range(70))
        cat = Catalogue("offer", 2)
        entries = [Entry(**{**e.__dict__, "languages": (many[i], many[(i + 35) % 70])})
                   for i, e in enumerate(_entries(rng, 50))]
        cat.upsert_many(entries, np.ones((50, 2), dtype=np.float32), [""] * 50)
        assert not index.masks_exact()
        cand = sorted(cat.entries)
        q = ranking.Query(vector=np.zeros(2), text="", sectors=("water", "health"), modalities=("scholarship",),
                          languages=many[:3])
        sector, modality, language = ranking._candidate_tags(cat, q, cand, np.array(cand))
        assert language.tolist() == [1.0 if set(e.languages) & set(many[:3]) else 0.0 for e in entries]
        assert sector.tolist() == [ranking._jaccard(q.sectors, e.sectors) for e in entries]
        assert modality.tolist() == [1.0 if "scholarship" in e.modalities else 0.0 for e in entries]
    finally:
        index.tag_mask.cache_clear()
