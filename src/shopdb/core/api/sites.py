from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import func, select

from ...api import LIST_PARAMETERS, Conflict, ListSpec, envelope, list_envelope, list_response, responses
from ...api.concurrency import expected_version
from ...api.errors import ValidationFailed
from ...auth import require_role
from ...extensions import db
from ..models import Asset, Location, Site
from ..schemas import SiteSchema
from ..services import writes

blp = Blueprint("sites", __name__, url_prefix="/api/v1/sites", description="Plants")
SPEC = ListSpec(
    fields={"id": Site.id, "code": Site.code, "name": Site.name, "timezone": Site.timezone},
    search=[Site.code, Site.name], default_sort=["code"], tiebreak=[Site.id],
)


def _check_timezone(body: dict) -> None:
    if "timezone" in body and not SiteSchema.valid_timezone(body["timezone"]):
        raise ValidationFailed({"timezone": ["Unknown time zone (use an IANA name like Europe/Berlin)."]})


@blp.route("")
class Sites(MethodView):
    @blp.doc(parameters=LIST_PARAMETERS)
    @blp.response(200, list_envelope(SiteSchema))
    def get(self):
        return list_response(select(Site), SPEC)

    @require_role("admin")
    @blp.arguments(SiteSchema)
    @blp.response(201, envelope(SiteSchema))
    def post(self, body):
        body.pop("version", None)
        _check_timezone(body)
        with writes.transaction():
            writes.ensure_unique(Site, "code", body["code"], case_insensitive=True)
            site = writes.create(Site, **body)
        return responses.single(site, 201, site.version)


@blp.route("/<int:site_id>")
class SiteDetail(MethodView):
    @blp.response(200, envelope(SiteSchema))
    def get(self, site_id):
        site = writes.get_or_404(Site, site_id, "site")
        return responses.single(site, etag_version=site.version)

    @require_role("admin")
    @blp.arguments(SiteSchema(partial=True))
    @blp.response(200, envelope(SiteSchema))
    def patch(self, body, site_id):
        site = writes.get_or_404(Site, site_id, "site")
        version = expected_version(body, site)
        _check_timezone(body)
        with writes.transaction():
            if "code" in body:
                writes.ensure_unique(Site, "code", body["code"], exclude=site, case_insensitive=True)
            writes.update(site, body, expected_version=version)
        return responses.single(site, etag_version=site.version)

    @require_role("admin")
    @blp.response(204)
    def delete(self, site_id):
        site = writes.get_or_404(Site, site_id, "site")
        for model, what in ((Asset, "assets"), (Location, "locations")):
            used = db.session.execute(
                select(func.count()).select_from(model).where(model.site_id == site_id)
            ).scalar_one()
            if used:
                raise Conflict(f"Site {site.code} still has {used} {what}; move or delete them first.")
        with writes.transaction():
            writes.delete(site, expected_version=expected_version({}, site))
        return responses.no_content()
