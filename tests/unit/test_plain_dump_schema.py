"""PlainDumpSchema dumps exactly what marshmallow's own serialisation of the same schema gives."""
from __future__ import annotations

import numpy as np
from flask_babel import lazy_gettext
from marshmallow import Schema, fields

from kb.schemas.common import PlainDumpSchema
from kb.schemas.matching import SuggestionListSchema


class _Inner(PlainDumpSchema):
    word = fields.Str()
    n = fields.Int(allow_none=True)


class _Plain(PlainDumpSchema):
    s = fields.Str(allow_none=True)
    i = fields.Int()
    f = fields.Float(allow_none=True)
    d = fields.Dict()
    terms = fields.List(fields.Str())
    flag = fields.Bool(allow_none=True)
    renamed = fields.Str(data_key="other")
    inner = fields.Nested(_Inner)
    many = fields.List(fields.Nested(_Inner))


def _both(monkeypatch, schema_cls: type[Schema], obj, many: bool = False):
    """(the dump of obj by schema_cls, by the same schema with marshmallow's own serialisation at every level)."""
    got = schema_cls().dump(obj, many=many)
    with monkeypatch.context() as m:
        m.setattr(PlainDumpSchema, "_serialize", Schema._serialize)
        return got, schema_cls().dump(obj, many=many)


def test_plain_dump_equals_marshmallow_s_for_plain_odd_and_missing_values(app, monkeypatch):
    base = {"s": "text", "i": 3, "f": 0.25, "d": {"a": 1}, "terms": ["x", "y"], "flag": True, "renamed": "r",
            "inner": {"word": "w", "n": 1}, "many": [{"word": "a", "n": None}, {"word": "b", "n": 2}]}
    odd = [{"s": None}, {"s": 12}, {"s": b"bytes"}, {"i": True}, {"i": np.int64(4)}, {"i": 2.0}, {"f": np.float64(0.5)},
           {"f": 1}, {"f": None}, {"d": None}, {"terms": ("t",)}, {"terms": ["a", 1]}, {"terms": None}, {"flag": 0},
           {"inner": {"word": 5}}, {"many": []}]
    with app.test_request_context("/"):
        odd.append({"s": lazy_gettext("Close in meaning")})
        objects = [base, *({**base, **o} for o in odd), {k: v for k, v in base.items() if k != "f"}]
        for obj in objects:
            got, want = _both(monkeypatch, _Plain, obj)
            assert got == want
            assert [type(v) for v in got.values()] == [type(v) for v in want.values()]
            assert list(got) == list(want)
        got, want = _both(monkeypatch, _Plain, objects, many=True)
        assert got == want


def test_a_page_of_suggestions_dumps_as_marshmallow_dumps_it(app, monkeypatch):
    item = {"kind": "offer", "id": 7, "title": "T", "country_code": "BR", "organisation": {"id": 1, "name": "O"},
            "text_lang": "pt", "score": 1.25, "fit": 0.5, "band": "strong",
            "explanation": {"summary": "S.", "passages": {"request": None, "offer": "o"}, "components": {"dense_z": 1.0},
                            "weights": {"dense_z": 0.5}, "shared_sectors": ["water"], "shared_modalities": [],
                            "working_languages": {"shared": ["en"], "offered": ["en"], "fit": True},
                            "matching_terms": ["rain"], "passage": None}}
    page = {"items": [item, {**item, "fit": None, "band": None}], "k": 10, "revision": 3, "has_strong": None}
    with app.test_request_context("/"):
        got, want = _both(monkeypatch, SuggestionListSchema, page)
        assert got == want and got["items"][0]["explanation"]["passages"] == item["explanation"]["passages"]
