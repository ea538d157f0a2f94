"""The notifications plugin's rules, each in one place: who may post where, and what a notice must hold."""

from __future__ import annotations

from typing import Any

from shopdb.plugins.toolkit import Asset, Forbidden, Site, ValidationFailed, current_user, require_site_access, writes


def check_site_scope(site_id: int | None) -> None:
    """Users limited to some sites may post for those sites only, never for all sites at once."""
    user = current_user()
    if user is not None and user.sites and site_id is None:
        raise Forbidden("You are limited to some sites; a notice for all sites needs an unrestricted user.")
    require_site_access(site_id)


def check_notice(values: dict[str, Any], changed: set[str]) -> None:
    """Refuse what the schema cannot see alone: references, asset/site agreement, the time window.

    ``values`` is the notice as it would be after the write; ``changed`` names the fields the body set.
    May fill ``values["site_id"]`` from the asset when the body left it out.
    """
    errors: dict[str, list[str]] = {}
    if values.get("site_id") is not None and "site_id" in changed:
        writes.require_reference(Site, values["site_id"], "site_id")
    if values.get("assetid") is not None and changed & {"assetid", "site_id"}:
        asset = writes.require_reference(Asset, values["assetid"], "assetid")
        if "site_id" not in changed and "assetid" in changed and values.get("site_id") is None:
            values["site_id"] = asset.site_id  # a notice about a machine belongs to the machine's site
        elif values.get("site_id") != asset.site_id:
            errors["site_id"] = [f"Asset {asset.assetid} is at site {asset.site_id}; "
                                 "a notice about an asset belongs to its site."]
    if changed & {"starts_at", "ends_at"} and values.get("ends_at") is not None \
            and values["ends_at"] <= values["starts_at"]:
        errors["ends_at"] = ["Must be after starts_at."]
    if errors:
        raise ValidationFailed(errors)
