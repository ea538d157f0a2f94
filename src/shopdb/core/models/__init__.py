"""The core domain (SPEC §2). Importing this package registers every core table in ``db.metadata``."""

from .asset import ASSET_STATUSES, Asset, AssetType
from .audit import AuditLog
from .base import BigIntPK, TimestampMixin, VersionedMixin, utcnow
from .choice import Choice
from .live_event import LiveEventRecord
from .location import LOCATION_KINDS, Location
from .outbox import OutboxMessage
from .plugin_state import PLUGIN_STATES, PluginState
from .relationship import AssetRelationship
from .search import SearchDocument
from .site import Site
from .user import ROLES, ApiToken, User, user_sites

CORE_TABLES = (
    "sites", "locations", "asset_types", "assets", "asset_relationships", "audit_log",
    "users", "user_sites", "api_tokens", "plugin_states", "outbox", "choices", "search_documents",
    "live_events",
)

__all__ = [
    "ASSET_STATUSES", "Asset", "AssetType", "AuditLog", "Choice", "BigIntPK", "TimestampMixin",
    "VersionedMixin", "utcnow", "LOCATION_KINDS", "LiveEventRecord", "Location", "OutboxMessage",
    "PLUGIN_STATES", "PluginState",
    "AssetRelationship", "SearchDocument", "Site", "ROLES", "ApiToken", "User", "user_sites", "CORE_TABLES",
]
