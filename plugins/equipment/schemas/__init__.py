from __future__ import annotations

import datetime as dt
from typing import Any

from marshmallow import ValidationError, fields, validate, validates

from shopdb.plugins.toolkit import AssetFieldsSchema, ChoiceField, StrictSchema, Text

from ..models import (
    CONTROLLER_TYPES,
    EQUIPMENT_TYPES,
    MAINTENANCE_KINDS,
    MAX_DOWNTIME_MINUTES,
    OPERATIONAL_STATUSES,
)

MACHINE_NUMBER = r"^[A-Za-z0-9][A-Za-z0-9._/-]*$"
MAX_FLOOR_COORDINATE = 1_000_000.0  # floor plans are in metres or pixels; anything bigger is a typo
EARLIEST_DATE = dt.date(1970, 1, 1)  # older dates are typos, and MySQL's DATE starts at year 1000

# What people read for the machines' own fields (their OpenAPI titles); the core names the shared ones.
TITLES = {
    "machine_number": "Machine number",
    "equipment_type": "Machine type",
    "controller_type": "Controller",
    "controller_version": "Controller version",
    "cell": "Cell",
    "floor_x": "Floor X",
    "floor_y": "Floor Y",
    "operational_status": "Machine status",
    "last_maintenance_on": "Last maintenance",
    "performed_on": "Performed on",
    "downtime_minutes": "Downtime (min)",
    "minutes": "Minutes",
    "count": "Count",
    "date_from": "From",
    "date_to": "To",
    "total_minutes": "Downtime (min)",
    "by_kind": "By kind",
    # Floor plans
    "content_type": "Image type",
    "size_bytes": "Size (bytes)",
    "width": "Width (px)",
    "height": "Height (px)",
    "floor_width": "Floor width",
    "floor_height": "Floor height",
    "origin_x": "Left edge on the floor",
    "origin_y": "Top edge on the floor",
    "etag": "ETag",
    "uploaded_at": "Uploaded",
    "uploaded_by": "Uploaded by",
}


class StrictFloat(fields.Float):
    """A JSON number only: ``"12.5"``, ``true``, NaN and infinity are refused."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> float | None:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.make_error("invalid")
        return super()._deserialize(value, attr, data, **kwargs)


class EquipmentSchema(AssetFieldsSchema):
    """A machine: the core asset fields and the machine's own, side by side."""

    field_titles = TITLES

    machine_number = Text(32, required=True, validate=validate.Regexp(
        MACHINE_NUMBER, error="Letters, digits and . _ / - only, starting with a letter or digit."))
    equipment_type = ChoiceField("equipment_type", examples=EQUIPMENT_TYPES, load_default="other")
    controller_type = Text(64, allow_none=True, metadata={"examples": list(CONTROLLER_TYPES)})
    controller_version = Text(64, allow_none=True)
    cell = Text(64, allow_none=True)
    floor_x = StrictFloat(allow_none=True, validate=validate.Range(min=0, max=MAX_FLOOR_COORDINATE),
                          metadata={"description": "across the site's floor plan, from its left edge"})
    floor_y = StrictFloat(allow_none=True, validate=validate.Range(min=0, max=MAX_FLOOR_COORDINATE),
                          metadata={"description": "down the site's floor plan, from its top edge"})
    operational_status = fields.Str(load_default="idle", validate=validate.OneOf(OPERATIONAL_STATUSES))
    last_maintenance_on = fields.Date(dump_only=True, allow_none=True)


def latest_allowed_date() -> dt.date:
    """Today where the day starts first (UTC+14): no time zone's "today" is refused as future."""
    return (dt.datetime.now(dt.UTC) + dt.timedelta(hours=14)).date()


class MaintenanceRecordSchema(StrictSchema):
    field_titles = TITLES

    id = fields.Int(dump_only=True)
    assetid = fields.Int(dump_only=True)
    performed_on = fields.Date(required=True)
    kind = ChoiceField("maintenance_kind", examples=MAINTENANCE_KINDS, required=True)
    downtime_minutes = fields.Int(strict=True, load_default=0,
                                  validate=validate.Range(min=0, max=MAX_DOWNTIME_MINUTES))
    notes = Text(5000, allow_none=True)
    created_by = fields.Str(dump_only=True)
    created_at = fields.DateTime(dump_only=True)

    @validates("performed_on")
    def _not_future_nor_ancient(self, value: dt.date, **_: Any) -> None:
        if value < EARLIEST_DATE:
            raise ValidationError(f"Must be on or after {EARLIEST_DATE.isoformat()}.")
        if value > latest_allowed_date():
            raise ValidationError("Maintenance that was performed cannot be in the future.")


class EquipmentDowntimeKindSchema(StrictSchema):
    field_titles = TITLES

    minutes = fields.Int()
    count = fields.Int()


class EquipmentDowntimeSchema(StrictSchema):
    """Downtime of one machine over a date range (both ends included)."""

    field_titles = TITLES

    assetid = fields.Int()
    date_from = fields.Date(data_key="from")
    date_to = fields.Date(data_key="to")
    total_minutes = fields.Int()
    count = fields.Int()
    by_kind = fields.Dict(keys=fields.Str(), values=fields.Nested(EquipmentDowntimeKindSchema))


class MachineDowntimeSchema(StrictSchema):
    """One machine's line in the plant-wide downtime ranking."""

    field_titles = TITLES

    assetid = fields.Int()
    asset_tag = fields.Str()
    name = fields.Str()
    site_id = fields.Int()
    machine_number = fields.Str()
    total_minutes = fields.Int()
    count = fields.Int()


class FloorPlanSchema(StrictSchema):
    """A floor-plan image of a site's whole floor or of one area: its size in pixels and the floor it covers.

    The image's top-left corner lies at (``origin_x``, ``origin_y``) on the site's floor — (0, 0) for the
    whole site — and it spans ``floor_width`` × ``floor_height`` floor units (aspect ratio kept), so a
    marker at (``floor_x``, ``floor_y``), in the site's units on every plan, sits at pixel
    ((``floor_x`` − ``origin_x``) × ``width`` / ``floor_width``, (``floor_y`` − ``origin_y``) × ``height`` /
    ``floor_height``).
    """

    field_titles = TITLES

    site_id = fields.Int(dump_only=True)
    location_id = fields.Int(dump_only=True, allow_none=True,
                             metadata={"description": "the area (a location of the site) the drawing shows; "
                                                      "null: the whole site"})
    content_type = fields.Str(dump_only=True, metadata={"enum": ["image/png", "image/jpeg"]})
    size_bytes = fields.Int(dump_only=True)
    width = fields.Int(dump_only=True, metadata={"description": "pixels"})
    height = fields.Int(dump_only=True, metadata={"description": "pixels"})
    floor_width = fields.Float(dump_only=True, metadata={"description": "floor units the image's width covers"})
    floor_height = fields.Float(dump_only=True, metadata={"description": "floor_width × height / width"})
    origin_x = fields.Float(dump_only=True,
                            metadata={"description": "the image's left edge on the site's floor (floor units)"})
    origin_y = fields.Float(dump_only=True,
                            metadata={"description": "the image's top edge on the site's floor (floor units)"})
    etag = fields.Str(dump_only=True,
                      metadata={"description": "SHA-256 of the image: the image's ETag (quoted there)"})
    url = fields.Str(dump_only=True, metadata={"description": "where the image is served"})
    uploaded_at = fields.DateTime(dump_only=True)
    uploaded_by = fields.Str(dump_only=True, allow_none=True)
    version = fields.Int(dump_only=True)
