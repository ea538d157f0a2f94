"""The printers plugin's rules, each in one place: its own endpoints and the core's share them.

``validate_printer`` is the asset kind's rule (the ``validate`` callback of the printers
resource): the service layer runs it on every write of a printer, whichever path it takes.

``check_prints_for`` guards every ``prints_for`` edge, whether made through
``/api/v1/printers/<id>/computers`` or the core's ``/api/v1/assets/<id>/relationships`` (through
the ``relationship_validate`` event). ``ensure_ip_unique_in_site`` is the per-site uniqueness the
database cannot enforce, because ``site_id`` lives on the assets table, not on ``printers``.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from shopdb.plugins.toolkit import Asset, ValidationFailed, ensure_unique_in_site, writes

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


def validate_printer(data: dict[str, Any], asset: Asset | None, printer: Printer | None) -> None:
    """One stored spelling of hostname and IP; hostname unique, the IP unique in the printer's site."""
    # One stored spelling (compressed IP, lower-case hostname) makes equality mean "the same".
    if data.get("ip_address"):
        data["ip_address"] = str(ipaddress.ip_address(data["ip_address"]))
    if data.get("hostname"):
        data["hostname"] = data["hostname"].lower()
    # The clear 409 before the hostname's unique constraint would refuse it.
    if "hostname" in data:
        writes.ensure_unique(Printer, "hostname", data["hostname"], exclude=printer, case_insensitive=True)
    # Moving a printer to another site must not bring its address into a clash there either.
    if "ip_address" in data or "site_id" in data:
        ensure_ip_unique_in_site(
            data.get("ip_address", printer.ip_address if printer else None),
            data.get("site_id", asset.site_id if asset else None),
            asset.assetid if asset else None,
        )


def validate_relationship(kind: str, source: Asset, target: Asset, **_: Any) -> None:
    """``relationship_validate`` handler: the core's relationship endpoint asks first."""
    if kind == PRINTS_FOR:
        check_prints_for(source, target)
