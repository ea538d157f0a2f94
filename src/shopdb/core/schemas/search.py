from __future__ import annotations

from marshmallow import fields

from .common import StrictSchema


class SearchHitSchema(StrictSchema):
    """One asset ``/api/v1/search`` found, and the field the text matched in."""

    assetid = fields.Int()
    asset_tag = fields.Str()
    name = fields.Str()
    status = fields.Str()
    site_id = fields.Int()
    asset_type = fields.Str()
    plugin = fields.Str(allow_none=True, metadata={"description": "the plugin owning the type; null for core types"})
    matched = fields.Str(metadata={"description": "the first field of the asset's search document containing the "
                                                  "text: asset_tag, name, serial_number, manufacturer, model, or a "
                                                  "plugin's (hostname, mac_address, primary_ip, ip_address, ...)"})
    url = fields.Str(metadata={"description": "where the API serves this asset"})
