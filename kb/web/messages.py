"""Library messages that reach pages, marked here so that `make translations` extracts them.

kb's own constant messages are marked where they are raised (kb.i18n.N_ in the services, kb/permissions.py,
kb/workflow and kb/schemas): they stay English, the API's language, and the views translate them with gettext
(kb.web.helpers.message); tests/web/test_translations.py checks that none is left unmarked. What is listed here
are the texts of the libraries the pages show: marshmallow's field errors (the forms validate through the API
schemas) and Werkzeug's and Flask-WTF's descriptions on the HTML error pages.

Messages with values: the services raise lazy templates with named values (flask_babel.lazy_gettext
"Cannot %(action)s %(record)s that is %(state)s." with the words of kb.i18n), rendered by str() in the
request's language (the test forbids f-strings in raised messages). marshmallow's own templates with values
("Longer than maximum length {max}.") are matched in TEMPLATED below and refilled into our translated templates.
"""
from __future__ import annotations

import re

from flask_babel import lazy_gettext
from marshmallow import validate as mv


def _(message: str) -> str:
    """Mark for extraction only: the views translate with gettext at render time."""
    return message


# marshmallow's own field errors (the forms validate through the API schemas).
FIELDS = (
    _("Missing data for required field."),
    _("Field may not be null."),
    _("Invalid value."),
    _("Invalid input type."),
    _("Unknown field."),
    _("Not a valid boolean."),
    _("Not a valid date."),
    _("Not a valid email address."),
    _("Not a valid integer."),
    _("Not a valid list."),
    _("Not a valid number."),
    _("Not a valid string."),
    _("Number too large."),
    _("Not a valid datetime."),
    _("Not a valid URL."),
    _("Not a valid mapping type."),
    _("Invalid type."),
    _("String does not match expected pattern."),
    _("Special numeric values (nan or infinity) are not permitted."),
)

_GTE, _GT, _LTE, _LT = mv.Range.message_gte, mv.Range.message_gt, mv.Range.message_lte, mv.Range.message_lt

# marshmallow's templates with values (read from marshmallow itself) -> ours, translatable, with named values.
TEMPLATED = (
    (mv.Length.message_min, lazy_gettext("Shorter than minimum length %(min)s.")),
    (mv.Length.message_max, lazy_gettext("Longer than maximum length %(max)s.")),
    (mv.Length.message_all, lazy_gettext("Length must be between %(min)s and %(max)s.")),
    (mv.Length.message_equal, lazy_gettext("Length must be %(equal)s.")),
    (mv.Range.message_min.format(min_op=_GTE), lazy_gettext("Must be greater than or equal to %(min)s.")),
    (mv.Range.message_min.format(min_op=_GT), lazy_gettext("Must be greater than %(min)s.")),
    (mv.Range.message_max.format(max_op=_LTE), lazy_gettext("Must be less than or equal to %(max)s.")),
    (mv.Range.message_max.format(max_op=_LT), lazy_gettext("Must be less than %(max)s.")),
    (mv.Range.message_all.format(min_op=_GTE, max_op=_LTE),
     lazy_gettext("Must be greater than or equal to %(min)s and less than or equal to %(max)s.")),
    (mv.Range.message_all.format(min_op=_GT, max_op=_LTE),
     lazy_gettext("Must be greater than %(min)s and less than or equal to %(max)s.")),
    (mv.Range.message_all.format(min_op=_GTE, max_op=_LT),
     lazy_gettext("Must be greater than or equal to %(min)s and less than %(max)s.")),
    (mv.Range.message_all.format(min_op=_GT, max_op=_LT),
     lazy_gettext("Must be greater than %(min)s and less than %(max)s.")),
    (mv.OneOf.default_message, lazy_gettext("Must be one of: %(choices)s.")),
    (mv.ContainsOnly.default_message, lazy_gettext("One or more of the choices you made was not in: %(choices)s.")),
    (mv.Equal.default_message, lazy_gettext("Must be equal to %(other)s.")),
)


def _pattern(template: str) -> re.Pattern:
    """marshmallow's "Longer than maximum length {max}." as a regex capturing max."""
    parts = re.split(r"\{(\w+)\}", template)
    return re.compile("".join(re.escape(p) if i % 2 == 0 else f"(?P<{p}>.+?)" for i, p in enumerate(parts)) + r"\Z",
                      re.S)


# Longest first: "Must be greater than or equal to {min}." before "Must be greater than {min}.".
PATTERNS = tuple((_pattern(en), ours) for en, ours in sorted(TEMPLATED, key=lambda t: -len(t[0])))

# Werkzeug's and Flask-WTF's descriptions, shown on the HTML error pages.
HTTP = (
    _("The browser (or proxy) sent a request that this server could not understand."),
    _("You don't have the permission to access the requested resource. It is either read-protected or not "
      "readable by the server."),
    _("The requested URL was not found on the server. If you entered the URL manually please check your "
      "spelling and try again."),
    _("The method is not allowed for the requested URL."),
    _("The data value transmitted exceeds the capacity limit."),
    _("The CSRF token is missing."),
    _("The CSRF token has expired."),
    _("The CSRF token is invalid."),
    _("The CSRF session token is missing."),
    _("The CSRF tokens do not match."),
    _("The referrer header is missing."),
    _("The referrer does not match the host."),
)
