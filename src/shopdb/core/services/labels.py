"""Asset labels (issue 13): a QR code that opens the asset's page in the web UI, beside its tag, name and
place, as a PDF sheet for an office printer or as ZPL for a label printer.

Callers load the assets through the ORM (so a site-limited user's scope applies) and give the address
people open ShopDB at; everything here is layout. The QR codes are drawn as vector squares (sharp on
any printer, and a test can read the modules back). A plant names its machines in its own language, so
PDF text is drawn with DejaVu Sans, shipped in ``fonts/`` (Latin, Greek, Cyrillic and more), and what it
lacks (Chinese, Japanese, Korean, ...) with fallback fonts: ``SHOPDB_LABEL_FONTS``, else the fonts
installed on the server, found through fontconfig (``label_fonts``); right-to-left and Indic text is
shaped by HarfBuzz. A character no font draws prints as U+FFFD, and the result names it, so the API and
the CLI can say so (docs/adr/0022).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import segno
from sqlalchemy import select

from ...extensions import db
from ..models import Asset, Location, Site
from . import label_fonts

if TYPE_CHECKING:  # fpdf2 takes half a second to import: every process (each CLI command) would pay it
    from fpdf import FPDF

MAX_ASSETS = 240  # ten A4 sheets: a bigger print is cut into several requests
FORMATS = ("pdf", "zpl")
QR_ERROR = "m"  # 15 % of a scratched label can be lost; a higher level would mean smaller modules
PADDING = 2.5  # mm between a label's edge and what is printed on it: sheets shift a little in printers


@dataclass(frozen=True)
class Label:
    assetid: int
    tag: str
    name: str
    place: str  # "SITE · Building / Area / Cell"
    url: str  # what the QR code opens


@dataclass(frozen=True)
class Sheet:
    """A sheet of 3 × 8 self-adhesive labels, in millimetres from the page's top left corner."""

    width: float
    height: float
    label_width: float
    label_height: float
    left: float
    top: float
    gap: float  # between columns; rows touch
    columns: int = 3
    rows: int = 8

    @property
    def per_page(self) -> int:
        return self.columns * self.rows

    def label_box(self, position: int) -> tuple[float, float, float, float]:
        """(x, y, width, height) of label ``position`` (0-based, row by row) on its page."""
        row, column = divmod(position % self.per_page, self.columns)
        x = self.left + column * (self.label_width + self.gap)
        return x, self.top + row * self.label_height, self.label_width, self.label_height

    def qr_box(self, position: int) -> tuple[float, float, float]:
        """(x, y, side) of the QR code of label ``position``, quiet zone included."""
        x, y, _, height = self.label_box(position)
        side = height - 2 * PADDING
        return x + PADDING, y + PADDING, side


# A4: the common 63.5 × 33.9 mm 24-up sheet (Avery L7159 and its equals). Letter: 2.5" × 1.25" labels,
# 0.4" side and 0.5" top margins, 0.1" between columns.
SHEETS = {
    "a4": Sheet(width=210, height=297, label_width=63.5, label_height=33.9, left=7.25, top=12.9, gap=2.5),
    "letter": Sheet(width=215.9, height=279.4, label_width=63.5, label_height=31.75, left=10.16, top=12.7,
                    gap=2.54),
}
QR_BORDER = 2  # modules of quiet zone inside the QR box; the label's padding adds the rest
SEAM_OVERLAP = 0.1  # of a module (see _draw_qr)


def asset_url(base_url: str, assetid: int) -> str:
    """The web UI's page of the asset (``/assets/<id>``, frontend/src/router.js)."""
    return f"{base_url.rstrip('/')}/assets/{assetid}"


def _location_paths(location_ids: Iterable[int]) -> dict[int, str]:
    """"Building / Area / Cell" for each location id, loading ancestors level by level (a few queries)."""
    known: dict[int, Location] = {}
    wanted = {i for i in location_ids if i is not None}
    while wanted:
        rows = db.session.execute(select(Location).where(Location.id.in_(wanted))).scalars().all()
        known.update((row.id, row) for row in rows)
        wanted = {row.parent_id for row in rows if row.parent_id is not None} - set(known)
    paths: dict[int, str] = {}
    for location_id in known:
        names, seen, current = [], set(), known.get(location_id)
        while current is not None and current.id not in seen:  # a cycle cannot hang a print
            seen.add(current.id)
            names.append(current.name)
            current = known.get(current.parent_id) if current.parent_id is not None else None
        paths[location_id] = " / ".join(reversed(names))
    return paths


def labels_for(assets: Sequence[Asset], base_url: str) -> list[Label]:
    """One label per asset, in the order given."""
    site_ids = {a.site_id for a in assets}
    sites = dict(db.session.execute(select(Site.id, Site.code).where(Site.id.in_(site_ids))).all())
    paths = _location_paths(a.location_id for a in assets if a.location_id is not None)
    labels = []
    for asset in assets:
        place = " · ".join(p for p in (sites.get(asset.site_id, ""), paths.get(asset.location_id or 0, "")) if p)
        labels.append(Label(asset.assetid, asset.asset_tag, asset.name, place, asset_url(base_url, asset.assetid)))
    return labels


def qr_matrix(url: str) -> list[list[bool]]:
    """The QR code's modules for ``url``, without quiet zone: rows of dark (True) and light."""
    code = segno.make(url, error=QR_ERROR, boost_error=False)
    return [[bool(module) for module in row] for row in code.matrix_iter(border=0)]


# --- PDF ---------------------------------------------------------------------------------------------


FONT = "dejavusans"  # regular and bold, shipped in fonts/ (fonts/README.md)
UNDRAWN = "\ufffd"  # what a character no font has prints as: visibly not the name's own "?"


@dataclass
class PrintedPdf:
    """A PDF of labels, and the characters of each asset's label that no font could draw (printed as
    U+FFFD): empty when every name printed as typed."""

    data: bytes
    undrawn: dict[int, str] = field(default_factory=dict)  # assetid → its undrawn characters, in order

    @property
    def undrawn_characters(self) -> str:
        """Every undrawn character once, in order of first appearance."""
        return "".join(dict.fromkeys("".join(self.undrawn.values())))


def _printable(text: str) -> str:
    """``text`` composed (NFC: "İ" and "ł" as one character each, as fonts map them) with control
    characters as spaces."""
    return "".join(" " if unicodedata.category(c) == "Cc" else c for c in unicodedata.normalize("NFC", text))


def _needs_shaping(char: str) -> bool:
    """A character that prints right only shaped: right-to-left, or a mark placed on the letter before it."""
    return unicodedata.bidirectional(char) in ("R", "AL", "AN") or unicodedata.category(char) in ("Mn", "Mc")


class _Fonts:
    """The fonts of one PDF: DejaVu Sans, and fallback fonts for the characters it lacks."""

    def __init__(self, document: FPDF, texts: Iterable[str], configured: Sequence[str] | None) -> None:
        folder = label_fonts.BUNDLED
        document.add_font(FONT, "", folder / "DejaVuSans.ttf")
        document.add_font(FONT, "B", folder / "DejaVuSans-Bold.ttf")
        self.cmaps = [document.fonts[FONT].cmap, document.fonts[FONT + "B"].cmap]
        wanted = {c for text in texts for c in text if not c.isspace()}
        missing = {c for c in wanted if not self.has(c)}
        names = [FONT]  # the bold face lacks a few glyphs the regular one has
        for number, font in enumerate(label_fonts.fallbacks(missing, configured) if missing else ()):
            name = f"fallback{number}"
            try:
                document.add_font(name, "", font.path, collection_font_number=font.index)
            except Exception as error:  # a broken or unsupported font file must not stop a print run
                label_fonts.warn_once(f"font:{font.path}", "labels: cannot use font %s: %s", font.path, error)
                continue
            cmap = document.fonts[name].cmap
            if any(ord(c) in cmap for c in missing):
                names.append(name)
                self.cmaps.append(cmap)
                missing = {c for c in missing if ord(c) not in cmap}
            if not missing:
                break
        # A bold fallback face is rarely installed: bold text then takes the regular one (exact_match off).
        document.set_fallback_fonts(names, exact_match=False)
        if any(_needs_shaping(c) for c in wanted):
            # Right-to-left text (Hebrew, Arabic) in reading order and joined, Indic and Thai marks placed:
            # HarfBuzz (uharfbuzz). Only then: it doubles the time of a sheet that does not need it.
            document.set_text_shaping(True)

    def has(self, char: str) -> bool:
        return char.isspace() or any(ord(char) in cmap for cmap in self.cmaps)

    def drawable(self, text: str) -> tuple[str, str]:
        """``text`` as it will print (undrawable characters as U+FFFD) and the undrawable characters."""
        out, lost = [], []
        for char in text:
            if self.has(char):
                out.append(char)
            elif unicodedata.category(char) == "Cf":
                continue  # an invisible format character (a joiner, a direction mark) no font has: nothing lost
            else:
                out.append(UNDRAWN)
                lost.append(char)
        return "".join(out), "".join(lost)


def _fit(pdf: FPDF, text: str, width: float, max_lines: int) -> list[str]:
    """``text`` wrapped at words into at most ``max_lines`` lines of ``width``; the last cut with "..."."""
    lines: list[str] = []
    words = text.split()
    while words and len(lines) < max_lines:
        line = words.pop(0)
        while pdf.get_string_width(line) > width and len(line) > 1:  # one word wider than the label
            cut = len(line) - 1
            while cut > 1 and pdf.get_string_width(line[:cut]) > width:
                cut -= 1
            words.insert(0, line[cut:])
            line = line[:cut]
        while words and pdf.get_string_width(f"{line} {words[0]}") <= width:
            line = f"{line} {words.pop(0)}"
        lines.append(line)
    if words and lines:
        last = lines[-1]
        while last and pdf.get_string_width(last + "...") > width:
            last = last[:-1]
        lines[-1] = last.rstrip() + "..."
    return lines


def _draw_qr(pdf: FPDF, url: str, x: float, y: float, side: float) -> None:
    matrix = qr_matrix(url)
    module = side / (len(matrix) + 2 * QR_BORDER)
    origin_x, origin_y = x + QR_BORDER * module, y + QR_BORDER * module
    # Each run reaches a little into the row below: rectangles that only touch leave hairline seams
    # when rasterised, and scanners then miss codes (seen with zbar at 300 and 600 dpi). (fpdf2's
    # one-path drawing API avoids seams too, but is ten times slower.)
    overlap = module * SEAM_OVERLAP
    for r, row in enumerate(matrix):
        c = 0
        while c < len(row):  # one rectangle per run of dark modules: a smaller file than one per module
            if not row[c]:
                c += 1
                continue
            start = c
            while c < len(row) and row[c]:
                c += 1
            below = overlap if r + 1 < len(matrix) and any(matrix[r + 1][start:c]) else 0.0
            pdf.rect(origin_x + start * module, origin_y + r * module, (c - start) * module, module + below,
                     style="F")


def _draw_text(pdf: FPDF, texts: tuple[str, str, str], x: float, y: float, width: float) -> None:
    """Tag (bold, one line), name (three lines) and place (two), each already drawable."""
    tag, name, place = texts
    top = y
    pdf.set_font(FONT, "B", 10)
    tag_size = 10.0
    while tag_size > 7 and pdf.get_string_width(tag) > width:  # a long tag in smaller type
        tag_size -= 0.5
        pdf.set_font_size(tag_size)
    for style, size, text, max_lines in (("B", tag_size, tag, 1), ("", 7.5, name, 3), ("", 6.5, place, 2)):
        pdf.set_font(FONT, style, size)
        line_height = size * 0.3528 * 1.2  # points to millimetres, with leading
        for line in _fit(pdf, text, width, max_lines):
            pdf.set_xy(x, top)
            pdf.cell(width, line_height, line)
            top += line_height
        top += 0.8


def pdf(labels: Sequence[Label], paper: str = "a4", skip: int = 0,
        fonts: Sequence[str] | None = None) -> PrintedPdf:
    """A PDF of ``SHEETS[paper]``: the first ``skip`` positions left empty (a partly used sheet), then
    one label per asset, 24 to a page. ``fonts``: fallback font files (``SHOPDB_LABEL_FONTS``); None:
    the server's installed fonts, through fontconfig."""
    sheet = SHEETS[paper]
    from fpdf import FPDF

    document = FPDF(unit="mm", format=(sheet.width, sheet.height))
    texts = [tuple(_printable(t) for t in (label.tag, label.name, label.place)) for label in labels]
    drawn = _Fonts(document, (t for three in texts for t in three), fonts)
    undrawn: dict[int, str] = {}
    document.set_title("ShopDB labels")
    document.set_creator("ShopDB")
    document.set_auto_page_break(False)
    document.set_margin(0)
    document.set_fill_color(0)
    for index, (label, three) in enumerate(zip(labels, texts, strict=True), start=skip):
        if index % sheet.per_page == 0 or document.page == 0:
            document.add_page()
        qr_x, qr_y, side = sheet.qr_box(index)
        _draw_qr(document, label.url, qr_x, qr_y, side)
        x, _, width, _ = sheet.label_box(index)
        text_x = qr_x + side + PADDING
        printable = [drawn.drawable(text) for text in three]
        lost = "".join(dict.fromkeys("".join(missing for _, missing in printable)))
        if lost:
            undrawn[label.assetid] = lost
        _draw_text(document, (printable[0][0], printable[1][0], printable[2][0]), text_x, qr_y + 0.5,
                   x + width - PADDING - text_x)
    if document.page == 0:
        document.add_page()
    printed = PrintedPdf(bytes(document.output()), undrawn)
    if undrawn:
        characters = printed.undrawn_characters
        label_fonts.warn_once(
            f"undrawn:{characters}",
            "labels: no font draws %s (%s), printed as U+FFFD; name a font that has them in SHOPDB_LABEL_FONTS",
            characters, label_fonts.code_points(characters))
    return printed


# --- ZPL ---------------------------------------------------------------------------------------------

# A 2.25" × 1.25" label at 203 dpi (8 dots/mm), the common asset-tag size; a 300 dpi printer prints the
# same layout smaller, still readable.
ZPL_WIDTH, ZPL_HEIGHT, ZPL_MARGIN = 457, 254, 14
# Text is sent as UTF-8 (^CI28), and printed by the printer's own font: its resident font 0 (^A0) draws
# Latin text; a font stored on the printer that has the plant's script (SHOPDB_ZPL_FONT, "E:TT0003M_.TTF")
# is used instead through ^A@. Which fonts a printer holds, its own directory listing (^WD) says.
ZPL_FONT_NAME = re.compile(r"[REBA]:[A-Z0-9_\-]{1,16}\.(TTF|TTE|FNT)", re.IGNORECASE)


def _zpl_field(text: str) -> str:
    """Field data with ZPL's command characters hex-escaped (``^FH`` with ``_``), as UTF-8 (``^CI28``)."""
    escaped = "".join(f"_{ord(c):02X}" if c in "_^~" else c for c in text if c.isprintable())
    return f"^FH^FD{escaped}^FS"


def _zpl_text(x: int, y: int, width: int, font: tuple[int, int], lines: int, text: str,
              printer_font: str | None = None) -> str:
    """A block of ``lines`` lines of a scalable font (height, width in dots) — the printer's font 0, or
    ``printer_font`` stored on it — wrapped by the printer (``^FB``); text longer than the block is cut
    here with "...", since the printer would print the overflow over the last line."""
    height, char_width = font
    room = max(1, width * 10 // (char_width * 6)) * lines  # a character is about 0.6 of the font's width
    cut = text if len(text) <= room else text[: max(room - 3, 1)].rstrip() + "..."
    chosen = f"^A@N,{height},{char_width},{printer_font}" if printer_font else f"^A0N,{height},{char_width}"
    return f"^FO{x},{y}{chosen}^FB{width},{lines},2,L{_zpl_field(cut)}"


def zpl_font(name: str | None) -> str | None:
    """``SHOPDB_ZPL_FONT`` if it names a printer font (``E:TT0003M_.TTF``), upper-cased as the printer lists
    it; else None (font 0), with a warning for a name that is not one."""
    if not name or not name.strip():
        return None
    if not ZPL_FONT_NAME.fullmatch(name.strip()):
        label_fonts.warn_once(f"zpl:{name}", "labels: SHOPDB_ZPL_FONT %r is not a printer font name like "
                                             "E:TT0003M_.TTF; ZPL labels use the printer's font 0", name)
        return None
    return name.strip().upper()


def zpl_label(label: Label, printer_font: str | None = None) -> str:
    """One label, ``^XA`` to ``^XZ``: the QR code (``^BQ``, model 2) left, the text right of it, in the
    printer's font 0 or ``printer_font`` (see ``zpl_font``)."""
    # The printer encodes the code itself; only its size is needed here (the same for every mask, and
    # a fixed mask spares the search for the best one).
    modules = segno.make(label.url, error=QR_ERROR, boost_error=False, mask=0).symbol_size(border=0)[0]
    magnification = max(1, min(10, (ZPL_HEIGHT - 2 * ZPL_MARGIN) // modules))
    text_x = ZPL_MARGIN + modules * magnification + ZPL_MARGIN
    text_width = ZPL_WIDTH - text_x - ZPL_MARGIN
    tag_width = max(14, min(24, text_width * 10 // (6 * max(len(label.tag), 1))))  # a long tag in smaller type
    return "\n".join([
        "^XA", "^CI28", f"^PW{ZPL_WIDTH}", f"^LL{ZPL_HEIGHT}", "^LH0,0",
        # M: error correction level; A: automatic data mode.
        f"^FO{ZPL_MARGIN},{ZPL_MARGIN}^BQN,2,{magnification}{_zpl_field('MA,' + label.url)}",
        _zpl_text(text_x, ZPL_MARGIN + 8, text_width, (tag_width + 4, tag_width), 1, label.tag, printer_font),
        _zpl_text(text_x, ZPL_MARGIN + 48, text_width, (22, 20), 3, label.name, printer_font),
        _zpl_text(text_x, ZPL_MARGIN + 130, text_width, (20, 18), 3, label.place, printer_font),
        "^XZ",
    ])


def zpl(labels: Sequence[Label], printer_font: str | None = None) -> str:
    """One ``^XA…^XZ`` per label, ready to send to the printer as is (UTF-8). ``printer_font``:
    ``SHOPDB_ZPL_FONT``, a font stored on the printer for scripts its font 0 lacks."""
    chosen = zpl_font(printer_font)
    return "".join(zpl_label(label, chosen) + "\n" for label in labels)
