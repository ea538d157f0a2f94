from .addresses import Hostname, IpAddress, MacAddress
from .asset import (
    AssetFieldsSchema,
    AssetSchema,
    AssetTypeSchema,
    AuditEntrySchema,
    RelationshipSchema,
)
from .common import Id, StrictBool, StrictSchema, Text
from .location import LocationSchema
from .site import SiteSchema

__all__ = [
    "AssetFieldsSchema", "AssetSchema", "AssetTypeSchema", "AuditEntrySchema",
    "RelationshipSchema", "Id", "StrictBool", "StrictSchema", "Text", "LocationSchema", "SiteSchema",
    "Hostname", "IpAddress", "MacAddress",
]
