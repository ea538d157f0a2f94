"""Asset labels (issue 13 item 6): a QR code per asset that opens its page in the web UI, printed as a PDF
sheet (office printer) or as ZPL (label printer), for one asset or a selection, within the reader's sites."""

from __future__ import annotations

import io
import re

import pytest
from pypdf import PdfReader

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


def test_a_name_in_another_script_still_prints(client, auth_headers, site):
    asset = make_asset(client, auth_headers, site["id"], "P-1", name="Пресс 压力机 № 1")
    response = client.get("/api/v1/labels", query_string={"assetid": asset["assetid"]})
    assert response.status_code == 200
    assert "P-1" in PdfReader(io.BytesIO(response.data)).pages[0].extract_text()
    zpl = client.get("/api/v1/labels", query_string={"assetid": asset["assetid"], "format": "zpl"})
    assert "Пресс 压力机 № 1" in zpl.get_data(as_text=True)


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
