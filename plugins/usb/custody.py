"""The custody transitions of a USB stick: check-out, check-in, lost and found, each in one transaction.

Whether a transition may happen is decided in ``rules.py``; this module carries it out.

Every transition changes the device's ``custody_state`` through ``assets.update_asset``, which bumps
the asset's ``version``: two people checking out the same stick at once both read version N, and
the second ``UPDATE ... WHERE version = N`` matches nothing, so it fails with a version conflict.
The UNIQUE ``open_device_assetid`` column is the backstop should the device row ever disagree.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Select, Text, cast, func, select
from sqlalchemy.orm import aliased

from shopdb.plugins.toolkit import (
    Asset,
    asset_service,
    current_actor,
    current_user,
    db,
    utcnow,
    writes,
)

from . import rules
from .models import UsbCheckout, UsbDevice

Device = aliased(Asset, name="device")
Machine = aliased(Asset, name="machine")


# -- reading the chain ----------------------------------------------------------------------------
def checkout_query() -> Select:
    """Checkouts with the device's tag/label and the machine's tag/name: one statement, no N+1."""
    return (
        select(UsbCheckout, Device.asset_tag, UsbDevice.label, Machine.asset_tag, Machine.name)
        .join(Device, Device.assetid == UsbCheckout.device_assetid)
        .outerjoin(UsbDevice, UsbDevice.assetid == UsbCheckout.device_assetid)
        .outerjoin(Machine, Machine.assetid == UsbCheckout.machine_assetid)
    )


def checkout_to_dict(row: Any) -> dict[str, Any]:
    """The machine's current tag/name while it exists; the check-out snapshot once it is deleted.

    Raw values (``out_at`` a datetime) for ``CheckoutSchema``, which the view's response dumps."""
    checkout, device_tag, device_label, machine_tag, machine_name = row
    if machine_tag is None:
        machine_tag, machine_name = checkout.machine_asset_tag, checkout.machine_name
    return {
        "id": checkout.id, "device_assetid": checkout.device_assetid, "device_asset_tag": device_tag,
        "device_label": device_label, "checked_out_to": checkout.checked_out_to,
        "machine_assetid": checkout.machine_assetid, "machine_asset_tag": machine_tag,
        "machine_name": machine_name, "purpose": checkout.purpose, "files": checkout.files,
        "notes": checkout.notes, "out_at": checkout.out_at, "out_by": checkout.out_by,
        "in_at": checkout.in_at, "in_by": checkout.in_by, "closed_reason": checkout.closed_reason,
        "return_notes": checkout.return_notes, "open": checkout.in_at is None,
    }


def checkout_by_id(checkout_id: int) -> dict[str, Any]:
    return checkout_to_dict(db.session.execute(checkout_query().where(UsbCheckout.id == checkout_id)).one())


def open_checkout(assetid: int) -> UsbCheckout | None:
    return db.session.execute(
        select(UsbCheckout).where(UsbCheckout.open_device_assetid == assetid)
    ).scalar_one_or_none()


def files_containing(*, sha256: str | None = None, name: str | None = None):
    """A WHERE clause: the checkout carried a file with this SHA-256 / this name (case-insensitive).

    ``files`` is JSON text written by SQLAlchemy's ``json.dumps`` (``"key": value``) and stored
    verbatim by SQLite, MariaDB and PostgreSQL's ``json``, so a text match works on all three.
    """
    key, value = ("sha256", sha256) if sha256 is not None else ("name", name)
    needle = f'"{key}": {json.dumps(value)}'.lower()
    return func.lower(cast(UsbCheckout.files, Text)).contains(needle, autoescape=True)


# -- the transitions (preconditions: rules.check_can_*) ------------------------------------------
def _actor() -> tuple[int | None, str]:
    user = current_user()
    return (user.id, user.username) if user is not None else current_actor()


def _change_state(asset: Asset, device: UsbDevice, expected_version: int | None,
                  asset_fields: dict[str, Any] | None = None, **device_fields: Any) -> None:
    """An audited, versioned change of the stick (``custody_state``, ...) and maybe its asset."""
    asset_service.update_asset(asset, asset_fields or {}, extension_fields=device_fields,
                               expected_version=expected_version)


def _event(name: str, asset: Asset, checkout: UsbCheckout | None, **extra: Any) -> None:
    writes.emit_after_commit(f"usb.{name}", assetid=asset.assetid, site_id=asset.site_id,
                             checkout_id=checkout.id if checkout else None, **extra)


def check_out(asset: Asset, device: UsbDevice, body: dict[str, Any], expected_version: int | None) -> UsbCheckout:
    """Hand an approved stick in the store to a person (and a machine); 409 when it may not go."""
    rules.check_can_check_out(asset, device, open_checkout(asset.assetid))
    machine_id = body.get("machine_assetid")
    machine = None
    if machine_id is not None:
        machine = writes.require_reference(Asset, machine_id, "machine_assetid")
        rules.check_machine_is_not_the_stick(asset, machine)
    user_id, username = _actor()
    with writes.transaction():
        _change_state(asset, device, expected_version, custody_state="checked_out")
        checkout = writes.create(
            UsbCheckout, device_assetid=asset.assetid, open_device_assetid=asset.assetid,
            checked_out_to=body["checked_out_to"], machine_assetid=machine_id,
            machine_asset_tag=machine.asset_tag if machine else None, machine_name=machine.name if machine else None,
            purpose=body["purpose"],
            files=body.get("files"), notes=body.get("notes"), out_at=utcnow(),
            out_by_user_id=user_id, out_by=username,
        )
        _event("checked_out", asset, checkout, checked_out_to=checkout.checked_out_to,
               machine_assetid=machine_id, by=username)
    return checkout


def _close(checkout: UsbCheckout, reason: str, notes: str | None) -> None:
    user_id, username = _actor()
    writes.update(checkout, {"in_at": utcnow(), "in_by_user_id": user_id, "in_by": username,
                             "closed_reason": reason, "return_notes": notes, "open_device_assetid": None})


def check_in(asset: Asset, device: UsbDevice, body: dict[str, Any], expected_version: int | None) -> UsbCheckout:
    """Take a checked-out stick back into the store; 409 when it is not out."""
    current = open_checkout(asset.assetid)
    rules.check_can_check_in(asset, device, current)
    with writes.transaction():
        _change_state(asset, device, expected_version, custody_state="in_store")
        _close(current, "returned", body.get("notes"))
        _event("checked_in", asset, current, by=current.in_by)
    return current


def report_lost(asset: Asset, device: UsbDevice, body: dict[str, Any], expected_version: int | None) -> None:
    """Mark the stick lost (asset status ``lost`` too) and close its open checkout as lost."""
    rules.check_can_report_lost(asset, device)
    current = open_checkout(asset.assetid)
    with writes.transaction():
        _change_state(asset, device, expected_version, {"status": "lost"},
                      custody_state="lost", custody_note=body.get("notes"))
        if current is not None:
            _close(current, "lost", body.get("notes"))
        _event("lost", asset, current, by=_actor()[1], notes=body.get("notes"))


def report_found(asset: Asset, device: UsbDevice, body: dict[str, Any], expected_version: int | None) -> None:
    """A lost stick is back in the store (asset status ``active``); 409 when it was not lost."""
    rules.check_can_report_found(asset, device)
    with writes.transaction():
        _change_state(asset, device, expected_version, {"status": "active"} if asset.status == "lost" else {},
                      custody_state="in_store", custody_note=body.get("notes"))
        _event("found", asset, None, by=_actor()[1], notes=body.get("notes"))
