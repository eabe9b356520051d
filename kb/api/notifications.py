"""/notifications: the caller's inbox, newest first, and read marks."""
from __future__ import annotations

from flask.views import MethodView

from kb.api.blueprint import Blueprint
from kb.api.common import page_of, require_user
from kb.schemas.common import page_schema
from kb.schemas.notifications import MarkedSchema, NotificationOutSchema, NotificationQuerySchema, PreferencesSchema
from kb.services import inbox, preferences

blp = Blueprint("notifications", __name__, url_prefix="/notifications",
                description="The signed-in user's notifications (inbox)")
BLUEPRINTS = [blp]


@blp.route("")
class Notifications(MethodView):
    @blp.arguments(NotificationQuerySchema, location="query")
    @blp.response(200, page_schema(NotificationOutSchema, "NotificationPage"))
    def get(self, args):
        """My notifications, newest first (unread=true: the unread ones only), each with a link to its record."""
        return page_of(inbox.list_notifications(require_user(), args["unread"], args["page"], args["per_page"]))


@blp.route("/<int:notification_id>/read")
class NotificationRead(MethodView):
    @blp.refuses(404)
    @blp.response(200, NotificationOutSchema)
    def post(self, notification_id):
        """Mark one of my notifications read (already read: unchanged)."""
        return inbox.mark_read(require_user(), notification_id)


@blp.route("/read")
class NotificationsRead(MethodView):
    @blp.response(200, MarkedSchema)
    def post(self):
        """Mark all my notifications read; answers how many were unread."""
        return {"marked": inbox.mark_all_read(require_user())}


@blp.route("/preferences")
class Preferences(MethodView):
    @blp.response(200, PreferencesSchema)
    def get(self):
        """How I receive each kind of notification by e-mail (immediately, daily digest, never)."""
        return preferences.get_preferences(require_user())

    @blp.refuses(403)
    @blp.arguments(PreferencesSchema)
    @blp.response(200, PreferencesSchema)
    def patch(self, data):
        """Change how I receive some kinds by e-mail; answers every kind's choice."""
        return preferences.set_preferences(require_user(), data)
