"""The API's Blueprint: who may call a route, how its input is read, and what the document says about it.

- Every route needs a signed-in user unless its method is marked ``@Blueprint.public``. The check runs in
  the API's ``before_request`` (kb.api.register_api), before a body or a query string is read: an anonymous
  call with an invalid body is a 401, never a 422.
- Bodies are JSON read by the app's guarded provider (kb.jsonbody: no deep nesting, no NaN). JSON values are
  typed; query strings are text (kb.schemas.common.text_input). Unknown query parameters are refused.
- The OpenAPI document says the same (ContractPlugin): the security each operation needs, and the error
  responses every operation can give (401, 414; 404 with ids in the path; 400, 413, 415 with a body),
  besides those a view declares with ``@blp.refuses(403, 409)``, all with the one error schema.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import flask_smorest
from apispec import BasePlugin
from flask import current_app
from flask_babel import lazy_gettext
from webargs import core
from webargs.flaskparser import FlaskParser, abort, is_json_request

from kb.i18n import N_
from kb.jsonbody import InvalidJSON
from kb.schemas.common import text_input

PUBLIC_ATTR = "_kb_public"
REPEATED_MESSAGE = N_("Give this parameter once.")
SIGNED_IN: list[dict] = [{"bearer": []}]
ANYONE: list[dict] = [{}, {"bearer": []}]


class Parser(FlaskParser):
    """webargs' Flask parser: typed JSON through the app's provider, text query strings, no unknown parameters."""

    DEFAULT_UNKNOWN_BY_LOCATION = {**FlaskParser.DEFAULT_UNKNOWN_BY_LOCATION, "query": None, "querystring": None}

    def parse(self, argmap, req=None, *, location=None, **kwargs):  # type: ignore[no-untyped-def, override]
        if (location or self.location) == "json":
            return super().parse(argmap, req, location=location, **kwargs)
        with text_input():
            return super().parse(argmap, req, location=location, **kwargs)

    def load_querystring(self, req, schema):  # type: ignore[no-untyped-def]
        """The query string; a parameter that takes one value given more than once (?page=1&page=2) is refused,
        not read as its first value."""
        from marshmallow import ValidationError

        proxy = super().load_querystring(req, schema)
        by_key = {field.data_key or name: field for name, field in schema.fields.items()}
        repeated = sorted(key for key, values in req.args.lists()
                          if len(values) > 1 and key in by_key and not proxy._is_multiple(by_key[key]))
        if repeated:
            raise ValidationError({key: [REPEATED_MESSAGE] for key in repeated})
        return proxy

    def _raw_load_json(self, req):  # type: ignore[no-untyped-def]
        if not is_json_request(req):
            return core.missing
        raw = req.get_data(cache=True)
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise core.json.JSONDecodeError(f"Bytes decoding error : {exc.reason}", doc=str(exc.object),
                                            pos=exc.start) from exc
        return current_app.json.loads(text)

    def _handle_invalid_json_error(self, error, req, *args, **kwargs):  # type: ignore[no-untyped-def]
        if isinstance(error, InvalidJSON):
            abort(400, exc=error, messages={"json": [lazy_gettext(
                "The JSON is nested too deeply or holds a value that is not JSON (NaN, Infinity).")]})
        abort(400, exc=error, messages={"json": [N_("Invalid JSON body.")]})


class Blueprint(flask_smorest.Blueprint):
    """flask-smorest's Blueprint with the API's parser and its declarations of access and refusals."""

    ARGUMENTS_PARSER = Parser()

    @staticmethod
    def public(func: Callable) -> Callable:
        """Anonymous callers are served too (what they see may be less); the default is: signed in only."""
        setattr(func, PUBLIC_ATTR, True)
        return flask_smorest.Blueprint.doc(security=ANYONE)(func)

    def refuses(self, *codes: int) -> Callable[[Callable], Callable]:
        """Declare the refusals a view gives besides those every route can (see ContractPlugin)."""
        def decorator(func: Callable) -> Callable:
            for code in codes:
                func = self.alt_response(code, response=_response_name(code))(func)
            return func
        return decorator


def is_public(view_function: Callable | None, method: str) -> bool:
    """Whether the view answering method (a Flask view function, or a MethodView's) serves anonymous callers."""
    if method == "OPTIONS":
        return True  # answered by Flask itself: the methods a URL allows are no secret
    view_class = getattr(view_function, "view_class", None)
    func = getattr(view_class, method.lower(), None) if view_class is not None else view_function
    if func is None and method == "HEAD" and view_class is not None:
        func = getattr(view_class, "get", None)
    return bool(getattr(func, PUBLIC_ATTR, False))


def _openapi_path(rule: Any) -> str:
    """A werkzeug rule as an OpenAPI path: /requests/<int:record_id> -> /requests/{record_id}."""
    import re

    return re.sub(r"<(?:[^>:]+:)?([^>]+)>", r"{\1}", rule.rule)


def _links_to_created(collection: Any) -> dict:
    """OpenAPI links from a collection's POST (201) to what can be done with the record it created: the
    operations under the collection's item path, given the new record's id (stateful testing follows them)."""
    base = collection.rule.rstrip("/")
    links = {}
    for rule in collection.map.iter_rules():
        if not rule.rule.startswith(base + "/<") or len(rule.arguments) != 1:
            continue
        path = _openapi_path(rule)
        pointer = path.replace("~", "~0").replace("/", "~1")
        (param,) = rule.arguments
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            name = (method.lower() + path[len(base):]).replace("/", "_").replace("{", "").replace("}", "")
            links[name] = {"operationRef": f"#/paths/{pointer}/{method.lower()}",
                           "parameters": {param: "$response.body#/id"}}
    return links


def _refers_to_records(operation: dict, components: Any) -> bool:
    """Whether the operation's body names records by id (organisation_id, expert_ids, ...)."""
    content = (operation.get("requestBody") or {}).get("content") or {}
    schema = (content.get("application/json") or {}).get("schema") or {}
    if "$ref" in schema:
        schema = components.schemas.get(schema["$ref"].split("/")[-1], {})
    return any(name.endswith(("_id", "_ids")) for name in schema.get("properties") or {})


def _response_name(code: int) -> str:
    from http import HTTPStatus

    return HTTPStatus(code).name


class ContractPlugin(BasePlugin):
    """Completes every operation of the document with its security and the refusals any route can give,
    and input schemas with the rules that span fields: an edit (EDIT) changes at least one field, and a
    transition sends what its action needs (NEEDS: a reason to return, an agreement reference to agree...)."""

    def init_spec(self, spec: Any) -> None:
        self.spec = spec

    def schema_helper(self, name: str, definition: dict, schema: Any = None, **kwargs: Any) -> dict | None:
        cls = schema if isinstance(schema, type) else type(schema)
        if getattr(cls, "EDIT", False):
            fields_ = [f for f in (definition.get("properties") or {}) if f != "version"]
            return {"anyOf": [{"required": [f]} for f in fields_]}
        needs = getattr(cls, "NEEDS", None)
        if needs:
            branches = []
            for action, wanted in sorted(needs.items()):
                branch: dict[str, Any] = {"properties": {"action": {"enum": [action]}}}
                if wanted:
                    branch["required"] = list(wanted)
                    for field in wanted:
                        branch["properties"][field] = ({"type": "string", "format": "date"} if field == "valid_until"
                                                       else {"type": "string", "pattern": SOME_TEXT})
                branches.append(branch)
            return {"anyOf": branches}
        return None

    def operation_helper(self, path: str | None = None, operations: dict | None = None,  # type: ignore[override]
                         **kwargs: Any) -> None:
        rule = kwargs.get("rule")
        ids_in_path = bool(rule is not None and rule.arguments)
        for operation in (operations or {}).values():
            responses = operation.setdefault("responses", {})
            operation.setdefault("security", SIGNED_IN)
            codes = [401, 414]  # a bad token anywhere; a URL longer than the server reads
            if ids_in_path or _refers_to_records(operation, self.spec.components):
                codes.append(404)  # an id, in the path or the body, of no record the caller may see
            if "requestBody" in operation:
                codes += [400, 413, 415]
            for code in codes:
                if code not in responses and str(code) not in responses:
                    responses[str(code)] = _response_name(code)
        if rule is not None and not rule.arguments and "post" in (operations or {}):
            created = (operations["post"].get("responses") or {}).get(201)
            if isinstance(created, dict):
                links = _links_to_created(rule)
                if links:
                    created["links"] = links


# Text in request bodies and query strings: no NUL (and no unpaired surrogate, which JSON Schema cannot say);
# required text holds at least one character that is not whitespace.
ANY_TEXT = "^[^\\x00]*$"
SOME_TEXT = "^[^\\x00]*[^\\s\\x00][^\\x00]*$"


def input_text_rules(self, field, ret, **kwargs):  # type: ignore[no-untyped-def]
    """apispec attribute function: the rules StrictSchema applies to input text, and its code lists."""
    from marshmallow import fields

    from kb.schemas.common import (
        COUNTRY_CODES,
        LANG_CODES,
        StrictSchema,
        _is_text,
        _needs_text,
        country_code,
        language_code,
    )

    if language_code in field.validators:
        return {"enum": sorted(LANG_CODES)}
    if country_code in field.validators:
        return {"enum": sorted(COUNTRY_CODES)}
    if not isinstance(field.root, StrictSchema) or not isinstance(field, fields.String) or \
            "enum" in ret or "pattern" in ret or ret.get("format") in ("email", "url"):
        return {}
    return {"pattern": SOME_TEXT if _is_text(field) and _needs_text(field) else ANY_TEXT}


class Api(flask_smorest.Api):
    """flask-smorest's Api documenting the one error body, with no catch-all "default" response."""

    DEFAULT_ERROR_RESPONSE_NAME = None

    def __init__(self, app=None, **kwargs):  # type: ignore[no-untyped-def]
        from kb.schemas.common import ErrorSchema, Money

        self.ERROR_SCHEMA = ErrorSchema
        spec_kwargs = kwargs.pop("spec_kwargs", None) or {}
        spec_kwargs.setdefault("extra_plugins", [ContractPlugin()])
        super().__init__(app, spec_kwargs=spec_kwargs, **kwargs)
        self.register_field(Money, "string", "decimal")

    def _openapi_json(self):  # type: ignore[no-untyped-def]
        """The OpenAPI document, its sector and modality code lists read from the database (see vocabulary_codes)."""
        from flask import current_app, json

        return current_app.response_class(json.dumps(vocabulary_codes(self.spec.to_dict()), indent=2),
                                          mimetype="application/json")

    def _init_spec(self, **kwargs):  # type: ignore[no-untyped-def]
        super()._init_spec(**kwargs)
        self.ma_plugin.converter.add_attribute_function(input_text_rules)


def vocabulary_codes(document: dict[str, Any]) -> dict[str, Any]:
    """The document with each code list marked `x-kb-vocabulary` replaced by the database's codes: the codes new
    tags may use ("sectors", "modalities": retired entries left out) or every code ("sectors+retired", ...)."""
    from sqlalchemy.exc import SQLAlchemyError

    from kb.services import discard_changes, reference

    found: dict[str, list[str] | None] = {}

    def codes_for(mark: str) -> list[str] | None:
        """The database's codes; None (keep the seed files' list) where there is no database to read yet."""
        if mark not in found:
            name, _plus, retired = mark.partition("+")
            try:
                found[mark] = sorted(reference.codes(name, include_retired=bool(retired))) or None
            except SQLAlchemyError:
                discard_changes()
                found[mark] = None
        return found[mark]

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            mark = node.get("x-kb-vocabulary")
            out = {k: walk(v) for k, v in node.items() if k != "x-kb-vocabulary"}
            if mark and (codes := codes_for(mark)) is not None:
                out["enum"] = codes
            return out
        if isinstance(node, list):
            return [walk(v) for v in node]
        return node

    return walk(document)
