"""The USB plugin's rules, each in one place: its own endpoints, the custody transitions and the
core's endpoints share them.

``validate_usb_device`` is the asset kind's rule (the ``validate`` callback of the USB resource),
run by the service layer on every write of a stick; ``validate_asset_write`` answers the
``asset_validate`` event (deletes through the core's API too); ``check_can_*`` are the
preconditions of the custody transitions in ``custody.py``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import func, select

from shopdb.plugins.toolkit import Asset, Conflict, ValidationFailed, db

from .models import UsbCheckout, UsbDevice


def validate_usb_device(data: dict[str, Any], asset: Asset | None, device: UsbDevice | None) -> None:
    """Asset status ``lost`` follows the custody state (the same rule guards /api/v1/assets)."""
    check_status_follows_custody(data, data, device)  # flat: the custody state may be in it


# -- the custody transitions ----------------------------------------------------------------------
def check_can_check_out(asset: Asset, device: UsbDevice, current: UsbCheckout | None) -> None:
    """Only an approved, usable stick in the store goes out (409 otherwise); ``current`` is its open checkout."""
    tag = asset.asset_tag
    if device.custody_state == "lost":
        raise Conflict(f"USB stick {tag} is reported lost; report it found first.", code="lost")
    if device.custody_state == "checked_out":
        who = current.checked_out_to if current else "someone"
        raise Conflict(f"USB stick {tag} is already checked out (to {who}); check it in first.",
                       {"checkout_id": current.id if current else None}, code="already_checked_out")
    if not device.approved:
        raise Conflict(f"USB stick {tag} is not approved for the shop floor.", code="not_approved")
    if asset.status in ("retired", "inactive"):
        raise Conflict(f"USB stick {tag} is {asset.status}.", code=f"{asset.status}")


def check_machine_is_not_the_stick(asset: Asset, machine: Asset) -> None:
    if machine.assetid == asset.assetid:
        raise ValidationFailed({"machine_assetid": ["A stick cannot be checked out to itself."]})


def check_can_check_in(asset: Asset, device: UsbDevice, current: UsbCheckout | None) -> None:
    """Only a checked-out stick comes back (409 otherwise)."""
    if device.custody_state != "checked_out" or current is None:
        hint = " It is reported lost; report it found instead." if device.custody_state == "lost" else ""
        raise Conflict(f"USB stick {asset.asset_tag} is not checked out.{hint}", code="not_checked_out")


def check_can_report_lost(asset: Asset, device: UsbDevice) -> None:
    if device.custody_state == "lost":
        raise Conflict(f"USB stick {asset.asset_tag} is already reported lost.", code="already_lost")


def check_can_report_found(asset: Asset, device: UsbDevice) -> None:
    if device.custody_state != "lost":
        raise Conflict(f"USB stick {asset.asset_tag} is not reported lost.", code="not_lost")


# -- rules the core API must keep too (``asset_validate``) ----------------------------------------
def check_status_follows_custody(fields: Mapping[str, Any], extension_fields: Mapping[str, Any],
                                 device: UsbDevice | None) -> None:
    """Asset status ``lost`` ⇔ custody ``lost``: only the lost/found reports change either.

    The reports write the status together with the new ``custody_state``, so the state compared
    with is the one about to be written, else the stick's current one (``in_store`` when new).
    """
    if "status" not in fields:
        return
    current = device.custody_state if device is not None else "in_store"
    state = extension_fields.get("custody_state", current)
    if fields["status"] == "lost" and state != "lost":
        raise ValidationFailed({"status": ["Report a lost stick with POST /api/v1/usb/<assetid>/lost."]})
    if fields["status"] != "lost" and state == "lost":
        raise ValidationFailed({"status": ["This stick is reported lost; use POST /api/v1/usb/<assetid>/found."]})


def refuse_delete_with_history(asset: Asset) -> None:
    """The custody chain is kept forever: a stick that was ever checked out is retired, not deleted."""
    count = db.session.execute(
        select(func.count()).select_from(UsbCheckout).where(UsbCheckout.device_assetid == asset.assetid)
    ).scalar_one()
    if count:
        raise Conflict(
            f"USB stick {asset.asset_tag} has a custody history ({count} checkout(s)) and cannot be deleted; "
            f"retire it instead (PATCH /api/v1/usb/{asset.assetid} with status \"retired\").",
            {"checkouts": count}, code="has_custody_history",
        )


def validate_asset_write(action: str, asset: Asset | None, asset_type: str, fields: Mapping[str, Any],
                         extension_fields: Mapping[str, Any] | None = None, **_: Any) -> None:
    """``asset_validate`` handler: the status and history rules hold for /api/v1/assets too, not only /api/v1/usb."""
    if asset_type != "usb_device":
        return
    if action == "delete":
        if asset is not None:
            refuse_delete_with_history(asset)
        return
    device = db.session.get(UsbDevice, asset.assetid) if asset is not None else None
    check_status_follows_custody(fields, extension_fields or {}, device)
