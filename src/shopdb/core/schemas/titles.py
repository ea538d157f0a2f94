"""The words people read for the fields of the core's schemas: each is the field's OpenAPI ``title``, which
the web UI shows as the field's label (so no UI code names a field).

``StrictSchema`` gives a field its title from here, by the field's attribute name, unless the field states
its own (``metadata={"title": ...}``) or a schema's ``field_titles`` names it. Plugins add their own words
through ``field_titles``; ``tests/test_schema_titles.py`` fails on any field of the OpenAPI without a title.
"""

from __future__ import annotations

from types import MappingProxyType

FIELD_TITLES = MappingProxyType({
    # Every resource
    "id": "ID",
    "name": "Name",
    "label": "Label",
    "kind": "Kind",
    "status": "Status",
    "notes": "Notes",
    "description": "Description",
    "version": "Version",
    "created_at": "Created",
    "updated_at": "Updated",
    "created_by": "Created by",
    "plugin": "Plugin",
    # Assets (SPEC §5): the fields every plugin's flat object carries
    "assetid": "Asset",
    "asset_tag": "Asset tag",
    "asset_type": "Type",
    "site_id": "Site",
    "location_id": "Location",
    "manufacturer": "Manufacturer",
    "model": "Model",
    "serial_number": "Serial number",
    # Network identity (the core's Hostname, MacAddress and IpAddress fields)
    "hostname": "Hostname",
    "mac_address": "MAC address",
    "ip_address": "IP address",
    "primary_ip": "Primary IP",
    # Sites and locations
    "code": "Code",
    "timezone": "Time zone",
    "parent_id": "Parent location",
    "x": "Floor X",
    "y": "Floor Y",
    "path": "Path",
    # Relationships
    "target_assetid": "Target asset",
    "source_assetid": "Source asset",
    "direction": "Direction",
    "other_assetid": "Other asset",
    "other_asset_tag": "Other asset tag",
    "other_name": "Other asset name",
    "other_asset_type": "Other asset type",
    # Audit
    "at": "When",
    "action": "Action",
    "table_name": "Table",
    "row_id": "Row",
    "before": "Before",
    "after": "After",
    "address": "Address",
    # Search and choices
    "matched": "Matched in",
    "url": "URL",
    "slug": "Value",
    "built_in": "Built in",
    "position": "Position",
    "stored_in": "Stored in",
    "values": "Values",
    # Import
    "line": "Line",
    "where": "Where",
    "field": "Field",
    "message": "Message",
    "rows": "Rows",
    "created": "Created",
    "updated": "Updated",
    "unchanged": "Unchanged",
    "refused": "Refused",
    "written": "Written",
    "dry_run": "Dry run",
    "places_created": "Places created",
    "errors": "Errors",
    # Users, sessions and tokens
    "user_id": "User",
    "username": "Username",
    "password": "Password",
    "current_password": "Current password",
    "new_password": "New password",
    "role": "Role",
    "site_ids": "Sites",
    "is_active": "Active",
    "auth_source": "Sign-in source",
    "last_login_at": "Last login",
    "csrf_token": "CSRF token",
    "token": "Token",
    "prefix": "Token prefix",
    "write_enabled": "May write",
    "expires_in_days": "Expires in (days)",
    "expires_at": "Expires",
    "last_used_at": "Last used",
    "last_used_address": "Last used from",
    "revoked_at": "Revoked",
    # Health
    "state": "State",
    "pending_migrations": "Pending migrations",
    "error": "Error",
    "ui": "UI module",
    "database": "Database",
    "plugins": "Plugins",
})
