"""Flat asset+extension endpoints for plugins (SPEC §5), written once for every plugin.

``ExtensionResource(...).register(blp)`` adds to a plugin's blueprint:

    GET    /            list (core + extension fields side by side; filters, q, sort, pages)
    POST   /            create the asset and its extension row in one transaction
    GET    /<assetid>   one object (ETag = version)
    PATCH  /<assetid>   update either part; ``version`` or If-Match refuses stale edits
    DELETE /<assetid>   delete both

Plugins add their rules through callbacks instead of re-writing the routes:
``validate(data, asset, extension)`` normalises/refuses input (raise the framework's errors); it is
the asset kind's rule, run by the service layer on *every* write of this type (the core's
``/api/v1/assets``, import and uninstall too), not only on these routes;
``after_write(asset, extension, changes)`` queues plugin events, ``list_filter(stmt)`` handles
extra query parameters, ``detail_extra(asset, extension)`` adds fields to the single-object view (declare
them in the schema as ``dump_only``: the schema shapes every object these routes return, and a field it
does not declare is dropped). Every serialiser here hands raw values (``datetime``, not text) to the
routes' ``@blp.response`` schema, which dumps each answer once (docs/adr/0011).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from flask import request
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema
from sqlalchemy import Select, select
from sqlalchemy.orm import InstrumentedAttribute, contains_eager

from ..api import LIST_PARAMETERS, ListSpec, envelope, list_envelope, responses
from ..api.concurrency import expected_version
from ..api.errors import NotFound
from ..api.pagination import RESERVED_ARGS, apply_list_args, first_sort_expression, paginate
from ..auth import require_role, require_site_access
from ..core.models import Asset, AssetType
from ..core.services import assets as asset_service
from ..core.services import search_index, writes
from ..core.services.asset_kinds import AssetKind
from ..extensions import db

CORE_LIST_FIELDS = {
    "assetid": Asset.assetid, "asset_tag": Asset.asset_tag, "name": Asset.name,
    "status": Asset.status, "site_id": Asset.site_id, "location_id": Asset.location_id,
    "manufacturer": Asset.manufacturer, "model": Asset.model,
    "serial_number": Asset.serial_number, "created_at": Asset.created_at,
    "updated_at": Asset.updated_at,
}


@dataclass
class ExtensionResource:
    model: type
    schema: type[Schema]
    type_name: str
    search: Iterable[InstrumentedAttribute] = ()  # deprecated: ``?q=`` reads the search index (search_fields)
    # Extension columns in the asset's search document, and those an exact hit ranks first on
    # (docs/adr/0018). Unset, ``search`` columns of the extension model are used.
    search_fields: tuple[str, ...] = ()
    search_exact: tuple[str, ...] = ()
    extra_args: set[str] = field(default_factory=set)
    default_sort: tuple[str, ...] = ("asset_tag",)
    validate: Callable[[dict[str, Any], Asset | None, Any | None], None] | None = None
    after_write: Callable[[Asset, Any, dict[str, Any]], None] | None = None
    list_filter: Callable[[Select], Select] | None = None
    detail_extra: Callable[[Asset, Any], dict[str, Any]] | None = None
    prefix: str = ""  # e.g. "/devices" when a plugin serves several resources

    # -- helpers a plugin may reuse -------------------------------------------------------------
    def kind(self, plugin: str | None = None) -> AssetKind:
        """What the service layer needs to write this type on any path (see ``asset_kinds``)."""
        fields = self.search_fields or tuple(c.key for c in self.search if getattr(c, "class_", None) is self.model)
        return AssetKind(type_name=self.type_name, extension_model=self.model, schema=self.schema,
                         rules=(self.validate,) if self.validate is not None else (), plugin=plugin,
                         search_fields=fields, search_exact=tuple(self.search_exact))

    def extension_fields(self) -> dict[str, InstrumentedAttribute]:
        """The extension's public columns (the kind decides which: no keys, no site copy)."""
        names = self.__dict__.get("_extension_names")
        if names is None:  # read once: every row of every list asks
            names = self.__dict__["_extension_names"] = self.kind().extension_fields()
        return {name: getattr(self.model, name) for name in names}

    def site_fields(self) -> dict[str, Any]:
        """``site_id`` on the extension's own copy of the asset's site, when it keeps one (held equal by a
        foreign key, docs/adr/0008): the same rows, and the extension's indexes can serve the filter."""
        site_copy = getattr(self.model, "site_id", None)
        return {"site_id": site_copy} if site_copy is not None else {}

    def list_spec(self, extension_first: bool = False) -> ListSpec:
        # Read from the extension's index, the page filters its site on the extension's copy; read from
        # the asset's, on the asset's (the index of whichever table drives can serve the filter).
        site = self.site_fields() if extension_first else {}
        return ListSpec(
            fields={**CORE_LIST_FIELDS, **self.extension_fields(), **site},
            search_index=search_index.matching_assets, default_sort=self.default_sort,
            tiebreak=[Asset.assetid], tiebreak_by_table={self.model.__table__.name: self.model.assetid},
            extra_args=set(self.extra_args),
        )

    def base_query(self, extension_first: bool = False) -> Select:
        # The extension row makes the asset this type's; asset_types joined once (outer: assets stay the
        # driving table), filling ``asset.asset_type`` too (ADR 0019: no second, eager join).
        # ``extension_first`` writes the extension table first (the same rows): the table MariaDB reads
        # first when a list sorted by an extension column keeps the written order (``paginate``).
        stmt = select(Asset, self.model)
        if extension_first:
            stmt = stmt.select_from(self.model).join(Asset, Asset.assetid == self.model.assetid)
        else:
            stmt = stmt.join(self.model, self.model.assetid == Asset.assetid)
        return (stmt.outerjoin(AssetType, AssetType.id == Asset.asset_type_id)
                .options(contains_eager(Asset.asset_type)))

    def list_query(self) -> Select:
        """``base_query`` with the request's filters, search and sort (ADR 0019).

        Ordered by a core column, the page is read from the ``(asset_type_id, <column>, assetid)`` index,
        so the type is named (redundant for the rows, decisive for the plan); ordered by an extension
        column, the extension's ``(<column>, assetid)`` index drives and the type is left out — naming it
        would make the database start from the assets of the type and sort them all. That statement is
        written extension table first and filters ``site_id`` on the extension's copy of it, so a
        ``(site_id, <column>)`` index of the extension serves one site's page.
        """
        spec = self.list_spec()
        first = first_sort_expression(spec)
        if getattr(first, "table", None) is self.model.__table__:
            return apply_list_args(self.base_query(extension_first=True), self.list_spec(extension_first=True))
        type_id = select(AssetType.id).where(AssetType.name == self.type_name).scalar_subquery()
        return apply_list_args(self.base_query(), spec).where(Asset.asset_type_id == type_id)

    def count_query(self) -> Select | None:
        """The list's rows counted from the extension table alone, or None when that would not be them.

        Every extension row is one asset of this type, and carries its asset's site (the site copy held
        equal by a foreign key, ADR 0008), so with no core filter, no ``q`` and no plugin filter the
        extension's own rows are the list's — and its index counts them without touching ``assets``
        (a join PostgreSQL would hash whole).
        """
        fields = {**self.extension_fields(), **self.site_fields()}
        own = set(fields) | set(self.extra_args)
        asked = {name for name, value in request.args.items()
                 if value != "" and not name.startswith("_") and name not in RESERVED_ARGS}
        if request.args.get("q") or asked - own:
            return None
        spec = ListSpec(fields=fields, extra_args=set(self.extra_args))
        stmt = apply_list_args(select(self.model.assetid), spec, sort=False)
        if self.list_filter is not None:
            stmt = self.list_filter(stmt)
        # A plugin filter that reads another table (the asset's columns) needs the join: count it whole.
        return stmt if list(stmt.get_final_froms()) == [self.model.__table__] else None

    def to_dict(self, asset: Asset, extension: Any) -> dict[str, Any]:
        """The flat object of a list row: core and extension fields, raw, for ``schema`` to dump."""
        data = asset_service.asset_to_dict(asset)
        for key in self.extension_fields():
            data[key] = getattr(extension, key)
        return data

    def load(self, assetid: int) -> tuple[Asset, Any]:
        row = db.session.execute(self.base_query().where(Asset.assetid == assetid)).first()
        if row is None:
            raise NotFound(f"No {self.type_name} with asset id {assetid}.")
        return row[0], row[1]

    # -- the routes -----------------------------------------------------------------------------
    def register(self, blp: Blueprint) -> None:
        resource = self
        schema = self.schema
        # The plugin manager registers these kinds with the app when the plugin is enabled.
        blp.shopdb_resources = [*getattr(blp, "shopdb_resources", []), self]

        @blp.route(self.prefix or "", endpoint=f"{self.type_name}_collection")
        class Collection(MethodView):
            @blp.doc(parameters=LIST_PARAMETERS)
            @blp.response(200, list_envelope(schema))
            def get(self):
                stmt = resource.list_query()
                if resource.list_filter is not None:
                    stmt = resource.list_filter(stmt)
                return paginate(stmt, lambda row: resource.to_dict(row[0], row[1]), scalars=False,
                                count=resource.count_query())

            @require_role("editor")
            @blp.arguments(schema)
            @blp.response(201, envelope(schema))
            def post(self, body):
                body.pop("version", None)
                require_site_access(body["site_id"])
                core_fields, ext_fields, _ = asset_service.split_fields(body)
                with writes.transaction():
                    asset, extension = asset_service.create_asset(
                        core_fields, type_name=resource.type_name, extension_fields=ext_fields,
                    )
                    if resource.after_write is not None:
                        resource.after_write(asset, extension, {"created": True})
                return responses.single(resource.detail(asset, extension), 201, asset.version)

        @blp.route(f"{self.prefix}/<int:assetid>", endpoint=f"{self.type_name}_item")
        class Item(MethodView):
            @blp.response(200, envelope(schema))
            def get(self, assetid):
                asset, extension = resource.load(assetid)
                return responses.single(resource.detail(asset, extension), etag_version=asset.version)

            @require_role("editor")
            @blp.arguments(schema(partial=True))
            @blp.response(200, envelope(schema))
            def patch(self, body, assetid):
                asset, extension = resource.load(assetid)
                version = expected_version(body, asset)
                require_site_access(asset.site_id)
                if "site_id" in body:
                    require_site_access(body["site_id"])
                core_fields, ext_fields, _ = asset_service.split_fields(body)
                with writes.transaction():
                    changes = asset_service.update_asset(
                        asset, core_fields, extension_fields=ext_fields, expected_version=version,
                    )
                    if changes and resource.after_write is not None:
                        resource.after_write(asset, extension, changes)
                return responses.single(resource.detail(asset, extension), etag_version=asset.version)

            @require_role("editor")
            @blp.response(204)
            def delete(self, assetid):
                asset, _ = resource.load(assetid)
                require_site_access(asset.site_id)
                with writes.transaction():
                    asset_service.delete_asset(asset, expected_version=expected_version({}, asset))
                return responses.no_content()

    def detail(self, asset: Asset, extension: Any) -> dict[str, Any]:
        """The single-object view, raw: ``to_dict`` plus ``detail_extra``'s fields. The response schema
        dumps them like the rest, so each must be declared there (``dump_only``): what the OpenAPI shows
        is what the client gets."""
        data = self.to_dict(asset, extension)
        if self.detail_extra is not None:
            data.update(self.detail_extra(asset, extension))
        return data
