"""``/api/v1/network/ip-addresses``: addresses inside their subnet, unique per site, held by assets."""

from __future__ import annotations

from typing import Any

from flask import request
from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import Select, select

from shopdb.plugins.toolkit import (
    LIST_PARAMETERS,
    Asset,
    BadRequest,
    ListSpec,
    NotFound,
    db,
    envelope,
    expected_version,
    list_envelope,
    list_response,
    require_role,
    require_site_access,
    responses,
    writes,
)

from ..addressing import parse_address
from ..models import IPAddress, Subnet
from ..rules import address_placement, ensure_address_unique_in_site
from ..schemas import IPAddressSchema
from .routes import blp

SPEC = ListSpec(
    # ``address`` sorts numerically (sort_key); filtering on it is handled below, normalised.
    fields={"id": IPAddress.id, "address": IPAddress.sort_key, "subnet_id": IPAddress.subnet_id,
            "assetid": IPAddress.assetid, "status": IPAddress.status, "site_id": IPAddress.site_id,
            "ip_version": IPAddress.ip_version, "hostname": IPAddress.hostname,
            "created_at": IPAddress.created_at, "updated_at": IPAddress.updated_at},
    search=[IPAddress.address, IPAddress.hostname, IPAddress.description],
    tiebreak=[IPAddress.site_id, IPAddress.ip_version, IPAddress.sort_key, IPAddress.id],
    extra_args={"address"},
)
COLUMNS = ("id", "address", "subnet_id", "assetid", "status", "hostname", "description", "site_id",
           "ip_version", "version", "created_at", "updated_at")


def _base_query() -> Select:
    return (select(IPAddress, Subnet.cidr, Asset.asset_tag)
            .join(Subnet, Subnet.id == IPAddress.subnet_id)
            .outerjoin(Asset, Asset.assetid == IPAddress.assetid))


def ip_to_dict(ip: IPAddress, cidr: str, asset_tag: str | None) -> dict[str, Any]:
    data = {key: getattr(ip, key) for key in COLUMNS}
    data.update(cidr=cidr, asset_tag=asset_tag)
    return data


def _load(ip_id: int) -> tuple[IPAddress, str, str | None]:
    row = db.session.execute(_base_query().where(IPAddress.id == ip_id)).first()
    if row is None:
        raise NotFound(f"No IP address with id {ip_id}.")
    return row[0], row[1], row[2]


def _queue_assignment(ip: IPAddress, previous_assetid: int | None) -> None:
    if ip.assetid is not None and ip.assetid != previous_assetid:
        writes.emit_after_commit("network.ip_assigned", ip_address_id=ip.id, address=ip.address,
                                 assetid=ip.assetid, previous_assetid=previous_assetid, site_id=ip.site_id)


def _filter(stmt: Select) -> Select:
    if request.args.get("address"):
        try:
            normal = str(parse_address(request.args["address"]))
        except ValueError as exc:
            raise BadRequest(f"Filter 'address': {exc}", {"fields": {"address": [str(exc)]}}) from None
        stmt = stmt.where(IPAddress.address == normal)
    return stmt


class IPAddresses(MethodView):
    @blp.doc(parameters=LIST_PARAMETERS)
    @blp.response(200, list_envelope(IPAddressSchema))
    def get(self):
        """List addresses; filter by subnet_id, assetid, status, site_id; ``q`` on address/hostname."""
        return list_response(_filter(_base_query()), SPEC, lambda row: ip_to_dict(*row), scalars=False)

    @require_role("editor")
    @blp.arguments(IPAddressSchema)
    @blp.response(201, envelope(IPAddressSchema))
    def post(self, body):
        """Record an address; it must lie in its subnet and be free in the subnet's site."""
        body.pop("version", None)
        subnet = writes.require_reference(Subnet, body["subnet_id"], "subnet_id")
        require_site_access(subnet.site_id)
        values = address_placement(body.pop("address"), subnet)
        if body.get("assetid") is not None:
            writes.require_reference(Asset, body["assetid"], "assetid")
        with writes.transaction():
            ensure_address_unique_in_site(values)
            ip = writes.create(IPAddress, **{**body, **values})
            _queue_assignment(ip, None)
        return responses.single(ip_to_dict(*_load(ip.id)), 201, ip.version)


class IPAddressDetail(MethodView):
    @blp.response(200, envelope(IPAddressSchema))
    def get(self, ip_id):
        ip, cidr, tag = _load(ip_id)
        return responses.single(ip_to_dict(ip, cidr, tag), etag_version=ip.version)

    @require_role("editor")
    @blp.arguments(IPAddressSchema(partial=True))
    @blp.response(200, envelope(IPAddressSchema))
    def patch(self, body, ip_id):
        """Update an address (e.g. assign it to an asset); stale ``version`` → 409, If-Match → 412."""
        ip, _, _ = _load(ip_id)
        version = expected_version(body, ip)
        writes.check_version(ip, version)
        require_site_access(ip.site_id)
        values = dict(body)
        if "address" in body or "subnet_id" in body:
            subnet = (writes.require_reference(Subnet, body["subnet_id"], "subnet_id") if "subnet_id" in body
                      else db.session.get(Subnet, ip.subnet_id))
            require_site_access(subnet.site_id)
            values.update(address_placement(values.pop("address", ip.address), subnet))
        if values.get("assetid") is not None:
            writes.require_reference(Asset, values["assetid"], "assetid")
        previous_assetid = ip.assetid
        with writes.transaction():
            if "address" in values:
                ensure_address_unique_in_site(values, exclude=ip)
            writes.update(ip, values, expected_version=version)
            _queue_assignment(ip, previous_assetid)
        return responses.single(ip_to_dict(*_load(ip.id)), etag_version=ip.version)

    @require_role("editor")
    @blp.response(204)
    def delete(self, ip_id):
        ip, _, _ = _load(ip_id)
        require_site_access(ip.site_id)
        with writes.transaction():
            writes.delete(ip, expected_version=expected_version({}, ip))
        return responses.no_content()


def register(blp: Blueprint) -> None:
    """``/ip-addresses``: addresses inside their subnet, held by assets."""
    blp.route("/ip-addresses")(IPAddresses)
    blp.route("/ip-addresses/<int:ip_id>")(IPAddressDetail)
