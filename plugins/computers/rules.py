"""The computers plugin's rules, each in one place: its own endpoints and the core's share them.

``validate_computer`` is the asset kind's rule (the ``validate`` callback of the computers
resource): the service layer runs it on every write of a computer, whichever path it takes.

``check_controls`` guards every ``controls`` edge, whether made through
``/api/v1/computers/<id>/controls`` or the core's ``/api/v1/assets/<id>/relationships`` (through
the ``relationship_validate`` event). ``ensure_ip_unique_in_site`` is the per-site uniqueness the
database cannot enforce, because ``site_id`` lives on the assets table, not on ``computers``.
"""

from __future__ import annotations

from typing import Any

from shopdb.plugins.toolkit import Asset, ValidationFailed, ensure_unique_in_site, writes

from .models import Computer

CONTROLS = "controls"
COMPUTER = "computer"
EQUIPMENT = "equipment"


def check_controls(source: Asset, target: Asset, target_field: str = "target_assetid") -> None:
    """A ``controls`` edge runs from a computer to a machine (equipment); anything else is a 422.

    Only the asset type's name is compared, so this plugin never imports the equipment plugin.
    """
    errors: dict[str, list[str]] = {}
    if source.asset_type.name != COMPUTER:
        errors["kind"] = [f"Only a computer controls machines; asset {source.assetid} is a "
                          f"{source.asset_type.name}."]
    if target.asset_type.name != EQUIPMENT:
        errors[target_field] = [f"Asset {target.assetid} is a {target.asset_type.name}, not equipment."]
    if errors:
        raise ValidationFailed(errors, "A 'controls' relationship links a computer to equipment.")


def ensure_ip_unique_in_site(ip: str | None, site_id: int | None, exclude_assetid: int | None) -> None:
    """No two computers of one site share an ``primary_ip`` (409)."""
    ensure_unique_in_site(Computer, "primary_ip", ip, site_id, exclude_assetid)


def validate_computer(data: dict[str, Any], asset: Asset | None, computer: Computer | None) -> None:
    """Hostname and MAC unique, the IP unique in the PC's site (409 before the database would say it)."""
    # The schema already normalised hostname and MAC.
    if "hostname" in data:
        writes.ensure_unique(Computer, "hostname", data["hostname"], exclude=computer, case_insensitive=True)
    if "mac_address" in data:
        writes.ensure_unique(Computer, "mac_address", data["mac_address"], exclude=computer)
    # Moving a PC to another site must not bring its address into a clash there either.
    if "primary_ip" in data or "site_id" in data:
        ensure_ip_unique_in_site(
            data.get("primary_ip", computer.primary_ip if computer else None),
            data.get("site_id", asset.site_id if asset else None),
            asset.assetid if asset else None,
        )


def validate_relationship(kind: str, source: Asset, target: Asset, **_: Any) -> None:
    """``relationship_validate`` handler: the core's relationship endpoint asks first."""
    if kind == CONTROLS:
        check_controls(source, target)
