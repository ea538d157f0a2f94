from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import select

from ...api import LIST_PARAMETERS, ListSpec, envelope, list_envelope, list_response, responses
from ...auth import require_role
from ..models import AssetType
from ..schemas import AssetTypeSchema
from ..services import writes

blp = Blueprint("asset_types", __name__, url_prefix="/api/v1/asset-types",
                description="Kinds of assets, most seeded by plugins")
SPEC = ListSpec(
    fields={"id": AssetType.id, "name": AssetType.name, "plugin": AssetType.plugin,
            "label": AssetType.label},
    search=[AssetType.name, AssetType.label], default_sort=["name"], tiebreak=[AssetType.id],
)


@blp.route("")
class AssetTypes(MethodView):
    @blp.doc(parameters=LIST_PARAMETERS)
    @blp.response(200, list_envelope(AssetTypeSchema))
    def get(self):
        return list_response(select(AssetType), SPEC)

    @require_role("admin")
    @blp.arguments(AssetTypeSchema)
    @blp.response(201, envelope(AssetTypeSchema))
    def post(self, body):
        with writes.transaction():
            writes.ensure_unique(AssetType, "name", body["name"], case_insensitive=True)
            asset_type = writes.create(AssetType, **body)
        return responses.single(asset_type, 201)


@blp.route("/<int:type_id>")
class AssetTypeDetail(MethodView):
    @blp.response(200, envelope(AssetTypeSchema))
    def get(self, type_id):
        return responses.single(writes.get_or_404(AssetType, type_id, "asset type"))
