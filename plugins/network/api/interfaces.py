"""``/api/v1/network/interfaces``: ports of network devices and the asset plugged into each."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import Select, select
from sqlalchemy.orm import aliased

from shopdb.plugins.toolkit import (
    LIST_PARAMETERS,
    Asset,
    ListSpec,
    NotFound,
    ValidationFailed,
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

from ..models import Interface
from ..rules import check_connected, ensure_unique_port, require_network_device
from ..schemas import InterfaceSchema
from .routes import blp

Device = aliased(Asset, name="device")
Connected = aliased(Asset, name="connected")
SPEC = ListSpec(
    fields={"id": Interface.id, "device_assetid": Interface.device_assetid, "name": Interface.name,
            "connected_assetid": Interface.connected_assetid, "vlan": Interface.vlan,
            "speed_mbps": Interface.speed_mbps, "created_at": Interface.created_at,
            "updated_at": Interface.updated_at},
    search=[Interface.name, Interface.description],
    default_sort=["device_assetid", "name"], tiebreak=[Interface.id],
)
COLUMNS = ("id", "device_assetid", "name", "connected_assetid", "description", "vlan", "speed_mbps",
           "version", "created_at", "updated_at")


def _base_query() -> Select:
    return (select(Interface, Device.asset_tag, Connected.asset_tag)
            .join(Device, Device.assetid == Interface.device_assetid)
            .outerjoin(Connected, Connected.assetid == Interface.connected_assetid))


def interface_to_dict(interface: Interface, device_tag: str, connected_tag: str | None) -> dict[str, Any]:
    data = {key: getattr(interface, key) for key in COLUMNS}
    data.update(device_asset_tag=device_tag, connected_asset_tag=connected_tag)
    return data


def _load(interface_id: int) -> tuple[Interface, str, str | None]:
    row = db.session.execute(_base_query().where(Interface.id == interface_id)).first()
    if row is None:
        raise NotFound(f"No interface with id {interface_id}.")
    return row[0], row[1], row[2]


def _queue_connection(interface: Interface, previous: int | None) -> None:
    if interface.connected_assetid is not None and interface.connected_assetid != previous:
        writes.emit_after_commit("network.port_connected", interface_id=interface.id,
                                 device_assetid=interface.device_assetid, port=interface.name,
                                 connected_assetid=interface.connected_assetid, previous_assetid=previous)


class Interfaces(MethodView):
    @blp.doc(parameters=LIST_PARAMETERS)
    @blp.response(200, list_envelope(InterfaceSchema))
    def get(self):
        """List ports; filter by device_assetid, connected_assetid, vlan; ``q`` on port name/description."""
        return list_response(_base_query(), SPEC, lambda row: interface_to_dict(*row), scalars=False)

    @require_role("editor")
    @blp.arguments(InterfaceSchema)
    @blp.response(201, envelope(InterfaceSchema))
    def post(self, body):
        """Add a port to a network device, optionally with the asset plugged into it."""
        body.pop("version", None)
        device = require_network_device(body["device_assetid"])
        require_site_access(device.site_id)
        check_connected(body, device.assetid)
        with writes.transaction():
            ensure_unique_port(device.assetid, body["name"])
            interface = writes.create(Interface, **body)
            _queue_connection(interface, None)
        return responses.single(interface_to_dict(*_load(interface.id)), 201, interface.version)


class InterfaceDetail(MethodView):
    @blp.response(200, envelope(InterfaceSchema))
    def get(self, interface_id):
        interface, device_tag, connected_tag = _load(interface_id)
        return responses.single(interface_to_dict(interface, device_tag, connected_tag),
                                etag_version=interface.version)

    @require_role("editor")
    @blp.arguments(InterfaceSchema(partial=True))
    @blp.response(200, envelope(InterfaceSchema))
    def patch(self, body, interface_id):
        """Update a port (e.g. re-patch it to another asset); stale ``version`` → 409."""
        interface, _, _ = _load(interface_id)
        version = expected_version(body, interface)
        writes.check_version(interface, version)
        current = db.session.get(Asset, interface.device_assetid)
        require_site_access(current.site_id)
        device = require_network_device(body["device_assetid"]) if "device_assetid" in body else current
        require_site_access(device.site_id)
        check_connected(body, device.assetid)
        if body.get("connected_assetid") is None and "connected_assetid" not in body \
                and interface.connected_assetid == device.assetid:
            raise ValidationFailed({"device_assetid": ["The port's connected asset is that device itself."]})
        previous = interface.connected_assetid
        with writes.transaction():
            if "name" in body or "device_assetid" in body:
                ensure_unique_port(device.assetid, body.get("name", interface.name), exclude=interface)
            writes.update(interface, body, expected_version=version)
            _queue_connection(interface, previous)
        return responses.single(interface_to_dict(*_load(interface.id)), etag_version=interface.version)

    @require_role("editor")
    @blp.response(204)
    def delete(self, interface_id):
        interface, _, _ = _load(interface_id)
        device = db.session.get(Asset, interface.device_assetid)
        require_site_access(device.site_id)
        with writes.transaction():
            writes.delete(interface, expected_version=expected_version({}, interface))
        return responses.no_content()


def register(blp: Blueprint) -> None:
    """``/interfaces``: switch ports and what hangs on them."""
    blp.route("/interfaces")(Interfaces)
    blp.route("/interfaces/<int:interface_id>")(InterfaceDetail)
