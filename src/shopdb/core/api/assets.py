"""``/api/v1/assets``: every asset whatever its plugin, its relationships and its history."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import or_, select
from sqlalchemy.orm import aliased, contains_eager

from ... import events
from ...api import (
    LIST_PARAMETERS,
    Conflict,
    ListSpec,
    NotFound,
    envelope,
    list_envelope,
    list_response,
    paginate,
    responses,
)
from ...api.concurrency import expected_version
from ...api.errors import ValidationFailed
from ...api.pagination import apply_list_args
from ...auth import require_role, require_site_access
from ...extensions import db
from ..models import Asset, AssetRelationship, AssetType, AuditLog
from ..schemas import AssetFieldsSchema, AssetSchema, AuditEntrySchema, RelationshipSchema
from ..services import assets as asset_service
from ..services import search_index, writes

blp = Blueprint("assets", __name__, url_prefix="/api/v1/assets",
                description="Assets of every type, their relationships and history")

SPEC = ListSpec(
    fields={
        "assetid": Asset.assetid, "asset_tag": Asset.asset_tag, "name": Asset.name,
        "status": Asset.status, "site_id": Asset.site_id, "location_id": Asset.location_id,
        "manufacturer": Asset.manufacturer, "model": Asset.model,
        "serial_number": Asset.serial_number, "asset_type": AssetType.name,
        "created_at": Asset.created_at, "updated_at": Asset.updated_at,
    },
    search_index=search_index.matching_assets,  # tag, name, serial, maker, model and the plugins' fields
    default_sort=["asset_tag"], tiebreak=[Asset.assetid],
    # Within a status, site or location, by tag: the order their (…, asset_tag_key, assetid) indexes hold.
    then_by={"status": ["asset_tag"], "site_id": ["asset_tag"], "location_id": ["asset_tag"]},
)


def _list_stmt():
    # asset_types joined once: for the ``asset_type`` filter and sort, and to fill ``asset.asset_type``.
    # An outer join (every asset has its type: the key is NOT NULL) keeps assets the driving table, so
    # MariaDB reads the page from the sort's index instead of sorting every row (ADR 0019).
    return select(Asset).outerjoin(Asset.asset_type).options(contains_eager(Asset.asset_type))


@blp.route("")
class Assets(MethodView):
    @blp.doc(parameters=LIST_PARAMETERS)
    @blp.response(200, list_envelope(AssetFieldsSchema))
    def get(self):
        """List assets; filter by any field (``?status=active&site_id=1&asset_type=computer``)."""
        return list_response(_list_stmt(), SPEC, asset_service.asset_to_dict)

    @require_role("editor")
    @blp.arguments(AssetSchema)
    @blp.response(201, envelope(AssetFieldsSchema))
    def post(self, body):
        """Create an asset of a type no plugin owns (plugins' types use their own endpoint)."""
        body.pop("version", None)
        type_name = body.pop("asset_type")
        asset_type = asset_service.asset_type_by_name(type_name)
        if asset_type.plugin:
            raise ValidationFailed({"asset_type": [
                f"{type_name!r} assets are created through /api/v1/{asset_type.plugin}."]})
        require_site_access(body["site_id"])
        with writes.transaction():
            asset, _ = asset_service.create_asset(body, type_name=type_name)
        return responses.single(asset_service.asset_to_dict(asset), 201, asset.version)


@blp.route("/<int:assetid>")
class AssetDetail(MethodView):
    @blp.response(200, envelope(AssetFieldsSchema))
    def get(self, assetid):
        asset = writes.get_or_404(Asset, assetid, "asset")
        return responses.single(asset_service.asset_to_dict(asset), etag_version=asset.version)

    @require_role("editor")
    @blp.arguments(AssetFieldsSchema(partial=True))
    @blp.response(200, envelope(AssetFieldsSchema))
    def patch(self, body, assetid):
        """Update the core fields; send ``version`` or ``If-Match`` to refuse stale edits."""
        asset = writes.get_or_404(Asset, assetid, "asset")
        version = expected_version(body, asset)
        require_site_access(asset.site_id)
        if "site_id" in body:
            require_site_access(body["site_id"])
        with writes.transaction():
            asset_service.update_asset(asset, body, expected_version=version)
        return responses.single(asset_service.asset_to_dict(asset), etag_version=asset.version)

    @require_role("editor")
    @blp.response(204)
    def delete(self, assetid):
        """Delete an asset; its extension rows and relationships go with it."""
        asset = writes.get_or_404(Asset, assetid, "asset")
        require_site_access(asset.site_id)
        with writes.transaction():
            asset_service.delete_asset(asset, expected_version=expected_version({}, asset))
        return responses.no_content()


def relationship_dict(rel: AssetRelationship, other: Asset, assetid: int) -> dict:
    """One edge seen from ``assetid``, raw, for ``RelationshipSchema`` to dump (what the OpenAPI shows)."""
    return {
        "id": rel.id, "kind": rel.kind, "source_assetid": rel.source_assetid,
        "target_assetid": rel.target_assetid, "notes": rel.notes,
        "direction": "outgoing" if rel.source_assetid == assetid else "incoming",
        "other_assetid": other.assetid, "other_asset_tag": other.asset_tag,
        "other_name": other.name, "other_asset_type": other.asset_type.name,
        "created_at": rel.created_at,
    }


@blp.route("/<int:assetid>/relationships")
class Relationships(MethodView):
    @blp.response(200, list_envelope(RelationshipSchema))
    def get(self, assetid):
        """Every edge touching the asset, from both ends (``direction``: outgoing/incoming)."""
        writes.get_or_404(Asset, assetid, "asset")
        other = aliased(Asset)
        stmt = (
            select(AssetRelationship, other)
            .join(other, or_(
                (AssetRelationship.source_assetid == assetid)
                & (other.assetid == AssetRelationship.target_assetid),
                (AssetRelationship.target_assetid == assetid)
                & (other.assetid == AssetRelationship.source_assetid),
            ))
            .where(or_(AssetRelationship.source_assetid == assetid,
                       AssetRelationship.target_assetid == assetid))
        )
        spec = ListSpec(fields={"kind": AssetRelationship.kind, "id": AssetRelationship.id},
                        default_sort=["kind"], tiebreak=[AssetRelationship.id])
        return paginate(apply_list_args(stmt, spec),
                        lambda row: relationship_dict(row[0], row[1], assetid), scalars=False)

    @require_role("editor")
    @blp.arguments(RelationshipSchema)
    @blp.response(201, envelope(RelationshipSchema))
    def post(self, body, assetid):
        """Link this asset to ``target_assetid`` with ``kind`` (``controls``, ``prints_for``...)."""
        source = writes.get_or_404(Asset, assetid, "asset")
        target = writes.require_reference(Asset, body["target_assetid"], "target_assetid")
        require_site_access(source.site_id)
        if target.assetid == source.assetid:
            raise ValidationFailed({"target_assetid": ["An asset cannot relate to itself."]})
        # Plugins own the meaning of their kinds (a PC ``controls`` equipment, ...): let them refuse.
        events.check("relationship_validate", kind=body["kind"], source=source, target=target)
        exists = db.session.execute(select(AssetRelationship.id).where(
            AssetRelationship.kind == body["kind"],
            AssetRelationship.source_assetid == assetid,
            AssetRelationship.target_assetid == target.assetid,
        )).first()
        if exists:
            raise Conflict("This relationship already exists.", {"id": exists[0]}, code="duplicate")
        with writes.transaction():
            rel = writes.create(AssetRelationship, kind=body["kind"], source_assetid=assetid,
                                target_assetid=target.assetid, notes=body.get("notes"))
            writes.emit_after_commit("relationship_created", id=rel.id, kind=rel.kind,
                                     source_assetid=assetid, target_assetid=target.assetid)
        return responses.single(relationship_dict(rel, target, assetid), 201)


@blp.route("/<int:assetid>/relationships/<int:relationship_id>")
class RelationshipDetail(MethodView):
    @require_role("editor")
    @blp.response(204)
    def delete(self, assetid, relationship_id):
        rel = writes.get_or_404(AssetRelationship, relationship_id, "relationship")
        if assetid not in (rel.source_assetid, rel.target_assetid):
            raise NotFound(f"Asset {assetid} has no relationship {relationship_id}.")
        source = writes.get_or_404(Asset, rel.source_assetid, "asset")
        require_site_access(source.site_id)
        with writes.transaction():
            writes.delete(rel)
        return responses.no_content()


@blp.route("/<int:assetid>/history")
class History(MethodView):
    @blp.response(200, list_envelope(AuditEntrySchema))
    def get(self, assetid):
        """Every audited change of the asset and its extension rows, newest first."""
        exists = db.session.get(Asset, assetid) is not None
        stmt = select(AuditLog).where(AuditLog.assetid == assetid)
        if not exists and not db.session.execute(stmt.limit(1)).first():
            raise NotFound(f"No asset with id {assetid}.")
        spec = ListSpec(fields={"action": AuditLog.action, "table_name": AuditLog.table_name,
                                "id": AuditLog.id, "at": AuditLog.at},
                        default_sort=["-id"])
        return list_response(stmt, spec)
