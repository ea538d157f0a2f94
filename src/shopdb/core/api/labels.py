"""``/api/v1/labels``: printable labels for one asset or a selection — a PDF sheet or ZPL (issue 13).

A GET, so a plain link prints (``<a href="/api/v1/labels?assetid=5">``): any reader may print what
they may read, with a session or a read-only token, and no CSRF header. The assets are loaded by an
ORM query, so a site-limited user's scope applies: another site's asset is not found (404), like
``/api/v1/assets/<id>``. Ids go comma-separated to keep a large selection within a proxy's URL limit.
"""

from __future__ import annotations

from flask import Response, current_app, request
from flask_smorest import Blueprint
from sqlalchemy import select

from ...api import BadRequest, NotFound
from ...api.errors import MAX_INT
from ...api.pagination import refuse_unknown_args
from ...extensions import db
from ..models import Asset
from ..services import label_fonts, labels

blp = Blueprint("labels", __name__, url_prefix="/api/v1/labels", description="Printable asset labels with QR codes")

ARGS = {"assetid", "format", "paper", "skip"}
PER_SHEET = labels.SHEETS["a4"].per_page
PARAMETERS = [
    {"in": "query", "name": "assetid", "required": True, "style": "form", "explode": False,
     "schema": {"type": "array", "minItems": 1, "maxItems": labels.MAX_ASSETS,
                "items": {"type": "integer", "minimum": 1, "maximum": MAX_INT}},
     "description": f"the assets, comma-separated (`assetid=3,5,8`; repeating the parameter works too), at most "
                    f"{labels.MAX_ASSETS}; labels follow this order, a repeated id prints once"},
    {"in": "query", "name": "format", "schema": {"type": "string", "enum": list(labels.FORMATS), "default": "pdf"},
     "description": "`pdf`: sheets of 3 × 8 labels for an office printer; `zpl`: one label per asset for a "
                    "label printer (2.25\" × 1.25\", 203 dpi)"},
    {"in": "query", "name": "paper", "schema": {"type": "string", "enum": sorted(labels.SHEETS), "default": "a4"},
     "description": "the PDF's sheet: `a4` (63.5 × 33.9 mm labels) or `letter` (2.5\" × 1.25\")"},
    {"in": "query", "name": "skip", "schema": {"type": "integer", "minimum": 0, "maximum": PER_SHEET - 1,
                                               "default": 0},
     "description": "label positions to leave empty at the start of the first PDF sheet (a partly used sheet)"},
]
UNDRAWN_ASSETS, UNDRAWN_CHARACTERS = "X-Label-Undrawn-Assets", "X-Label-Undrawn-Characters"
MAX_NAMED_CHARACTERS = 40  # in the header; the log names them all
RESPONSES = {
    "200": {"description": "the labels: a PDF, or ZPL text to send to the printer as is",
            "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}},
                        "text/plain": {"schema": {"type": "string"}}},
            "headers": {
                UNDRAWN_ASSETS: {"description": "PDF only, and only when some label lacks characters no font on "
                                                "the server draws (printed as U+FFFD): those assets' ids, "
                                                "comma-separated (`SHOPDB_LABEL_FONTS`, docs/adr/0022)",
                                 "schema": {"type": "string"}},
                UNDRAWN_CHARACTERS: {"description": "with the header above: the characters, as `U+710A U+63A5`",
                                     "schema": {"type": "string"}},
            }},
    "404": "NOT_FOUND",
}


def _bad(param: str, message: str, **details) -> BadRequest:
    return BadRequest(message, {"fields": {param: [message]}, **details})


def _asset_ids() -> list[int]:
    raw = [part.strip() for value in request.args.getlist("assetid") for part in value.split(",")]
    if not any(raw):
        raise _bad("assetid", "Name the assets: ?assetid=1,2,3")
    ids: list[int] = []
    for part in raw:
        if not part.isdigit() or not 1 <= int(part) <= MAX_INT:
            raise _bad("assetid", f"Not an asset id: {part[:20]!r}.")
        if int(part) not in ids:
            ids.append(int(part))
    if len(ids) > labels.MAX_ASSETS:
        raise BadRequest(f"At most {labels.MAX_ASSETS} assets per request ({len(ids)} given): print the selection "
                         "in parts.", {"fields": {"assetid": ["Too many."]}, "max": labels.MAX_ASSETS},
                         code="too_many_assets")
    return ids


def _choice(param: str, allowed: tuple[str, ...] | list[str], default: str) -> str:
    value = request.args.get(param, default).strip().lower()
    if value not in allowed:
        raise _bad(param, f"'{param}' is one of: {', '.join(allowed)}.")
    return value


def _skip() -> int:
    value = request.args.get("skip", "0").strip()
    if not value.isdigit() or int(value) >= PER_SHEET:
        raise _bad("skip", f"'skip' is a whole number from 0 to {PER_SHEET - 1}.")
    return int(value)


@blp.route("", methods=["GET"])
@blp.doc(parameters=PARAMETERS, responses=RESPONSES)
def print_labels() -> Response:
    """Labels for the assets: QR code to the asset's page in the web UI, tag, name, site and location."""
    refuse_unknown_args(ARGS)
    ids = _asset_ids()
    kind = _choice("format", labels.FORMATS, "pdf")
    paper = _choice("paper", sorted(labels.SHEETS), "a4")
    skip = _skip()
    found = {a.assetid: a for a in db.session.execute(select(Asset).where(Asset.assetid.in_(ids))).scalars()}
    missing = [i for i in ids if i not in found]
    if missing:
        shown = ", ".join(map(str, missing[:10])) + (", ..." if len(missing) > 10 else "")
        raise NotFound(f"No asset with id {shown}.", {"missing": missing})
    base_url = current_app.config.get("SHOPDB_PUBLIC_URL") or request.url_root
    printed = labels.labels_for([found[i] for i in ids], base_url)
    if kind == "zpl":
        response = Response(labels.zpl(printed, current_app.config.get("SHOPDB_ZPL_FONT")), mimetype="text/plain")
        response.headers["Content-Disposition"] = 'attachment; filename="labels.zpl"'
    else:
        sheet = labels.pdf(printed, paper, skip, current_app.config.get("SHOPDB_LABEL_FONTS"))
        response = Response(sheet.data, mimetype="application/pdf")
        response.headers["Content-Disposition"] = 'inline; filename="labels.pdf"'
        if sheet.undrawn:  # the PDF is still printed: the QR code and whatever could be drawn are right
            response.headers[UNDRAWN_ASSETS] = ",".join(map(str, sheet.undrawn))
            characters = sheet.undrawn_characters
            response.headers[UNDRAWN_CHARACTERS] = label_fonts.code_points(characters[:MAX_NAMED_CHARACTERS]) + (
                " ..." if len(characters) > MAX_NAMED_CHARACTERS else "")
    response.headers["Cache-Control"] = "no-store"  # asset data, printed on demand
    return response
