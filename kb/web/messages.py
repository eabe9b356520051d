"""Messages that reach pages from outside kb/web, marked here so that `make translations` extracts them.

The services raise DomainErrors with English messages (the API's language) and marshmallow, Werkzeug and
Flask-WTF have English texts of their own; the views pass them through gettext when they render a page, which
translates them only if the catalogues know them. Messages built with values (e.g. "Offer 5 not found.") cannot
be listed; the HTML error page leaves such an untranslated detail out of a page in another language.
tests/web/test_translations.py checks that every constant message the services raise is listed here.
"""
from __future__ import annotations


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
    _("Cannot exceed people_trained."),
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
)

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
