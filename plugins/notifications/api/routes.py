"""``/api/v1/notifications``: notices, the active feed per site, and acknowledgements."""

from __future__ import annotations

from typing import Any

from flask import request
from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import case, exists, or_, select

from shopdb.plugins.toolkit import (
    LIST_PARAMETERS,
    BadRequest,
    Conflict,
    ListSpec,
    Unauthorized,
    User,
    apply_list_args,
    current_actor,
    current_user,
    db,
    envelope,
    expected_version,
    list_envelope,
    list_response,
    paginate,
    require_role,
    responses,
    writes,
)

from ..models import Notification, NotificationAck, now_seconds
from ..rules import check_notice, check_site_scope
from ..schemas import NotificationAckRequestSchema, NotificationAckSchema, NotificationSchema
from ..service import ACKNOWLEDGED, DELETED, UPDATED, announce, create_notice, is_active

blp = Blueprint("notifications", __name__, url_prefix="/api/v1/notifications",
                description="Notices for operators, acknowledgements and the active feed")
_FIELDS = {
    "id": Notification.id, "title": Notification.title, "severity": Notification.severity,
    "site_id": Notification.site_id, "assetid": Notification.assetid, "source": Notification.source,
    "starts_at": Notification.starts_at, "ends_at": Notification.ends_at,
    "created_by": Notification.created_by, "created_at": Notification.created_at,
    "updated_at": Notification.updated_at,
}
LIST = ListSpec(fields=_FIELDS, search=[Notification.title, Notification.message],
                default_sort=["-starts_at"], tiebreak=[Notification.id.desc()])
ACTIVE = ListSpec(fields={k: _FIELDS[k] for k in ("severity", "assetid", "source")},
                  search=[Notification.title, Notification.message], extra_args={"site_id", "acknowledged"})
ACKS = ListSpec(fields={"user_id": NotificationAck.user_id, "username": User.username,
                       "acked_at": NotificationAck.acked_at},
                default_sort=["-acked_at"], tiebreak=[NotificationAck.id.desc()])
SEVERITY_RANK = case({"critical": 0, "warning": 1}, value=Notification.severity, else_=2)
ACTIVE_PARAMETERS = [*LIST_PARAMETERS, {
    "in": "query", "name": "site_id", "schema": {"type": "integer"},
    "description": "this site's notices plus those for all sites"}, {
    "in": "query", "name": "acknowledged", "schema": {"type": "boolean"},
    "description": "false: only the notices the caller has not acknowledged (the notice banner); "
                   "true: only those they have"}]
FLAGS = {"true": True, "1": True, "false": False, "0": False}


def _acked_by(user) -> Any:
    return exists().where(NotificationAck.notification_id == Notification.id, NotificationAck.user_id == user.id)


def _with_ack_flag(stmt):
    """Add ``acknowledged`` for the calling user as the row's second column (every read is signed in:
    deny by default, ADR 0017)."""
    return stmt.add_columns(_acked_by(current_user()).label("acknowledged"))


NOTICE_FIELDS = ("id", "title", "message", "severity", "site_id", "assetid", "starts_at", "ends_at", "source",
                 "created_by", "created_at", "updated_at", "version")


def _notice_dict(notice: Notification, acknowledged: Any = None) -> dict[str, Any]:
    """The notice, raw, for ``NotificationSchema``; ``acknowledged`` only for a signed-in caller."""
    data = {key: getattr(notice, key) for key in NOTICE_FIELDS}
    if acknowledged is not None:
        data["acknowledged"] = bool(acknowledged)
    return data


def _require_login():
    user = current_user()
    if user is None:
        raise Unauthorized("Authentication required: send 'Authorization: Bearer <token>'.")
    return user


def _load(notification_id: int) -> Notification:
    return writes.get_or_404(Notification, notification_id, "notification")


class Notifications(MethodView):
    @blp.doc(parameters=LIST_PARAMETERS)
    @blp.response(200, list_envelope(NotificationSchema))
    def get(self):
        """Every notice, past, present and future (filters: severity, site_id, assetid, source, ...)."""
        return list_response(select(Notification), LIST, _notice_dict)

    @require_role("editor")
    @blp.arguments(NotificationSchema)
    @blp.response(201, envelope(NotificationSchema))
    def post(self, body):
        """Post a notice; ``notifications.created`` is emitted after the commit."""
        body.pop("version", None)
        check_notice(body, set(body))
        body.setdefault("site_id", None)
        check_site_scope(body["site_id"])
        with writes.transaction():
            notice = create_notice(created_by=current_actor()[1], **body)
        return responses.single(_notice_dict(notice), 201, notice.version)


def _only_acknowledged(stmt, raw: str | None):
    """``?acknowledged=false``: what the caller still has to see (the banner); ``true``: what they saw."""
    if raw in (None, ""):
        return stmt
    wanted = FLAGS.get(raw.strip().lower())
    if wanted is None:
        raise BadRequest("'acknowledged' must be true or false.",
                         {"fields": {"acknowledged": ["Not a valid boolean."]}})
    acked = _acked_by(_require_login())
    return stmt.where(acked if wanted else ~acked)


class ActiveNotifications(MethodView):
    @blp.doc(parameters=ACTIVE_PARAMETERS)
    @blp.response(200, list_envelope(NotificationSchema))
    def get(self):
        """Notices in force now, critical first; ``?site_id=N`` adds the all-site ones to site N's;
        ``?acknowledged=false`` leaves out those the caller acknowledged (the banner's feed)."""
        stmt = select(Notification).where(is_active(now_seconds()))
        raw_site = request.args.get("site_id")
        if raw_site not in (None, ""):
            try:
                site_id = int(raw_site)
            except ValueError:
                raise BadRequest("'site_id' must be a whole number.",
                                 {"fields": {"site_id": ["Not a valid integer."]}}) from None
            stmt = stmt.where(or_(Notification.site_id == site_id, Notification.site_id.is_(None)))
        stmt = _only_acknowledged(stmt, request.args.get("acknowledged"))
        stmt = apply_list_args(stmt, ACTIVE).order_by(
            SEVERITY_RANK, Notification.starts_at.desc(), Notification.id.desc())
        return paginate(_with_ack_flag(stmt), lambda row: _notice_dict(row[0], row[1]), scalars=False)


class NotificationItem(MethodView):
    @blp.response(200, envelope(NotificationSchema))
    def get(self, notification_id):
        row = db.session.execute(_with_ack_flag(select(Notification)).where(
            Notification.id == notification_id)).first()
        if row is None:
            _load(notification_id)  # raises the usual 404
        return responses.single(_notice_dict(row[0], row[1]), etag_version=row[0].version)

    @require_role("editor")
    @blp.arguments(NotificationSchema(partial=True))
    @blp.response(200, envelope(NotificationSchema))
    def patch(self, body, notification_id):
        """Change a notice; send its ``version`` (or If-Match) so a stale edit gets 409 (412)."""
        notice = _load(notification_id)
        version = expected_version(body, notice)
        check_site_scope(notice.site_id)
        values = {key: getattr(notice, key) for key in ("site_id", "assetid", "starts_at", "ends_at")}
        values.update(body)
        check_notice(values, set(body))
        if values["site_id"] != notice.site_id:
            body["site_id"] = values["site_id"]  # filled from the asset
            check_site_scope(body["site_id"])
        with writes.transaction():
            writes.update(notice, body, expected_version=version)
            announce(UPDATED, notice)
        return responses.single(_notice_dict(notice), etag_version=notice.version)

    @require_role("editor")
    @blp.response(204)
    def delete(self, notification_id):
        notice = _load(notification_id)
        check_site_scope(notice.site_id)
        with writes.transaction():
            announce(DELETED, notice)  # its fields as they were: the live pages drop it
            writes.delete(notice, expected_version=expected_version({}, notice))
        return responses.no_content()


def _find_ack(notification_id: int, user_id: int) -> NotificationAck | None:
    return db.session.execute(select(NotificationAck).where(
        NotificationAck.notification_id == notification_id, NotificationAck.user_id == user_id)).scalar_one_or_none()


def _ack_dict(ack: NotificationAck, username: str) -> dict[str, Any]:
    return {"id": ack.id, "notification_id": ack.notification_id, "user_id": ack.user_id,
            "username": username, "acked_at": ack.acked_at}


class Acknowledge(MethodView):
    @require_role("viewer")
    @blp.arguments(NotificationAckRequestSchema)
    @blp.response(201, envelope(NotificationAckSchema))
    @blp.alt_response(200, schema=envelope(NotificationAckSchema), description="already acknowledged by this user")
    def post(self, body, notification_id):
        """Acknowledge a notice as the calling user (any role). Idempotent: a repeat answers 200."""
        user = current_user()
        notice = _load(notification_id)
        existing = _find_ack(notification_id, user.id)
        if existing is not None:
            return responses.single(_ack_dict(existing, user.username), 200)
        try:
            with writes.transaction():
                ack = writes.create(NotificationAck, notification_id=notification_id, user_id=user.id)
                announce(ACKNOWLEDGED, notice, user_id=user.id)  # that user's other pages drop it too
        except Conflict:
            # The same user acknowledged twice at once; the unique constraint let one through.
            existing = _find_ack(notification_id, user.id)
            if existing is None:
                raise
            return responses.single(_ack_dict(existing, user.username), 200)
        return responses.single(_ack_dict(ack, user.username), 201)


class Acknowledgements(MethodView):
    @blp.doc(parameters=LIST_PARAMETERS)
    @blp.response(200, list_envelope(NotificationAckSchema))
    def get(self, notification_id):
        """Who acknowledged a notice, newest first (any authenticated user; it names users)."""
        _require_login()
        _load(notification_id)
        stmt = (select(NotificationAck, User.username).join(User, User.id == NotificationAck.user_id)
                .where(NotificationAck.notification_id == notification_id))
        return list_response(stmt, ACKS, lambda row: _ack_dict(row[0], row[1]), scalars=False)


def register(blp: Blueprint) -> None:
    """Notices (admin list, live feed, one notice) and their acknowledgements."""
    blp.route("")(Notifications)
    blp.route("/active")(ActiveNotifications)
    blp.route("/<int:notification_id>")(NotificationItem)
    blp.route("/<int:notification_id>/ack")(Acknowledge)
    blp.route("/<int:notification_id>/acks")(Acknowledgements)
