"""/organisations (public list, admin edits) and /users (admin)."""
from __future__ import annotations

from flask.views import MethodView

from kb.api.blueprint import Blueprint
from kb.api.common import page_of, require_user
from kb.schemas.common import page_schema
from kb.schemas.people import (
    OrganisationInSchema,
    OrganisationOutSchema,
    OrganisationPatchSchema,
    OrganisationQuerySchema,
    UserInSchema,
    UserOutSchema,
    UserPatchSchema,
    UserQuerySchema,
)
from kb.services import admin
from kb.services.pages import filters_from

orgs = Blueprint("organisations", __name__, url_prefix="/organisations", description="Organisations")
users = Blueprint("users", __name__, url_prefix="/users", description="Users (administrators)")
BLUEPRINTS = [orgs, users]


@orgs.route("")
class Organisations(MethodView):
    @orgs.public
    @orgs.arguments(OrganisationQuerySchema, location="query")
    @orgs.response(200, page_schema(OrganisationOutSchema, "OrganisationPage"))
    def get(self, args):
        """List organisations (filters: kind, country, q)."""
        return page_of(admin.list_organisations(filters_from(admin.OrganisationFilters, args), args["page"],
                                                args["per_page"]))

    @orgs.refuses(403)
    @orgs.arguments(OrganisationInSchema)
    @orgs.response(201, OrganisationOutSchema)
    def post(self, data):
        """Register an organisation (admin)."""
        return admin.create_organisation(require_user(), data)


@orgs.route("/<int:org_id>")
class OrganisationItem(MethodView):
    @orgs.public
    @orgs.response(200, OrganisationOutSchema)
    def get(self, org_id):
        """One organisation."""
        return admin.get_organisation(org_id)

    @orgs.refuses(403, 409)
    @orgs.arguments(OrganisationPatchSchema(partial=True))
    @orgs.response(200, OrganisationOutSchema)
    def patch(self, data, org_id):
        """Edit an organisation (admin)."""
        version = data.pop("version", None)
        return admin.update_organisation(require_user(), org_id, data, version)


@users.route("")
class Users(MethodView):
    @users.refuses(403)
    @users.arguments(UserQuerySchema, location="query")
    @users.response(200, page_schema(UserOutSchema, "UserPage"))
    def get(self, args):
        """List users (admin)."""
        return page_of(admin.list_users(require_user(), filters_from(admin.UserFilters, args), args["page"],
                                        args["per_page"]))

    @users.refuses(403, 409)
    @users.arguments(UserInSchema)
    @users.response(201, UserOutSchema)
    def post(self, data):
        """Create a user (admin)."""
        return admin.create_user(require_user(), data)


@users.route("/<int:user_id>")
class UserItem(MethodView):
    @users.refuses(403)
    @users.response(200, UserOutSchema)
    def get(self, user_id):
        """One user (admin, or oneself)."""
        return admin.get_user(require_user(), user_id)

    @users.refuses(403, 409)
    @users.arguments(UserPatchSchema)
    @users.response(200, UserOutSchema)
    def patch(self, data, user_id):
        """Edit a user: role, organisation, language, active, password (admin)."""
        version = data.pop("version", None)
        return admin.update_user(require_user(), user_id, data, version)
