"""``/api/v1/equipment/floor-plans``: the images drawn under a site's floor map (issue 13 item 8).

A site has one plan of its whole floor, ``/floor-plans/<site_id>``, and one per area (a location of the
site: a hall, an area, a cell), ``/floor-plans/<site_id>/areas/<location_id>`` — the same addressing as
the machines' ``/equipment/<assetid>/maintenance``. An admin uploads a PNG or JPEG (``PUT``, multipart
part ``file``) and removes it (``DELETE``); anyone who may read the site gets the image (``GET``,
``ETag`` = its SHA-256, so a browser revalidates with one cheap query and a 304) and its description
(``GET .../meta``). Reads go through the ORM, so a user limited to other sites meets a 404, as for a
site (or an area) that does not exist (docs/adr/0017).
"""

from __future__ import annotations

import math
from typing import Any

from flask import Response, current_app, request
from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import select
from werkzeug.exceptions import RequestEntityTooLarge

from shopdb.plugins.toolkit import (
    LIST_PARAMETERS,
    ApiError,
    BadRequest,
    ListSpec,
    Location,
    NotFound,
    Site,
    ValidationFailed,
    current_actor,
    db,
    envelope,
    list_envelope,
    list_response,
    require_role,
    require_site_access,
    responses,
    utcnow,
    writes,
)

from .. import floor_images
from ..models import CONTENT_TYPES, FloorPlan, area_key
from ..schemas import MAX_FLOOR_COORDINATE, FloorPlanSchema

DEFAULT_MAX_BYTES = 10 * 1024 * 1024  # a scanned A0 hall drawing as PNG; SHOPDB_FLOOR_PLAN_MAX_BYTES overrides
MULTIPART_OVERHEAD = 64 * 1024  # the form's boundaries and small fields around the file
FORM_FIELDS = {"file", "floor_width", "origin_x", "origin_y"}
IMAGE_SCHEMA = {"type": "string", "format": "binary"}
BASE = "/api/v1/equipment/floor-plans"

UPLOAD = {
    "required": True,
    "content": {"multipart/form-data": {"schema": {
        "type": "object", "required": ["file"],
        "properties": {
            "file": {**IMAGE_SCHEMA, "description": "the plan as PNG or JPEG (SVG is refused: it can carry script); "
                                                    "at most 10 MB unless the server says otherwise"},
            "floor_width": {"type": "number", "minimum": 0, "exclusiveMinimum": True, "maximum": MAX_FLOOR_COORDINATE,
                            "description": "how many floor units (the unit of the machines' floor_x/floor_y) the "
                                           "image's width covers; default: the replaced plan's, else the image's "
                                           "width in pixels (one unit per pixel)"},
            "origin_x": {"type": "number", "minimum": 0, "maximum": MAX_FLOOR_COORDINATE,
                         "description": "where the image's left edge lies on the site's floor (floor units); "
                                        "default: the replaced plan's, else the area's x (0 for the whole site)"},
            "origin_y": {"type": "number", "minimum": 0, "maximum": MAX_FLOOR_COORDINATE,
                         "description": "where the image's top edge lies on the site's floor (floor units); "
                                        "default: the replaced plan's, else the area's y (0 for the whole site)"},
        },
    }}},
}
IMAGE_RESPONSES = {
    "200": {"description": "the image; `ETag` is its SHA-256",
            "headers": {"ETag": {"schema": {"type": "string"}}},
            "content": {content_type: {"schema": IMAGE_SCHEMA} for content_type in CONTENT_TYPES}},
    "304": {"description": "the image the client holds (its `If-None-Match`) is still the plan"},
}
IF_NONE_MATCH = [{"in": "header", "name": "If-None-Match", "required": False, "schema": {"type": "string"},
                  "description": "the `ETag` of the image the client holds: 304 while it is current"}]
PLAN_LIST = ListSpec(
    fields={"site_id": FloorPlan.site_id, "location_id": FloorPlan.location_id, "area_key": FloorPlan.area_key,
            "content_type": FloorPlan.content_type, "width": FloorPlan.width, "height": FloorPlan.height,
            "uploaded_at": FloorPlan.uploaded_at, "uploaded_by": FloorPlan.uploaded_by},
    default_sort=["site_id", "area_key"],  # each site's whole-floor plan (area_key 0) before its areas'
    tiebreak=[FloorPlan.id],
)
VERSION_PARAMETER = [{"in": "query", "name": "v", "required": False, "schema": {"type": "string"},
                      "description": "ignored: a page names each image by its `etag` here, so a new plan is a new "
                                     "URL for the browser's cache"}]
REFUSED_FILE = {"415": "UNSUPPORTED_MEDIA_TYPE"}  # not a PNG or JPEG by its first bytes


class PayloadTooLarge(ApiError):
    status, code = 413, "payload_too_large"


class UnsupportedMediaType(ApiError):
    status, code = 415, "unsupported_media_type"


def _max_bytes() -> int:
    return int(current_app.config.get("SHOPDB_FLOOR_PLAN_MAX_BYTES") or DEFAULT_MAX_BYTES)


def _site(site_id: int) -> Site:
    """The site, if the caller may see it (the ORM query carries their site scope)."""
    site = db.session.execute(select(Site).where(Site.id == site_id)).scalar_one_or_none()
    if site is None:
        raise NotFound(f"No site with id {site_id}.")
    return site


def _area(site_id: int, location_id: int | None) -> Location | None:
    """The area a plan is addressed by (None: the whole site), which must be a location of that site.

    The site is checked first, so a user limited to other sites meets the same 404 as for a site that
    does not exist; a location of another site (or none) is a 404 naming the site's areas as the way out.
    """
    _site(site_id)
    if location_id is None:
        return None
    location = db.session.execute(select(Location).where(Location.id == location_id)).scalar_one_or_none()
    if location is None or location.site_id != site_id:
        raise NotFound(f"Location {location_id} is not an area of site {site_id}; its areas are listed by "
                       f"GET /api/v1/locations?site_id={site_id}.", {"site_id": site_id, "location_id": location_id},
                       code="no_such_area")
    return location


def _where(site_id: int, location_id: int | None) -> Any:
    return (FloorPlan.site_id == site_id) & (FloorPlan.area_key == area_key(location_id))


def _whose(site_id: int, location_id: int | None) -> str:
    return f"Site {site_id}" if location_id is None else f"Area {location_id} of site {site_id}"


def _plan(site_id: int, location_id: int | None) -> FloorPlan:
    _area(site_id, location_id)
    plan = db.session.execute(select(FloorPlan).where(_where(site_id, location_id))).scalar_one_or_none()
    if plan is None:
        raise NotFound(f"{_whose(site_id, location_id)} has no floor plan.", code="no_floor_plan")
    return plan


def plan_url(site_id: int, location_id: int | None) -> str:
    return f"{BASE}/{site_id}" if location_id is None else f"{BASE}/{site_id}/areas/{location_id}"


def describe(plan: FloorPlan) -> dict[str, Any]:
    return {"site_id": plan.site_id, "location_id": plan.location_id, "content_type": plan.content_type,
            "size_bytes": plan.size_bytes, "width": plan.width, "height": plan.height,
            "floor_width": plan.floor_width, "floor_height": plan.floor_height,
            "origin_x": plan.origin_x, "origin_y": plan.origin_y, "etag": plan.sha256,
            "url": plan_url(plan.site_id, plan.location_id), "uploaded_at": plan.uploaded_at,
            "uploaded_by": plan.uploaded_by, "version": plan.version}


def _upload() -> bytes:
    """The part ``file``, read whole: at most the cap (413 beyond it, in the API's error format)."""
    limit = _max_bytes()
    request.max_content_length = limit + MULTIPART_OVERHEAD  # this view's cap, above the app's small one
    too_large = PayloadTooLarge(f"The image is larger than {limit:,} bytes; save it at a lower resolution or as "
                                "JPEG.", {"max_bytes": limit})
    try:
        upload = request.files.get("file")
        # str(): a part may come without a name
        unknown = sorted(str(name) for name in (set(request.form) | set(request.files)) - FORM_FIELDS)
    except RequestEntityTooLarge:
        raise too_large from None
    if "location_id" in unknown:  # before 0005 a caption of the one site plan; now an address
        raise BadRequest("An area's plan is uploaded to /api/v1/equipment/floor-plans/<site_id>/areas/<location_id>;"
                         " this URL holds the plan of the whole site.", {"allowed": sorted(FORM_FIELDS)})
    if unknown:
        raise BadRequest(f"Unknown form field '{unknown[0]}'.", {"allowed": sorted(FORM_FIELDS)})
    if upload is None:
        message = "Send the image as the multipart/form-data part 'file'."
        raise BadRequest(message, {"fields": {"file": [message]}})
    data = upload.stream.read(limit + 1)
    if len(data) > limit:
        raise too_large
    return data


def _number(name: str, low: float, *, above: bool = False) -> float | None:
    """A form field as a finite number within bounds (422 naming the field), None when it is empty."""
    raw = request.form.get(name, "").strip()
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and (value > low if above else value >= low) and value <= MAX_FLOOR_COORDINATE):
        bounds = f"above {low:g} and at most" if above else f"from {low:g} to"
        raise ValidationFailed({name: [f"A number {bounds} {MAX_FLOOR_COORDINATE:,.0f}."]})
    return value


def _floor_width(previous: FloorPlan | None, width_px: int) -> float:
    value = _number("floor_width", 0, above=True)
    if value is not None:
        return value
    return previous.floor_width if previous is not None else float(width_px)


def _origin(previous: FloorPlan | None, area: Location | None) -> dict[str, float]:
    """Where the drawing's top-left corner lies on the site's floor: as sent, else the replaced plan's,
    else the area's own floor position (the locations' ``x``/``y``), else the floor's (0, 0)."""
    origin = {}
    for name, own in (("origin_x", "x"), ("origin_y", "y")):
        value = _number(name, 0)
        if value is None:
            value = getattr(previous, name) if previous is not None else max(getattr(area, own, None) or 0.0, 0.0)
        origin[name] = value
    return origin


def _checked(data: bytes) -> floor_images.CheckedImage:
    try:
        return floor_images.check(data)
    except floor_images.NotAnImage as exc:
        raise UnsupportedMediaType(str(exc), {"fields": {"file": [str(exc)]}, "accepted": list(CONTENT_TYPES)}) \
            from None
    except floor_images.BadImage as exc:
        raise BadRequest(str(exc), {"fields": {"file": [str(exc)]}}, code="bad_image") from None


def _image(site_id: int, location_id: int | None) -> Response:
    _area(site_id, location_id)
    found = db.session.execute(  # the digest alone first: a revalidation never loads the image
        select(FloorPlan.id, FloorPlan.sha256, FloorPlan.content_type).where(_where(site_id, location_id))
    ).one_or_none()
    if found is None:
        raise NotFound(f"{_whose(site_id, location_id)} has no floor plan.", code="no_floor_plan")
    headers = {"ETag": f'"{found.sha256}"', "Cache-Control": "private, no-cache"}
    if request.if_none_match.contains(found.sha256):
        return Response(status=304, headers=headers)
    image = db.session.execute(select(FloorPlan.image).where(FloorPlan.id == found.id)).scalar_one()
    response = Response(image, mimetype=found.content_type, headers=headers)
    name = f"floor-plan-{site_id}" if location_id is None else f"floor-plan-{site_id}-area-{location_id}"
    response.headers["Content-Disposition"] = f'inline; filename="{name}"'
    return response


def _put(site_id: int, location_id: int | None):
    area = _area(site_id, location_id)
    require_site_access(site_id)
    data = _upload()
    image = _checked(data)
    previous = db.session.execute(select(FloorPlan).where(_where(site_id, location_id))).scalar_one_or_none()
    values = {"content_type": image.content_type, "size_bytes": len(data),
              "width": image.width, "height": image.height, "sha256": image.sha256,
              "floor_width": _floor_width(previous, image.width), **_origin(previous, area),
              "uploaded_at": utcnow(), "uploaded_by": current_actor()[1]}
    with writes.transaction():
        if previous is None:
            plan = writes.create(FloorPlan, site_id=site_id, location_id=location_id, image=data, **values)
        else:
            # Set, never compared: reading the old bytes would load megabytes (and autoflush
            # half the change); the sha256 among the values says whether the image changed.
            previous.image = data
            writes.update(previous, values)
            plan = previous
    return responses.single(describe(plan), 201 if previous is None else 200)


def _delete(site_id: int, location_id: int | None):
    plan = _plan(site_id, location_id)
    require_site_access(site_id)
    with writes.transaction():
        writes.delete(plan)
    return responses.no_content()


def register(blp: Blueprint) -> None:
    """The floor-plan images of a site (whole floor and areas) and their descriptions; the caller's plans."""

    @blp.route("/floor-plans")
    class FloorPlans(MethodView):
        @blp.doc(parameters=LIST_PARAMETERS)
        @blp.response(200, list_envelope(FloorPlanSchema))
        def get(self):
            """The floor plans of the sites the caller sees, each site's whole-floor plan first.

            ``?site_id=`` for one site (an empty list if it has none), ``&location_id=`` for one area's;
            ``area_key=0`` keeps the whole-site plans only.
            """
            return list_response(select(FloorPlan), PLAN_LIST, describe)

    @blp.route("/floor-plans/<int:site_id>")
    class FloorPlanImage(MethodView):
        @blp.doc(parameters=[*IF_NONE_MATCH, *VERSION_PARAMETER], responses=IMAGE_RESPONSES)
        def get(self, site_id: int) -> Response:
            """The image of the site's whole floor (PNG or JPEG), drawn under the floor map's markers."""
            return _image(site_id, None)

        @require_role("admin")
        @blp.doc(requestBody=UPLOAD, responses=REFUSED_FILE)
        @blp.response(200, envelope(FloorPlanSchema), description="the plan was replaced")
        @blp.alt_response(201, schema=envelope(FloorPlanSchema), description="the site had no plan")
        def put(self, site_id: int):
            """Upload the plan of the site's whole floor (admin): a PNG or JPEG, replacing the one there was."""
            return _put(site_id, None)

        @require_role("admin")
        @blp.response(204)
        def delete(self, site_id: int):
            """Remove the plan of the site's whole floor (admin); its areas' plans and the markers stay."""
            return _delete(site_id, None)

    @blp.route("/floor-plans/<int:site_id>/meta")
    class FloorPlanMeta(MethodView):
        @blp.response(200, envelope(FloorPlanSchema))
        def get(self, site_id: int):
            """The whole-site plan: pixel size, the floor it covers, its ETag and where the image is."""
            return responses.single(describe(_plan(site_id, None)))

    @blp.route("/floor-plans/<int:site_id>/areas")
    class AreaFloorPlans(MethodView):
        @blp.doc(parameters=LIST_PARAMETERS)
        @blp.response(200, list_envelope(FloorPlanSchema))
        def get(self, site_id: int):
            """The site's area plans (its whole-floor plan is ``/floor-plans/<site_id>``); 404 for a site the
            caller does not see."""
            _site(site_id)
            stmt = select(FloorPlan).where(FloorPlan.site_id == site_id, FloorPlan.area_key != area_key(None))
            return list_response(stmt, PLAN_LIST, describe)

    @blp.route("/floor-plans/<int:site_id>/areas/<int:location_id>")
    class AreaFloorPlanImage(MethodView):
        @blp.doc(parameters=[*IF_NONE_MATCH, *VERSION_PARAMETER], responses=IMAGE_RESPONSES)
        def get(self, site_id: int, location_id: int) -> Response:
            """The image of one area of the site (a location of it: a hall, an area, a cell)."""
            return _image(site_id, location_id)

        @require_role("admin")
        @blp.doc(requestBody=UPLOAD, responses=REFUSED_FILE)
        @blp.response(200, envelope(FloorPlanSchema), description="the plan was replaced")
        @blp.alt_response(201, schema=envelope(FloorPlanSchema), description="the area had no plan")
        def put(self, site_id: int, location_id: int):
            """Upload an area's plan (admin): a PNG or JPEG placed on the site's floor at ``origin_x``/``origin_y``.

            A location of another site is a 404 (``no_such_area``).
            """
            return _put(site_id, location_id)

        @require_role("admin")
        @blp.response(204)
        def delete(self, site_id: int, location_id: int):
            """Remove an area's plan (admin); the site's other plans and the markers stay."""
            return _delete(site_id, location_id)

    @blp.route("/floor-plans/<int:site_id>/areas/<int:location_id>/meta")
    class AreaFloorPlanMeta(MethodView):
        @blp.response(200, envelope(FloorPlanSchema))
        def get(self, site_id: int, location_id: int):
            """An area's plan: pixel size, where on the site's floor it lies, its ETag and where the image is."""
            return responses.single(describe(_plan(site_id, location_id)))
