"""``/api/v1/network/subnets``: CRUD, overlap rules, next free address and utilisation."""

from __future__ import annotations

from typing import Any

from flask import request
from flask.views import MethodView
from sqlalchemy import Select, func, or_, select

from shopdb.api import (
    LIST_PARAMETERS,
    BadRequest,
    Conflict,
    ListSpec,
    ValidationFailed,
    envelope,
    list_envelope,
    list_response,
    responses,
)
from shopdb.api.concurrency import expected_version
from shopdb.auth import require_role, require_site_access
from shopdb.core.models import Site
from shopdb.core.services import writes
from shopdb.extensions import db

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
from ..schemas import NextFreeSchema, SubnetSchema, UtilisationSchema
from .routes import blp

_schema = SubnetSchema()
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
    return _schema.dump(data)


def used_count(subnet_id: int) -> int:
    return db.session.execute(
        select(func.count(IPAddress.id)).where(IPAddress.subnet_id == subnet_id)
    ).scalar_one()


def _network_values(cidr: str) -> tuple[IPNetwork, dict[str, Any]]:
    try:
        network = parse_network(cidr)
    except ValueError as exc:
        raise ValidationFailed({"cidr": [str(exc)]}) from None
    values = {"cidr": network.compressed, "ip_version": network.version, "prefix_length": network.prefixlen,
              "start_key": key_of(int(network.network_address), network.version),
              "end_key": key_of(int(network.broadcast_address), network.version)}
    return network, values


def _refuse_overlap(site_id: int, values: dict[str, Any], exclude: Subnet | None = None) -> None:
    """Two subnets of one site may not share an address; other sites may reuse the same range.

    No constraint expresses overlap portably (docs/adr/0008), so writers of one site's subnets queue:
    the site's row is locked until the transaction ends (PostgreSQL ``FOR NO KEY UPDATE``, which
    leaves other inserts referencing the site alone; MariaDB ``FOR UPDATE``; SQLite's write lock is
    already exclusive), and a second writer checks only after the first one committed.
    """
    db.session.execute(select(Site.id).where(Site.id == site_id).with_for_update(key_share=True))
    stmt = (select(Subnet).where(Subnet.site_id == site_id, Subnet.ip_version == values["ip_version"],
                                 Subnet.start_key <= values["end_key"], Subnet.end_key >= values["start_key"])
            .order_by(Subnet.start_key).limit(1))
    if exclude is not None:
        stmt = stmt.where(Subnet.id != exclude.id)
    other = db.session.execute(stmt).scalar_one_or_none()
    if other is not None:
        raise Conflict(
            f"{values['cidr']} overlaps subnet {other.cidr} ({other.name}, id {other.id}) in this site.",
            {"fields": {"cidr": [f"Overlaps {other.cidr}."]},
             "overlaps": {"id": other.id, "cidr": other.cidr, "name": other.name}},
            code="overlap",
        )


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


@blp.route("/subnets")
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
        _, values = _network_values(body.pop("cidr"))
        with writes.transaction():
            _refuse_overlap(body["site_id"], values)
            subnet = writes.create(Subnet, **body, **values)
        return responses.single(subnet_to_dict(subnet, 0), 201, subnet.version)


@blp.route("/subnets/<int:subnet_id>")
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
        network, net_values = _network_values(values.pop("cidr", subnet.cidr))
        if net_values["cidr"] != subnet.cidr or site_id != subnet.site_id:
            _refuse_leaving_addresses(subnet, network, used)
            _refuse_overlap(site_id, net_values, exclude=subnet)
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


def _refuse_leaving_addresses(subnet: Subnet, network: IPNetwork, used: int) -> None:
    """Resizing must keep every recorded address assignable inside the new range."""
    if not used:
        return
    first, last = usable_range(network)
    outside = db.session.execute(
        select(func.count(IPAddress.id)).where(IPAddress.subnet_id == subnet.id).where(or_(
            IPAddress.ip_version != network.version,
            IPAddress.sort_key < key_of(first, network.version),
            IPAddress.sort_key > key_of(last, network.version),
        ))
    ).scalar_one()
    if outside:
        raise Conflict(f"{outside} IP addresses of subnet {subnet.cidr} would not be inside {network.compressed}.",
                       {"fields": {"cidr": [f"{outside} addresses would fall outside."]}, "outside": outside})


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


@blp.route("/subnets/<int:subnet_id>/next-free")
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


@blp.route("/subnets/<int:subnet_id>/utilisation")
class SubnetUtilisation(MethodView):
    @blp.response(200, envelope(UtilisationSchema))
    def get(self, subnet_id):
        """Usable size, used, free and percent used."""
        subnet = writes.get_or_404(Subnet, subnet_id, "subnet")
        data = utilisation(network_of(subnet), used_count(subnet.id))
        return responses.single({"subnet_id": subnet.id, "cidr": subnet.cidr, **data})
