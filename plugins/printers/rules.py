"""The printers plugin's rules, each in one place: its own endpoints and the core's share them.

``check_prints_for`` guards every ``prints_for`` edge, whether made through
``/api/v1/printers/<id>/computers`` or the core's ``/api/v1/assets/<id>/relationships`` (through
the ``relationship_validate`` event). ``ensure_ip_unique_in_site`` is the per-site uniqueness the
database cannot enforce, because ``site_id`` lives on the assets table, not on ``printers``.
"""

from __future__ import annotations

from shopdb.api import ValidationFailed
from shopdb.core.models import Asset
from shopdb.core.services.assets import ensure_unique_in_site

from .models import Printer

PRINTS_FOR = "prints_for"
PRINTER = "printer"
COMPUTER = "computer"


def check_prints_for(source: Asset, target: Asset, target_field: str = "target_assetid") -> None:
    """A ``prints_for`` edge runs from a printer to a computer; anything else is a 422.

    Only the asset type's name is compared, so this plugin never imports the computers plugin.
    """
    errors: dict[str, list[str]] = {}
    if source.asset_type.name != PRINTER:
        errors["kind"] = [f"Only a printer prints for computers; asset {source.assetid} is a "
                          f"{source.asset_type.name}."]
    if target.asset_type.name != COMPUTER:
        errors[target_field] = [f"Asset {target.assetid} is a {target.asset_type.name}, not a computer."]
    if errors:
        raise ValidationFailed(errors, "A 'prints_for' relationship links a printer to a computer.")


def ensure_ip_unique_in_site(ip: str | None, site_id: int | None, exclude_assetid: int | None) -> None:
    """No two printers of one site share an ``ip_address`` (409)."""
    ensure_unique_in_site(Printer, "ip_address", ip, site_id, exclude_assetid)
