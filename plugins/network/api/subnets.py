"""``/api/v1/network/subnets``: CRUD, overlap rules, next free address and utilisation."""

from __future__ import annotations

from typing import Any

from flask import request
from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import Select, func, select

from shopdb.plugins.toolkit import (
    LIST_PARAMETERS,
    BadRequest,
    Conflict,
    ListSpec,
    Site,
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

from ..addressing import (
    IPNetwork,
    address_key,
    key_of,
    parse_address,
    parse_network,
    usable_range,
    utilisation,
    walk_used,
)
from ..models import IPAddress, Subnet
from ..rules import refuse_leaving_addresses, refuse_overlap, subnet_values
from ..schemas import NextFreeSchema, SubnetSchema, UtilisationSchema
from .routes import blp

USED = (select(func.count(IPAddress.id)).where(IPAddress.subnet_id == Subnet.id)
        .correlate(Subnet).scalar_subquery())
SPEC = ListSpec(
    # ``cidr`` sorts by address (start_key); filtering on it is handled below, normalised.
    fields={"id": Subnet.id, "cidr": Subnet.start_key, "vlan": Subnet.vlan, "name": Subnet.name,
            "site_id": Subnet.site_id, "ip_version": Subnet.ip_version,
            "prefix_length": Subnet.prefix_length, "used": USED,
            "created_at": Subnet.created_at, "updated_at": Subnet.updated_at},
    search=[Subnet.cidr, Subnet.name, Subnet.description],
    tiebreak=[Subnet.site_id, Subnet.ip_version, Subnet.start_key, Subnet.id],
    extra_args={"cidr", "contains"},
)
NEXT_FREE_CHUNK = 4096


def network_of(subnet: Subnet) -> IPNetwork:
    return parse_network(subnet.cidr)


def subnet_to_dict(subnet: Subnet, used: int) -> dict[str, Any]:
    data = {key: getattr(subnet, key) for key in
            ("id", "cidr", "vlan", "name", "site_id", "description", "ip_version", "prefix_length",
             "version", "created_at", "updated_at")}
    data.update(utilisation(network_of(subnet), used))
    return data


def used_count(subnet_id: int) -> int:
    return db.session.execute(
        select(func.count(IPAddress.id)).where(IPAddress.subnet_id == subnet_id)
    ).scalar_one()


def _filter(stmt: Select) -> Select:
    """``?cidr=10.1.2.77/24`` (normalised like a write) and ``?contains=10.1.2.5``."""
    if request.args.get("cidr"):
        try:
            stmt = stmt.where(Subnet.cidr == parse_network(request.args["cidr"]).compressed)
        except ValueError as exc:
            raise BadRequest(f"Filter 'cidr': {exc}", {"fields": {"cidr": [str(exc)]}}) from None
    if request.args.get("contains"):
        try:
            address = parse_address(request.args["contains"])
        except ValueError as exc:
            raise BadRequest(f"Filter 'contains': {exc}", {"fields": {"contains": [str(exc)]}}) from None
        key = address_key(address)
        stmt = stmt.where(Subnet.ip_version == address.version, Subnet.start_key <= key, Subnet.end_key >= key)
    return stmt


class Subnets(MethodView):
    @blp.doc(parameters=LIST_PARAMETERS)
    @blp.response(200, list_envelope(SubnetSchema))
    def get(self):
        """List subnets with their utilisation (one statement per page, no per-row queries)."""
        stmt = _filter(select(Subnet, USED.label("used")))
        return list_response(stmt, SPEC, lambda row: subnet_to_dict(row[0], row[1]), scalars=False)

    @require_role("editor")
    @blp.arguments(SubnetSchema)
    @blp.response(201, envelope(SubnetSchema))
    def post(self, body):
        """Create a subnet; the CIDR is stored as its network (``10.1.2.77/24`` → ``10.1.2.0/24``)."""
        body.pop("version", None)
        require_site_access(body["site_id"])
        writes.require_reference(Site, body["site_id"], "site_id")
        _, values = subnet_values(body.pop("cidr"))
        with writes.transaction():
            refuse_overlap(body["site_id"], values)
            subnet = writes.create(Subnet, **body, **values)
        return responses.single(subnet_to_dict(subnet, 0), 201, subnet.version)


class SubnetDetail(MethodView):
    @blp.response(200, envelope(SubnetSchema))
    def get(self, subnet_id):
        subnet = writes.get_or_404(Subnet, subnet_id, "subnet")
        return responses.single(subnet_to_dict(subnet, used_count(subnet.id)), etag_version=subnet.version)

    @require_role("editor")
    @blp.arguments(SubnetSchema(partial=True))
    @blp.response(200, envelope(SubnetSchema))
    def patch(self, body, subnet_id):
        """Update a subnet; ``version`` (or If-Match) refuses an edit based on a stale read (409/412)."""
        subnet = writes.get_or_404(Subnet, subnet_id, "subnet")
        version = expected_version(body, subnet)
        writes.check_version(subnet, version)
        require_site_access(subnet.site_id)
        site_id = body.get("site_id", subnet.site_id)
        values = dict(body)
        used = used_count(subnet.id)
        if "site_id" in body:
            require_site_access(site_id)
            writes.require_reference(Site, site_id, "site_id")
            if site_id != subnet.site_id and used:
                raise Conflict(f"Subnet {subnet.cidr} still has {used} IP addresses; it cannot move to "
                               "another site.", {"used": used})
        network, net_values = subnet_values(values.pop("cidr", subnet.cidr))
        if net_values["cidr"] != subnet.cidr or site_id != subnet.site_id:
            refuse_leaving_addresses(subnet, network, used)
            refuse_overlap(site_id, net_values, exclude=subnet)
            values.update(net_values)
        with writes.transaction():
            writes.update(subnet, values, expected_version=version)
        return responses.single(subnet_to_dict(subnet, used), etag_version=subnet.version)

    @require_role("editor")
    @blp.response(204)
    def delete(self, subnet_id):
        """Delete an empty subnet; one that still has IP addresses is refused (409)."""
        subnet = writes.get_or_404(Subnet, subnet_id, "subnet")
        require_site_access(subnet.site_id)
        used = used_count(subnet.id)
        if used:
            raise Conflict(f"Subnet {subnet.cidr} still has {used} IP addresses; delete or move them first.",
                           {"used": used}, code="in_use")
        with writes.transaction():
            writes.delete(subnet, expected_version=expected_version({}, subnet))
        return responses.no_content()


def next_free_address(subnet: Subnet) -> str | None:
    """The lowest assignable address not yet recorded, or None when the subnet is full.

    Used addresses are read in index order, one chunk at a time, and the walk stops at the first
    gap: a nearly full /16 costs a few chunked range scans, never 65,000 probes.
    """
    network = network_of(subnet)
    first, last = usable_range(network)
    candidate = first
    while candidate <= last:
        keys = db.session.execute(
            select(IPAddress.sort_key)
            .where(IPAddress.subnet_id == subnet.id, IPAddress.ip_version == network.version,
                   IPAddress.sort_key >= key_of(candidate, network.version),
                   IPAddress.sort_key <= key_of(last, network.version))
            .order_by(IPAddress.sort_key).limit(NEXT_FREE_CHUNK)
        ).scalars().all()
        candidate, gap = walk_used(candidate, (int(k, 16) for k in keys))
        if gap or len(keys) < NEXT_FREE_CHUNK:
            break
    if candidate > last:
        return None
    return str(type(network.network_address)(candidate))


class SubnetNextFree(MethodView):
    @blp.response(200, envelope(NextFreeSchema))
    def get(self, subnet_id):
        """The lowest free host address (network/broadcast/anycast skipped); 409 when the subnet is full."""
        subnet = writes.get_or_404(Subnet, subnet_id, "subnet")
        address = next_free_address(subnet)
        if address is None:
            used = used_count(subnet.id)
            raise Conflict(f"Subnet {subnet.cidr} is full ({used} of {utilisation(network_of(subnet), used)['size']} "
                           "usable addresses in use).", {"subnet_id": subnet.id, "cidr": subnet.cidr},
                           code="subnet_full")
        return responses.single({"subnet_id": subnet.id, "cidr": subnet.cidr, "address": address})


class SubnetUtilisation(MethodView):
    @blp.response(200, envelope(UtilisationSchema))
    def get(self, subnet_id):
        """Usable size, used, free and percent used."""
        subnet = writes.get_or_404(Subnet, subnet_id, "subnet")
        data = utilisation(network_of(subnet), used_count(subnet.id))
        return responses.single({"subnet_id": subnet.id, "cidr": subnet.cidr, **data})


def register(blp: Blueprint) -> None:
    """``/subnets``: CRUD, next free address and utilisation."""
    blp.route("/subnets")(Subnets)
    blp.route("/subnets/<int:subnet_id>")(SubnetDetail)
    blp.route("/subnets/<int:subnet_id>/next-free")(SubnetNextFree)
    blp.route("/subnets/<int:subnet_id>/utilisation")(SubnetUtilisation)
