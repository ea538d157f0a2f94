from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import func, select

from ...api import LIST_PARAMETERS, Conflict, ListSpec, envelope, list_envelope, list_response, responses
from ...api.concurrency import expected_version
from ...api.errors import ValidationFailed
from ...auth import require_role, require_site_access
from ...extensions import db
from ..models import Location, Site
from ..schemas import LocationSchema
from ..services import writes

blp = Blueprint("locations", __name__, url_prefix="/api/v1/locations",
                description="Buildings, areas and cells of a site (a tree)")
SPEC = ListSpec(
    fields={"id": Location.id, "site_id": Location.site_id, "parent_id": Location.parent_id,
            "name": Location.name, "kind": Location.kind},
    search=[Location.name], default_sort=["site_id", "name"], tiebreak=[Location.id],
)
MAX_DEPTH = 16


def _check_parent(site_id: int, parent_id: int | None, moving: Location | None = None) -> None:
    if parent_id is None:
        return
    parent = writes.require_reference(Location, parent_id, "parent_id")
    if parent.site_id != site_id:
        raise ValidationFailed({"parent_id": ["The parent location belongs to another site."]})
    node, depth = parent, 0
    while node is not None:  # walking up from the new parent must never reach the moved node
        if moving is not None and node.id == moving.id:
            raise ValidationFailed({"parent_id": ["A location cannot be inside itself."]})
        depth += 1
        if depth > MAX_DEPTH:
            raise ValidationFailed({"parent_id": [f"Locations nest at most {MAX_DEPTH} deep."]})
        node = db.session.get(Location, node.parent_id) if node.parent_id else None


@blp.route("")
class Locations(MethodView):
    @blp.doc(parameters=LIST_PARAMETERS)
    @blp.response(200, list_envelope(LocationSchema))
    def get(self):
        return list_response(select(Location), SPEC)

    @require_role("editor")
    @blp.arguments(LocationSchema)
    @blp.response(201, envelope(LocationSchema))
    def post(self, body):
        body.pop("version", None)
        writes.require_reference(Site, body["site_id"], "site_id")
        require_site_access(body["site_id"])
        _check_parent(body["site_id"], body.get("parent_id"))
        with writes.transaction():
            writes.ensure_unique(Location, "name", body["name"],
                                 scope={"site_id": body["site_id"], "parent_id": body.get("parent_id")})
            location = writes.create(Location, **body)
        return responses.single(location, 201, location.version)


@blp.route("/<int:location_id>")
class LocationDetail(MethodView):
    @blp.response(200, envelope(LocationSchema))
    def get(self, location_id):
        location = writes.get_or_404(Location, location_id, "location")
        return responses.single(location, etag_version=location.version)

    @require_role("editor")
    @blp.arguments(LocationSchema(partial=True))
    @blp.response(200, envelope(LocationSchema))
    def patch(self, body, location_id):
        location = writes.get_or_404(Location, location_id, "location")
        version = expected_version(body, location)
        require_site_access(location.site_id)
        if "site_id" in body and body["site_id"] != location.site_id:
            raise ValidationFailed({"site_id": ["A location cannot move to another site."]})
        if "parent_id" in body:
            _check_parent(location.site_id, body["parent_id"], moving=location)
        with writes.transaction():
            writes.update(location, body, expected_version=version)
        return responses.single(location, etag_version=location.version)

    @require_role("editor")
    @blp.response(204)
    def delete(self, location_id):
        location = writes.get_or_404(Location, location_id, "location")
        require_site_access(location.site_id)
        children = db.session.execute(
            select(func.count()).select_from(Location).where(Location.parent_id == location_id)
        ).scalar_one()
        if children:
            raise Conflict(f"Location {location.name!r} still contains {children} locations.")
        with writes.transaction():
            writes.delete(location, expected_version=expected_version({}, location))
        return responses.no_content()
