"""``shopdb.plugins.toolkit``: everything a plugin may import from ShopDB, and nothing else.

A plugin (bundled or a sister site's wheel) imports ShopDB only from here — its tests from here and
from ``shopdb.plugins.toolkit.testing``. Every name in ``__all__`` is public API under the stability
promise of docs/PLUGIN-HOOKS.md ("The toolkit") and docs/adr/0012-plugin-toolkit.md: within a major
version a name is never removed or renamed and its signature only gains optional keyword arguments;
a minor version may add names, add optional arguments, add fields to responses and events, and mark a
name deprecated (it then keeps working until the next major version). Anything not listed here —
``shopdb.core.*``, ``shopdb.api.*``, the framework's own modules — may change in any release.

The import-linter contracts in pyproject.toml (checked by tests/test_architecture.py) hold plugins
to this module.
"""

from __future__ import annotations

# -- errors: raise these; the framework renders every one in the one error format ---------------
# -- API conventions: envelopes, lists, responses, search, optimistic locking ------------------
from ...api import (
    ApiError,
    BadRequest,
    Conflict,
    Forbidden,
    NotFound,
    PreconditionFailed,
    Unauthorized,
    ValidationFailed,
    responses,
)
from ...api.concurrency import expected_version
from ...api.matches import search_matches
from ...api.openapi import LIST_PARAMETERS, envelope, list_envelope
from ...api.ordering import CASE_FOLDED
from ...api.pagination import (
    LIKE_ESCAPE,
    RESERVED_ARGS,
    ListSpec,
    apply_list_args,
    like_pattern,
    list_response,
    paginate,
)

# -- who is asking ------------------------------------------------------------------------------
from ...auth import current_user, require_role, require_site_access

# -- the domain: the database handle and the core models a plugin's models refer to ------------
from ...core.models import (
    Asset,
    AssetRelationship,
    AssetType,
    BigIntPK,
    Location,
    OutboxMessage,
    Site,
    TimestampMixin,
    User,
    VersionedMixin,
    utcnow,
)
from ...core.models.keys import asset_site_column, asset_site_constraints, key_column, key_length

# -- site scoping: which sites' users see a table's rows (``__site_scope__``, docs/adr/0017) ---
from ...core.models.scope import PLANT_WIDE, all_of, by_asset, by_parent, by_site

# -- shared marshmallow fields and base schemas -------------------------------------------------
from ...core.schemas import AssetFieldsSchema, Id, StrictBool, StrictSchema, Text
from ...core.schemas.addresses import (
    HOSTNAME,
    Hostname,
    IpAddress,
    MacAddress,
    ip_or_none,
    mac_or_none,
    normalise_ip,
    normalise_mac,
)
from ...core.schemas.choices import ChoiceField

# -- the service layer: every write goes through it (audit, versions, site limits, rules) -------
from ...core.services import assets as asset_service
from ...core.services import choices, outbox, writes
from ...core.services.asset_kinds import AssetKind, Rule
from ...core.services.assets import ensure_asset_type, ensure_unique_in_site
from ...core.services.audit import current_actor
from ...core.services.choices import ChoiceSet
from ...core.services.search_index import SearchSource

# -- events: subscribe through BasePlugin.get_event_handlers; emit after commit ----------------
from ...events import subscribe
from ...extensions import db

# -- the plugin itself: its class, its flat resource, its migrations ----------------------------
from ..alembic_template import (
    PLUGIN_TABLE_OWNERS,
    _get_plugin_metadata,
    create_plugin_tables,
    drop_plugin_tables,
    run_plugin_migrations,
)
from ..base import BasePlugin
from ..choice_migrations import close_choice_column, open_choice_column
from ..extension_api import ExtensionResource
from ..key_migrations import (
    add_key_column,
    copy_asset_site,
    create_unique,
    has_column,
    has_constraint,
    lower_case_column,
    planned_keys,
    refuse_duplicates,
    require_core_keys,
    tie_to_asset_site,
    untie_from_asset_site,
    write_keys,
)

emit_after_commit = writes.emit_after_commit
"""Queue a plugin event (``"<plugin>.<what>"``) for subscribers; delivered once the write commits."""

__all__ = [
    # errors
    "ApiError", "BadRequest", "Conflict", "Forbidden", "NotFound", "PreconditionFailed", "Unauthorized",
    "ValidationFailed",
    # API conventions
    "responses", "envelope", "list_envelope", "LIST_PARAMETERS", "ListSpec", "apply_list_args", "list_response",
    "paginate", "RESERVED_ARGS", "LIKE_ESCAPE", "like_pattern", "search_matches", "expected_version",
    # Column.info flag: text stored in one case (hostnames, MACs) sorts as it is, served by its index
    # (docs/adr/0026); other text sorts by its normalised key or lower(text)
    "CASE_FOLDED",
    # search index (docs/adr/0018): what a plugin adds to an asset's search document beside its extension
    "SearchSource",
    # auth
    "current_user", "require_role", "require_site_access",
    # database and core models
    "db", "Asset", "AssetRelationship", "AssetType", "Location", "OutboxMessage", "Site", "User", "BigIntPK",
    "TimestampMixin", "VersionedMixin", "utcnow", "asset_site_column", "asset_site_constraints", "key_column",
    "key_length",
    # site scoping
    "PLANT_WIDE", "by_site", "by_asset", "by_parent", "all_of",
    # schemas and fields
    "StrictSchema", "AssetFieldsSchema", "Text", "Id", "StrictBool", "Hostname", "HOSTNAME", "MacAddress", "IpAddress",
    "normalise_mac", "normalise_ip", "mac_or_none", "ip_or_none",
    # service layer
    "writes", "asset_service", "AssetKind", "Rule", "ensure_asset_type", "ensure_unique_in_site", "current_actor",
    "outbox",
    # events
    "subscribe", "emit_after_commit",
    # the plugin
    "BasePlugin", "ExtensionResource",
    # migrations
    "run_plugin_migrations", "create_plugin_tables", "drop_plugin_tables", "PLUGIN_TABLE_OWNERS",
    "_get_plugin_metadata", "add_key_column", "copy_asset_site", "create_unique", "has_column", "has_constraint",
    "lower_case_column", "planned_keys", "refuse_duplicates", "require_core_keys", "tie_to_asset_site",
    "untie_from_asset_site", "write_keys", "open_choice_column", "close_choice_column",
    # choice sets (docs/adr/0013): an admin extends a plugin's vocabulary at run time
    "ChoiceField", "ChoiceSet", "choices",
]
