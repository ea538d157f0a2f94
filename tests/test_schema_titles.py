"""Every field the API publishes has a humane ``title`` in the OpenAPI: the web UI labels its forms and tables
with it (``frontend/src/labels.js``), so "MAC address" never reads ``mac address`` and no UI code has to
know a plugin's field names.

A field takes its title from its own ``metadata={"title": ...}``, from its schema's ``field_titles`` (a
plugin's words) or from the core's words (``shopdb/core/schemas/titles.py``).
"""

from __future__ import annotations

# flask-smorest's own pagination schema: registered with its (unused) pagination header and referenced by no
# operation, which page in the body's ``meta`` instead.
NOT_OURS = frozenset({"PaginationMetadata"})


def untitled_fields(spec: dict) -> list[str]:
    """``Schema.field`` of every component property without a title.

    A property that is a bare ``$ref`` is the referenced schema itself (an envelope's ``data``, an error's
    ``error``): in OpenAPI 3.0 a title beside a ``$ref`` is ignored, and wrapping it in ``allOf`` would hide
    the reference from clients that follow ``$ref`` (the UI's ``schema.js``), so its fields carry the titles.
    """
    missing = []
    for name, schema in spec["components"]["schemas"].items():
        if name in NOT_OURS:
            continue
        for field, prop in schema.get("properties", {}).items():
            if set(prop) == {"$ref"}:
                continue
            if not str(prop.get("title", "")).strip():
                missing.append(f"{name}.{field}")
    return missing


def test_every_published_field_has_a_title_for_the_ui_to_show(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert untitled_fields(spec) == [], (
        "give these fields a title: the schema's field_titles, or metadata={'title': ...} on the field")


def test_fields_read_as_a_plant_engineer_would_say_them(client):
    schemas = client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]

    def title(schema: str, field: str) -> str:
        return schemas[schema]["properties"][field]["title"]

    assert title("Computer", "mac_address") == "MAC address"
    assert title("Computer", "last_seen_at") == "Last seen"
    assert title("NetworkDevice", "mgmt_ip") == "Management IP"
    assert title("Interface", "speed_mbps") == "Speed (Mbit/s)"
    assert title("Equipment", "asset_tag") == "Asset tag"
    assert title("Site", "timezone") == "Time zone"
    # Request and partial (PATCH) schemas read alike, and a nested collection is titled as a whole.
    assert title("ComputerPatch", "site_id") == title("Location", "site_id") == "Site"
    assert schemas["NetworkDevice"]["properties"]["interfaces"]["title"] == "Interfaces"


def test_a_field_may_state_its_own_title_over_the_shared_words():
    from marshmallow import fields

    from shopdb.core.schemas import StrictSchema

    class PortSchema(StrictSchema):
        field_titles = {"name": "Port"}

        name = fields.Str()
        site_id = fields.Int(metadata={"title": "Plant"})
        notes = fields.Str()

    bound = PortSchema().fields
    assert [bound[f].metadata["title"] for f in ("name", "site_id", "notes")] == ["Port", "Plant", "Notes"]
    # The class's declared fields stay as written: the title is given to each schema's own copy.
    assert "title" not in PortSchema._declared_fields["notes"].metadata
