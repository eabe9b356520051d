"""/invitations and /applications (joining the knowledge bank, issue #9 §1)."""
from __future__ import annotations

from flask.views import MethodView

from kb.api.blueprint import Blueprint
from kb.api.common import page_of, require_user
from kb.schemas.accounts import (
    ApplicationOutSchema,
    ApplicationQuerySchema,
    ApplicationTransitionSchema,
    InvitationInSchema,
    InvitationOutSchema,
)
from kb.schemas.common import page_schema
from kb.services import accounts

invitations = Blueprint("invitations", __name__, url_prefix="/invitations", description="Invitations")
applications = Blueprint("applications", __name__, url_prefix="/applications",
                         description="Institutions' applications to join (secretariat and admin)")
BLUEPRINTS = [invitations, applications]


@invitations.route("")
class Invitations(MethodView):
    @invitations.refuses(403, 409)
    @invitations.arguments(InvitationInSchema)
    @invitations.response(201, InvitationOutSchema)
    def post(self, data):
        """Invite a person into an organisation with a role; they set their password through the e-mailed link."""
        return accounts.invite(require_user(), data)


@applications.route("")
class Applications(MethodView):
    @applications.refuses(403)
    @applications.arguments(ApplicationQuerySchema, location="query")
    @applications.response(200, page_schema(ApplicationOutSchema, "ApplicationPage"))
    def get(self, args):
        """List applications, oldest first (status: waiting by default, the review queue; `all` for every one)."""
        status = None if args["status"] == "all" else args["status"]
        return page_of(accounts.list_applications(require_user(), status, args["page"], args["per_page"]))


@applications.route("/<int:application_id>/transitions")
class ApplicationTransitions(MethodView):
    @applications.refuses(403, 409)
    @applications.arguments(ApplicationTransitionSchema)
    @applications.response(200, ApplicationOutSchema)
    def post(self, data, application_id):
        """Approve an application (organisation_id: attach the person to that organisation) or refuse it with a
        reason; the applicant is told by e-mail."""
        return accounts.decide_application(require_user(), application_id, data["action"], data["reason"],
                                           data["organisation_id"], data["version"])
