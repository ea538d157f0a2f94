"""The computers plugin's rules, each in one place: its own endpoints and the core's share them.

``check_controls`` guards every ``controls`` edge, whether made through
``/api/v1/computers/<id>/controls`` or the core's ``/api/v1/assets/<id>/relationships`` (through
the ``relationship_validate`` event). ``ensure_ip_unique_in_site`` is the per-site uniqueness the
database cannot enforce, because ``site_id`` lives on the assets table, not on ``computers``.
"""

from __future__ import annotations

from shopdb.api import ValidationFailed
from shopdb.core.models import Asset
from shopdb.core.services.assets import ensure_unique_in_site

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
