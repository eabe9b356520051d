"""The inbox: notifications of the signed-in user."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from kb.schemas.common import PageQuerySchema, StrictSchema, codes
from kb.workflow.recipients import DELIVERIES, KINDS


class NotificationOutSchema(Schema):
    """One notification of the caller's inbox, with the web page of the record it is about."""

    id = fields.Int()
    kind = fields.Str(metadata=codes(KINDS))
    created_at = fields.DateTime()
    subject = fields.Str()
    body = fields.Str()
    record_type = fields.Str(allow_none=True, metadata=codes(("request", "offer", "match", "exchange")))
    record_id = fields.Int(allow_none=True)
    title = fields.Str(allow_none=True, metadata={"description": "The record's title"})
    action = fields.Str(attribute="event.action", metadata={"description": "What happened (a workflow action, "
                                                                            "create, update, activity, ...)"})
    link = fields.Str(allow_none=True, metadata={"description": "The web page of the record (a path on this site)"})
    read = fields.Method("_read", metadata={"type": "boolean"})
    read_at = fields.DateTime(allow_none=True)

    def _read(self, n):  # type: ignore[no-untyped-def]
        return n.read_at is not None


class NotificationQuerySchema(PageQuerySchema):
    """page, per_page, and unread (true: the unread ones only)."""

    unread = fields.Bool(load_default=False)


class MarkedSchema(Schema):
    """How many notifications were marked read."""

    marked = fields.Int()


class PreferencesSchema(StrictSchema):
    """How the caller receives each kind of notification by e-mail: immediately, in a daily digest, or never
    (the inbox lists everything whatever the choice). An edit names the kinds it changes."""

    locals().update({kind: fields.Str(validate=validate.OneOf(DELIVERIES)) for kind in KINDS})
