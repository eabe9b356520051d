"""Messages that reach pages from outside kb/web, marked here so that `make translations` extracts them.

Constant messages: the services raise DomainErrors with English constants (the API's language) and
marshmallow, Werkzeug and Flask-WTF have English texts of their own; the views pass them through
kb.web.helpers.message, which translates them with gettext, so each must be listed below.
tests/web/test_translations.py checks that every constant message the services raise is listed here.

Messages with values: the services raise lazy templates with named values (flask_babel.lazy_gettext
"Cannot %(action)s %(record)s that is %(state)s." with the words of kb.i18n), rendered by str() in the
request's language, so they are not listed here (the test forbids f-strings in raised messages).
marshmallow's own templates with values ("Longer than maximum length {max}.") are matched in
TEMPLATED below and refilled into our translated templates.
"""
from __future__ import annotations

import re

from flask_babel import lazy_gettext
from marshmallow import validate as mv


def _(message: str) -> str:
    """Mark for extraction only: the views translate with gettext at render time."""
    return message


# Raised by kb/services, kb/workflow and kb/schemas (field errors included).
DOMAIN = (
    _("A centre may only propose its own offers."),
    _("A completion report is required to complete."),
    _("A known organisation is required."),
    _("A money contribution needs an amount and a currency."),
    _("A partner joins for its own organisation."),
    _("A user with this e-mail exists."),
    _("Already registered."),
    _("Expert rosters are visible to signed-in users with access only."),
    _("Give some words to search for."),
    _("Give the number of expert-days."),
    _("Give the place, or mark the activity as virtual."),
    _("Must not be before start_date."),
    _("Must not be before wished_start."),
    _("Only an administrator may do this."),
    _("Only an administrator may see other users."),
    _("Only parties to the exchange and the secretariat declare contributions."),
    _("Only parties to the exchange and the secretariat report results."),
    _("Only partners (or the secretariat on their behalf) join exchanges."),
    _("Only the centre's own staff or the secretariat may edit its roster."),
    _("Only the secretariat or a competence centre may propose a match."),
    _("Only the secretariat or the providing centre report activities."),
    _("Record at least one activity before completing the exchange."),
    _("Record the results and each party's feedback before evaluating."),
    _("Renewing needs a valid_until date in the future."),
    _("Report at least one result or some feedback."),
    _("Required when the secretariat creates a record."),
    _("Sign in to read the audit trail."),
    _("Sign in to see exchanges."),
    _("Sign in to see matches."),
    _("The agreement reference is required to agree."),
    _("The change conflicts with existing data."),
    _("The query has no words."),
    _("The record is not complete enough to publish."),
    _("The record was changed by someone else; reload it and try again."),
    _("These records cannot be matched."),
    _("This organisation is already a partner of the exchange."),
    _("Too many failed sign-in attempts; try again later."),
    _("Wrong e-mail or password."),
    _("Wrong password."),
    _("You cannot deactivate or demote yourself."),
    _("You may only add experts to your own organisation's roster."),
    _("You may only create records for your own organisation."),
    _("You may only declare your own organisation's contributions."),
    _("Your organisation is not a party to this exchange."),
    _("Your role may not keep an expert roster."),
    _("Nothing to change: send at least one field."),
    _("At least one sector is needed before publishing."),
    _("At least one working language is needed before publishing."),
    _("The offer's validity has passed; set a later date first."),
    _("An offer whose validity has passed cannot be submitted."),
    _("The offer has expired; it must be renewed before it can be matched."),
    _("The offer comes from the requesting country; matches are between different countries."),
    _("Text may not contain NUL characters."),
    _("Text may not contain unpaired surrogate characters (invalid Unicode)."),
    _("May not be blank."),
    _("Give the amount as digits with at most two decimals, in a string: \"1500.00\"."),
    _("Invalid input."),
)

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
