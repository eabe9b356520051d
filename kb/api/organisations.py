"""/organisations (public list, admin edits) and /users (admin)."""
from __future__ import annotations

from flask.views import MethodView
from sqlalchemy import func, or_, select

from kb.api.blueprint import Blueprint
from kb.api.common import page_of, require_user
from kb.models import Organisation, User
from kb.schemas.common import page_schema
from kb.schemas.people import (
    OrganisationInSchema, OrganisationOutSchema, OrganisationPatchSchema, OrganisationQuerySchema,
    UserInSchema, UserOutSchema, UserPatchSchema, UserQuerySchema,
)
from kb.services import admin

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
        stmt = select(Organisation).order_by(Organisation.name)
        if args.get("kind"):
            stmt = stmt.where(Organisation.kind == args["kind"])
        if args.get("country"):
            stmt = stmt.where(Organisation.country_code == args["country"].upper())
        if args.get("q"):
            like = f"%{args['q'].lower()}%"
            stmt = stmt.where(or_(func.lower(Organisation.name).like(like),
                                  func.lower(Organisation.acronym).like(like)))
        return page_of(stmt, args)

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
        stmt = admin.list_users(require_user())
        if args.get("role"):
            stmt = stmt.where(User.role == args["role"])
        if args.get("organisation_id"):
            stmt = stmt.where(User.organisation_id == args["organisation_id"])
        return page_of(stmt, args)

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
