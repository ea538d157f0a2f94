"""Drawn floor plans per demo site: the whole site's, and one per hall, as the demo's locations place them.

The demo's floor units are metres (halls 120 m apart, cells 35 × 40 m), so the site's image is drawn at
``PIXELS_PER_UNIT`` and stored with ``floor_width`` = its width in metres: the demo machines land in their
cells on the plan. Each hall's own drawing is sharper (``HALL_PIXELS_PER_UNIT``) and starts where the hall
stands on the site's floor (its location's x/y = the plan's origin), so the same machines land in the same
cells on it.
"""

from __future__ import annotations

import hashlib
import io
from collections import defaultdict

from PIL import Image, ImageDraw, ImageFont
from sqlalchemy import select

from shopdb.plugins.toolkit import Location, db, utcnow

from .models import FloorPlan, area_key

PIXELS_PER_UNIT = 4
HALL_PIXELS_PER_UNIT = 8
CELL_SIZE = (33.0, 38.0)  # metres; the demo's machines stand within 30 × 35 of their cell's corner
MARGIN = 8.0


Halls = dict[int | None, list[Location]]  # parent location id → its cells


def _png(cells: list[Location], halls: Halls, names: dict[int, str], origin: tuple[float, float] = (0.0, 0.0),
         ppu: int = PIXELS_PER_UNIT) -> tuple[bytes, int, int]:
    """The floor from ``origin`` (site floor units) to beyond the last cell, at ``ppu`` pixels a unit."""
    ox, oy = origin
    right = max(c.x or 0.0 for c in cells) + CELL_SIZE[0] + MARGIN - ox
    bottom = max(c.y or 0.0 for c in cells) + CELL_SIZE[1] + MARGIN - oy
    width, height = round(right * ppu), round(bottom * ppu)
    image = Image.new("RGB", (width, height), "#f4f6f8")
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=14 * ppu // PIXELS_PER_UNIT)

    def box(x: float, y: float, w: float, h: float) -> tuple[int, int, int, int]:
        return (round((x - ox) * ppu), round((y - oy) * ppu), round((x - ox + w) * ppu), round((y - oy + h) * ppu))

    for parent_id, members in halls.items():
        left = min(c.x or 0.0 for c in members) - 3
        top = min(c.y or 0.0 for c in members) - 14
        w = max(c.x or 0.0 for c in members) + CELL_SIZE[0] + 3 - left
        h = max(c.y or 0.0 for c in members) + CELL_SIZE[1] + 3 - top
        outline = box(max(left, ox + 0.5), max(top, oy + 0.5), w, h)
        draw.rectangle(outline, outline="#5b6b7b", width=4, fill="#ffffff")
        draw.text((outline[0] + 10, outline[1] + 8), names.get(parent_id, "Hall") if parent_id else "Hall",
                  fill="#2b3744", font=font)
    for cell in cells:
        draw.rectangle(box(cell.x or 0.0, cell.y or 0.0, *CELL_SIZE), outline="#b8c4cf", width=2, fill="#eef2f5")
        draw.text(box(cell.x or 0.0, cell.y or 0.0, 1, 1)[:2], f" {cell.name}", fill="#7a8896", font=font)
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    return out.getvalue(), width, height


def _row(site_id: int, location_id: int | None, drawn: tuple[bytes, int, int], ppu: int,
         origin: tuple[float, float]) -> dict:
    data, width, height = drawn
    return {"site_id": site_id, "location_id": location_id, "area_key": area_key(location_id),
            "content_type": "image/png", "image": data, "size_bytes": len(data), "width": width, "height": height,
            "floor_width": width / ppu, "origin_x": origin[0], "origin_y": origin[1],
            "sha256": hashlib.sha256(data).hexdigest(), "uploaded_at": utcnow(), "uploaded_by": "demo", "version": 1}


def generate(ctx) -> None:
    """A whole-site plan per demo site that has cells, and one per hall, where none is stored yet."""
    stored = {(row.site_id, row.area_key) for row in db.session.execute(select(FloorPlan.site_id, FloorPlan.area_key))}
    rows = []
    for site in ctx.sites:
        cells = ctx.cells.get(site.id) or []
        if not cells:
            continue
        halls: Halls = defaultdict(list)
        for cell in cells:
            halls[cell.parent_id].append(cell)
        parents = {hall.id: hall for hall in db.session.execute(
            select(Location).where(Location.id.in_([p for p in halls if p is not None]))).scalars()}
        names = {hall_id: hall.name for hall_id, hall in parents.items()}
        if (site.id, area_key(None)) not in stored:
            rows.append(_row(site.id, None, _png(cells, halls, names), PIXELS_PER_UNIT, (0.0, 0.0)))
        for hall_id, hall in parents.items():
            if (site.id, area_key(hall_id)) in stored:
                continue
            origin = (max(hall.x or 0.0, 0.0), max(hall.y or 0.0, 0.0))
            drawn = _png(halls[hall_id], {hall_id: halls[hall_id]}, names, origin, HALL_PIXELS_PER_UNIT)
            rows.append(_row(site.id, hall_id, drawn, HALL_PIXELS_PER_UNIT, origin))
    ctx.insert_rows(FloorPlan, rows)
