"""A drawn floor plan per demo site: its halls and cells as the demo's locations place them.

The demo's floor units are metres (halls 120 m apart, cells 35 × 40 m), so the image is drawn at
``PIXELS_PER_UNIT`` and uploaded with ``floor_width`` = its width in metres: the demo machines land in
their cells on the plan.
"""

from __future__ import annotations

import hashlib
import io
from collections import defaultdict

from PIL import Image, ImageDraw, ImageFont
from sqlalchemy import select

from shopdb.plugins.toolkit import Location, db, utcnow

from .models import FloorPlan

PIXELS_PER_UNIT = 4
CELL_SIZE = (33.0, 38.0)  # metres; the demo's machines stand within 30 × 35 of their cell's corner
MARGIN = 8.0


Halls = dict[int | None, list[Location]]  # parent location id → its cells


def _png(cells: list[Location], halls: Halls, names: dict[int, str]) -> tuple[bytes, int, int]:
    right = max(c.x or 0.0 for c in cells) + CELL_SIZE[0] + MARGIN
    bottom = max(c.y or 0.0 for c in cells) + CELL_SIZE[1] + MARGIN
    width, height = round(right * PIXELS_PER_UNIT), round(bottom * PIXELS_PER_UNIT)
    image = Image.new("RGB", (width, height), "#f4f6f8")
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=14)

    def box(x: float, y: float, w: float, h: float) -> tuple[int, int, int, int]:
        return (round(x * PIXELS_PER_UNIT), round(y * PIXELS_PER_UNIT),
                round((x + w) * PIXELS_PER_UNIT), round((y + h) * PIXELS_PER_UNIT))

    for parent_id, members in halls.items():
        left = min(c.x or 0.0 for c in members) - 3
        top = min(c.y or 0.0 for c in members) - 14
        w = max(c.x or 0.0 for c in members) + CELL_SIZE[0] + 3 - left
        h = max(c.y or 0.0 for c in members) + CELL_SIZE[1] + 3 - top
        outline = box(max(left, 0.5), max(top, 0.5), w, h)
        draw.rectangle(outline, outline="#5b6b7b", width=4, fill="#ffffff")
        draw.text((outline[0] + 10, outline[1] + 8), names.get(parent_id, "Hall") if parent_id else "Hall",
                  fill="#2b3744", font=font)
    for cell in cells:
        draw.rectangle(box(cell.x or 0.0, cell.y or 0.0, *CELL_SIZE), outline="#b8c4cf", width=2, fill="#eef2f5")
        draw.text(box(cell.x or 0.0, cell.y or 0.0, 1, 1)[:2], f" {cell.name}", fill="#7a8896", font=font)
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    return out.getvalue(), width, height


def generate(ctx) -> None:
    """One plan per demo site that has cells and no plan yet."""
    has_plan = set(db.session.execute(select(FloorPlan.site_id)).scalars())
    rows = []
    for site in ctx.sites:
        cells = ctx.cells.get(site.id) or []
        if site.id in has_plan or not cells:
            continue
        halls: Halls = defaultdict(list)
        for cell in cells:
            halls[cell.parent_id].append(cell)
        parents = [p for p in halls if p is not None]
        names = dict(db.session.execute(select(Location.id, Location.name).where(Location.id.in_(parents))).all())
        data, width, height = _png(cells, halls, names)
        rows.append({"site_id": site.id, "location_id": None, "content_type": "image/png", "image": data,
                     "size_bytes": len(data), "width": width, "height": height,
                     "floor_width": width / PIXELS_PER_UNIT, "sha256": hashlib.sha256(data).hexdigest(),
                     "uploaded_at": utcnow(), "uploaded_by": "demo", "version": 1})
    ctx.insert_rows(FloorPlan, rows)
