"""Asset labels (issue 13 item 6): a QR code per asset that opens its page in the web UI, printed as a PDF
sheet (office printer) or as ZPL (label printer), for one asset or a selection, within the reader's sites."""

from __future__ import annotations

import io
import logging
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from fontTools.fontBuilder import FontBuilder
from fontTools.pens.ttGlyphPen import TTGlyphPen
from pypdf import PdfReader

from shopdb.core.services import label_fonts
from shopdb.core.services.labels import MAX_ASSETS, SHEETS, qr_matrix

from helpers import error_of, make_asset

A4_POINTS = (595, 842)
LETTER_POINTS = (612, 792)


@pytest.fixture
def hall(client, auth_headers, site) -> dict:
    """Hall A / Cell 3 of plant P1."""
    made = client.post("/api/v1/locations", json={"site_id": site["id"], "name": "Hall A", "kind": "building"},
                       headers=auth_headers)
    assert made.status_code == 201, made.get_json()
    cell = client.post("/api/v1/locations", json={"site_id": site["id"], "name": "Cell 3", "kind": "cell",
                                                  "parent_id": made.get_json()["data"]["id"]}, headers=auth_headers)
    assert cell.status_code == 201, cell.get_json()
    return cell.get_json()["data"]


@pytest.fixture
def assets(request, client, auth_headers, site, hall) -> list[dict]:
    """Lathes M-001... in Hall A / Cell 3: 30 of them, or as many as ``@pytest.mark.parametrize("assets", [n],
    indirect=True)`` asks for."""
    count = getattr(request, "param", 30)
    return [make_asset(client, auth_headers, site["id"], f"M-{n:03}", name=f"Lathe {n}", location_id=hall["id"])
            for n in range(1, count + 1)]


@pytest.fixture
def viewer(user_headers) -> dict:
    return user_headers("viewer")


def ids_of(items: list[dict]) -> str:
    return ",".join(str(a["assetid"]) for a in items)


def qr_codes(page, paper: str = "a4") -> list[list[list[bool]]]:
    """The QR codes drawn on a PDF page, by label position, read back from their filled rectangles as rows
    of modules (a code's top-left module is dark: a finder pattern; its bottom row's runs are one module
    high, the others reach a little into the row below)."""
    sheet, points = SHEETS[paper], 72 / 25.4
    page_height = float(page.mediabox[3]) / points
    by_label: dict[int, list[tuple[float, float, float, float]]] = {}
    for operands, operator in page.get_contents().operations:
        if operator != b"re":
            continue
        x, y, w, h = (float(v) / points for v in operands)
        left, top = x, page_height - max(y, y + h)
        position = next(p for p in range(sheet.per_page)
                        if sheet.label_box(p)[0] <= left < sheet.label_box(p)[0] + sheet.label_width
                        and sheet.label_box(p)[1] <= top < sheet.label_box(p)[1] + sheet.label_height)
        by_label.setdefault(position, []).append((left, top, abs(w), abs(h)))
    codes = []
    for _, rects in sorted(by_label.items()):
        module = min(h for *_, h in rects)
        left, top = min(r[0] for r in rects), min(r[1] for r in rects)
        size = round((max(x + w for x, _, w, _ in rects) - left) / module)
        matrix = [[False] * size for _ in range(size)]
        for x, y, w, _ in rects:
            row, first = round((y - top) / module), round((x - left) / module)
            for column in range(first, first + round(w / module)):
                matrix[row][column] = True
        codes.append(matrix)
    return codes


def test_a_viewer_prints_a_pdf_sheet_of_24_labels_a_page(client, viewer, assets):
    response = client.get("/api/v1/labels", query_string={"assetid": ids_of(assets)}, headers=viewer)
    assert response.status_code == 200, response.get_json()
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("inline")
    pdf = PdfReader(io.BytesIO(response.data))
    assert len(pdf.pages) == 2  # 30 labels: a full sheet and 6 on the next
    assert tuple(round(v) for v in pdf.pages[0].mediabox[2:]) == A4_POINTS
    assert [len(qr_codes(page)) for page in pdf.pages] == [24, 6]
    first = pdf.pages[0].extract_text()
    assert "M-001" in first and "Lathe 1" in first and "P1 · Hall A / Cell 3" in first
    assert "M-025" in pdf.pages[1].extract_text()


@pytest.mark.parametrize("assets", [5], indirect=True)
def test_each_qr_code_opens_its_assets_page_at_the_public_address(app, client, assets):
    app.config["SHOPDB_PUBLIC_URL"] = "https://shopdb.plant.example"
    chosen = assets[:5]
    response = client.get("/api/v1/labels", query_string={"assetid": ids_of(chosen)})
    assert response.status_code == 200
    drawn = qr_codes(PdfReader(io.BytesIO(response.data)).pages[0])
    expected = [qr_matrix(f"https://shopdb.plant.example/assets/{a['assetid']}") for a in chosen]
    assert drawn == expected


@pytest.mark.parametrize("assets", [24], indirect=True)
def test_a_letter_sheet_can_start_after_the_labels_already_used(client, assets):
    response = client.get("/api/v1/labels", query_string={"assetid": ids_of(assets), "paper": "letter",
                                                          "skip": 5})
    assert response.status_code == 200
    pdf = PdfReader(io.BytesIO(response.data))
    assert tuple(round(v) for v in pdf.pages[0].mediabox[2:]) == LETTER_POINTS
    assert [len(qr_codes(page, "letter")) for page in pdf.pages] == [19, 5]


@pytest.mark.parametrize("assets", [4], indirect=True)
def test_zpl_prints_one_label_per_asset_with_a_qr_code_of_its_page(client, viewer, assets):
    chosen = [assets[3], assets[0], assets[3]]  # a repeated id prints once, in the order first asked
    response = client.get("/api/v1/labels", query_string={"assetid": ids_of(chosen), "format": "zpl"},
                          headers=viewer)
    assert response.status_code == 200, response.get_json()
    assert response.mimetype == "text/plain"
    assert 'filename="labels.zpl"' in response.headers["Content-Disposition"]
    blocks = re.findall(r"\^XA.*?\^XZ", response.get_data(as_text=True), flags=re.S)
    assert len(blocks) == response.get_data(as_text=True).count("^XA") == 2
    for block, asset in zip(blocks, [assets[3], assets[0]], strict=True):
        assert f"^FDMA,http://localhost/assets/{asset['assetid']}^FS" in block
        assert re.search(r"\^BQN,2,\d+", block)
        assert asset["asset_tag"] in block and "^CI28" in block  # UTF-8 text


@pytest.mark.parametrize("assets", [2], indirect=True)
def test_the_ids_may_also_be_given_one_parameter_each(client, assets):
    response = client.get(f"/api/v1/labels?assetid={assets[0]['assetid']}&assetid={assets[1]['assetid']}&format=zpl")
    assert response.status_code == 200
    assert response.get_data(as_text=True).count("^XZ") == 2


PLANT_NAMES = {  # a plant names its machines in its own language
    "RU-1": "Станок 5", "GR-1": "Ελληνικά Τόρνος", "PL-1": "Łódź Żuraw ść", "TR-1": "İşçi Tezgâhı ğ",
    "DE-1": "Fräse Ø40 – Halle 3",
}
WELDER = "焊接机器人"  # Chinese: no glyph in DejaVu Sans, the font ShopDB ships


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


@pytest.fixture
def han_font(tmp_path) -> Path:
    """A small TrueType font with a glyph (a box) for each character of WELDER, as a plant's CJK font."""
    builder = FontBuilder(1000, isTTF=True)
    names = [".notdef", *(f"uni{ord(c):04X}" for c in WELDER)]
    builder.setupGlyphOrder(names)
    builder.setupCharacterMap({ord(c): f"uni{ord(c):04X}" for c in WELDER})
    pen = TTGlyphPen(None)
    for x, y in ((100, 0), (100, 800), (900, 800), (900, 0)):
        (pen.moveTo if x == 100 and y == 0 else pen.lineTo)((x, y))
    pen.closePath()
    box = pen.glyph()
    builder.setupGlyf({name: box for name in names})
    builder.setupHorizontalMetrics({name: (1000, 100) for name in names})
    builder.setupHorizontalHeader(ascent=880, descent=-120)
    builder.setupNameTable({"familyName": "Plant Han", "styleName": "Regular"})
    builder.setupOS2(sTypoAscender=880, sTypoDescender=-120, usWinAscent=880, usWinDescent=120)
    builder.setupPost()
    path = tmp_path / "plant-han.ttf"
    builder.save(str(path))
    return path


@pytest.fixture
def no_installed_fonts(monkeypatch):
    """A server with fontconfig but no font beyond what ShopDB ships."""
    label_fonts.installed_fonts.cache_clear()
    monkeypatch.setattr(label_fonts, "installed_fonts", lambda: ())


def test_names_in_cyrillic_greek_polish_and_turkish_print_as_typed(client, viewer, auth_headers, site,
                                                                   no_installed_fonts):
    made = [make_asset(client, auth_headers, site["id"], tag, name=name) for tag, name in PLANT_NAMES.items()]
    response = client.get("/api/v1/labels", query_string={"assetid": ids_of(made)}, headers=viewer)
    assert response.status_code == 200, response.get_json()
    text = pdf_text(response.data)
    for name in PLANT_NAMES.values():
        assert name in text
    assert "?" not in text and "\ufffd" not in text
    assert "X-Label-Undrawn-Assets" not in response.headers


def test_hebrew_and_arabic_names_print_right_to_left(client, auth_headers, site, no_installed_fonts):
    asset = make_asset(client, auth_headers, site["id"], "IL-1", name="מכונה שלום")
    response = client.get("/api/v1/labels", query_string={"assetid": asset["assetid"]})
    assert response.status_code == 200
    assert "מכונה שלום" in pdf_text(response.data)  # unshaped, the letters would come out reversed
    assert "X-Label-Undrawn-Assets" not in response.headers


def test_a_chinese_name_prints_with_the_font_the_operator_names(app, client, auth_headers, site, han_font):
    app.config["SHOPDB_LABEL_FONTS"] = [str(han_font)]
    asset = make_asset(client, auth_headers, site["id"], "CN-1", name=f"{WELDER} 5 Станок")
    response = client.get("/api/v1/labels", query_string={"assetid": asset["assetid"]})
    assert response.status_code == 200
    assert f"{WELDER} 5 Станок" in pdf_text(response.data)
    assert "X-Label-Undrawn-Assets" not in response.headers


def test_a_chinese_name_prints_with_a_font_installed_on_the_server(app, client, auth_headers, site, han_font,
                                                                   monkeypatch):
    """Nothing configured: fontconfig's list of installed fonts, and what each covers, picks the font."""
    fc_list = f"{han_font}\t0\t80\t{' '.join(f'{ord(c):x}' for c in WELDER)}\n/fonts/bitmap.pcf\t0\t80\t20-7e\n"
    monkeypatch.setattr(label_fonts.shutil, "which", lambda name: f"/usr/bin/{name}")
    monkeypatch.setattr(label_fonts.subprocess, "run",
                        lambda *a, **k: subprocess.CompletedProcess(a, 0, stdout=fc_list, stderr=""))
    label_fonts.installed_fonts.cache_clear()
    try:
        app.config["SHOPDB_LABEL_FONTS"] = None
        asset = make_asset(client, auth_headers, site["id"], "CN-2", name=WELDER)
        response = client.get("/api/v1/labels", query_string={"assetid": asset["assetid"]})
    finally:
        label_fonts.installed_fonts.cache_clear()
    assert response.status_code == 200
    assert WELDER in pdf_text(response.data)


@pytest.mark.skipif(shutil.which("fc-list") is None, reason="fontconfig (fc-list) is not installed")
def test_the_servers_fonts_are_listed_with_what_they_cover():
    label_fonts.installed_fonts.cache_clear()
    try:
        fonts = label_fonts.installed_fonts()
    finally:
        label_fonts.installed_fonts.cache_clear()
    assert all(Path(f.path).suffix.lower() in label_fonts.SUFFIXES for f in fonts)
    assert all(f.ranges for f in fonts)  # each with the characters it covers, or it could not be chosen


def test_a_character_no_font_draws_is_marked_and_named_not_turned_into_a_question_mark(
        app, client, auth_headers, site, caplog, monkeypatch):
    app.config["SHOPDB_LABEL_FONTS"] = []  # none: DejaVu Sans alone
    monkeypatch.setattr(label_fonts, "_warned", set())  # said once per process: this test's process is fresh
    asset = make_asset(client, auth_headers, site["id"], "CN-3", name=f"{WELDER} Станок 5")
    other = make_asset(client, auth_headers, site["id"], "RU-9", name="Станок 9")
    with caplog.at_level(logging.WARNING, logger=label_fonts.__name__):
        response = client.get("/api/v1/labels", query_string={"assetid": ids_of([asset, other])})
    assert response.status_code == 200  # the QR code and the rest of the label are right: it prints
    text = pdf_text(response.data)
    assert "\ufffd" * len(WELDER) + " Станок 5" in text and "Станок 9" in text and "?" not in text
    assert response.headers["X-Label-Undrawn-Assets"] == str(asset["assetid"])
    assert response.headers["X-Label-Undrawn-Characters"] == "U+710A U+63A5 U+673A U+5668 U+4EBA"
    assert "SHOPDB_LABEL_FONTS" in caplog.text and "U+710A" in caplog.text


@pytest.mark.parametrize("assets", [1], indirect=True)
def test_the_cli_warns_of_a_character_no_font_draws_and_still_writes_the_pdf(app, runner, client, auth_headers,
                                                                             site, assets, tmp_path):
    app.config["SHOPDB_LABEL_FONTS"] = []
    make_asset(client, auth_headers, site["id"], "CN-4", name=WELDER)
    out = tmp_path / "run.pdf"
    result = runner.invoke(args=["labels", "--tag", "CN-4", "--tag", "M-001", "--url", "https://x.example",
                                 "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "CN-4" in result.output and "U+710A" in result.output and "M-001" not in result.output
    assert "\ufffd" * len(WELDER) in pdf_text(out.read_bytes())


def test_zpl_sends_names_in_any_script_as_utf8(client, auth_headers, site):
    names = {**PLANT_NAMES, "CN-5": WELDER}
    made = [make_asset(client, auth_headers, site["id"], tag, name=name) for tag, name in names.items()]
    response = client.get("/api/v1/labels", query_string={"assetid": ids_of(made), "format": "zpl"})
    assert response.status_code == 200
    assert response.mimetype_params.get("charset", "").lower() == "utf-8"
    for block, name in zip(re.findall(rb"\^XA.*?\^XZ", response.data, flags=re.S), names.values(), strict=True):
        assert block.index(b"^CI28") < block.index(b"^FD")  # UTF-8 before the first field
        assert f"^FD{name}^FS".encode() in block
        assert b"^A0N," in block  # the printer's own font unless told otherwise


def test_zpl_text_uses_the_printer_font_the_operator_names(app, client, auth_headers, site):
    asset = make_asset(client, auth_headers, site["id"], "RU-2", name="Станок 2")
    app.config["SHOPDB_ZPL_FONT"] = "e:tt0003m_.ttf"
    zpl = client.get("/api/v1/labels", query_string={"assetid": asset["assetid"], "format": "zpl"}).get_data(True)
    assert "^A@N,22,20,E:TT0003M_.TTF^FB" in zpl and "^A0" not in zpl
    app.config["SHOPDB_ZPL_FONT"] = "E:../../x^XZ"  # not a font name: ignored, not sent to the printer
    zpl = client.get("/api/v1/labels", query_string={"assetid": asset["assetid"], "format": "zpl"}).get_data(True)
    assert "^A@" not in zpl and "x^XZ" not in zpl and "^A0N," in zpl


def test_a_site_limited_viewer_cannot_print_another_sites_asset(client, auth_headers, user_headers, site,
                                                                other_site):
    mine = make_asset(client, auth_headers, site["id"], "MINE-1")
    theirs = make_asset(client, auth_headers, other_site["id"], "THEIRS-1")
    limited = user_headers("viewer", (site["id"],))
    assert client.get("/api/v1/labels", query_string={"assetid": mine["assetid"]}, headers=limited).status_code == 200
    refused = client.get("/api/v1/labels", query_string={"assetid": ids_of([mine, theirs]), "format": "zpl"},
                         headers=limited)
    assert refused.status_code == 404
    error = error_of(refused)
    assert error["details"]["missing"] == [theirs["assetid"]]
    assert "THEIRS" not in refused.get_data(as_text=True)


@pytest.mark.parametrize("assets", [2], indirect=True)
def test_a_stranger_gets_401(anonymous_client, assets):
    response = anonymous_client.get("/api/v1/labels", query_string={"assetid": assets[0]["assetid"]})
    assert response.status_code == 401
    assert error_of(response)["code"] == "unauthorized"


@pytest.mark.parametrize("assets", [2], indirect=True)
def test_an_unknown_asset_is_404_naming_it(client, assets):
    response = client.get("/api/v1/labels", query_string={"assetid": f"{assets[0]['assetid']},987654"})
    assert response.status_code == 404
    assert error_of(response)["details"]["missing"] == [987654]


@pytest.mark.parametrize("query, field", [
    ({}, "assetid"), ({"assetid": ""}, "assetid"), ({"assetid": "M-001"}, "assetid"), ({"assetid": "1,-2"}, "assetid"),
    ({"assetid": "99999999999"}, "assetid"), ({"assetid": "1", "format": "png"}, "format"),
    ({"assetid": "1", "paper": "a3"}, "paper"), ({"assetid": "1", "skip": "24"}, "skip"),
])
def test_a_malformed_request_is_400_naming_the_parameter(client, query, field):
    response = client.get("/api/v1/labels", query_string=query)
    assert response.status_code == 400
    assert field in error_of(response)["details"]["fields"]


def test_too_many_assets_in_one_request_is_refused_with_the_limit(client):
    response = client.get("/api/v1/labels", query_string={"assetid": ",".join(map(str, range(1, MAX_ASSETS + 2)))})
    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "too_many_assets" and error["details"]["max"] == MAX_ASSETS


@pytest.mark.parametrize("assets", [3], indirect=True)
def test_the_cli_writes_the_labels_of_the_tags_it_is_given(runner, assets, tmp_path):
    out = tmp_path / "run.zpl"
    result = runner.invoke(args=["labels", "--tag", "m-002", "--tag", "M-001", "--format", "zpl",
                                 "--url", "https://shopdb.plant.example/", "-o", str(out)])
    assert result.exit_code == 0, result.output
    blocks = re.findall(r"\^XA.*?\^XZ", out.read_text(), flags=re.S)
    assert [re.search(r"assets/(\d+)", b).group(1) for b in blocks] == [str(assets[1]["assetid"]),
                                                                       str(assets[0]["assetid"])]
    assert "https://shopdb.plant.example/assets/" in blocks[0]
    pdf = tmp_path / "run.pdf"
    assert runner.invoke(args=["labels", "--tag", "M-003", "--site", "p1", "--url", "https://x.example",
                               "-o", str(pdf)]).exit_code == 0
    assert len(PdfReader(pdf).pages) == 1


@pytest.mark.parametrize("assets", [1], indirect=True)
def test_the_cli_names_what_it_cannot_print(app, runner, assets, tmp_path):
    app.config["SHOPDB_PUBLIC_URL"] = None
    out = str(tmp_path / "x.pdf")
    unknown = runner.invoke(args=["labels", "--tag", "M-001", "--tag", "NOPE-9", "--url", "https://x.example",
                                  "-o", out])
    assert unknown.exit_code != 0 and "NOPE-9" in unknown.output
    no_address = runner.invoke(args=["labels", "--tag", "M-001", "-o", out])
    assert no_address.exit_code != 0 and "SHOPDB_PUBLIC_URL" in no_address.output
    assert not (tmp_path / "x.pdf").exists()
