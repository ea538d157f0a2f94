"""The floor-plan image under the floor map: an admin uploads it, every reader of the site gets it."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from sqlalchemy import inspect

from shopdb.plugins.toolkit import db
from shopdb.plugins.toolkit.testing import admin_client, get_manager, token_for

SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'


def image_bytes(kind: str = "PNG", size: tuple[int, int] = (400, 250)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, "#dde3ea").save(out, kind)
    return out.getvalue()


def upload(client, site_id: int, headers: dict, data: bytes, name: str = "hall.png", **fields):
    return client.put(f"/api/v1/equipment/floor-plans/{site_id}", headers=headers,
                      data={"file": (io.BytesIO(data), name), **{k: str(v) for k, v in fields.items()}},
                      content_type="multipart/form-data")


def test_an_admin_uploads_a_png_and_a_viewer_gets_the_same_bytes_with_its_etag(client, auth_headers, site,
                                                                                user_headers):
    png = image_bytes()
    created = upload(client, site["id"], auth_headers, png)
    assert created.status_code == 201, created.get_json()
    plan = created.get_json()["data"]
    assert (plan["width"], plan["height"], plan["content_type"]) == (400, 250, "image/png")
    assert plan["floor_width"] == 400 and plan["floor_height"] == 250  # no floor_width: one unit per pixel

    viewer = user_headers("viewer", (site["id"],))
    image = client.get(plan["url"], headers=viewer)
    assert image.status_code == 200 and image.data == png and image.mimetype == "image/png"
    assert image.headers["ETag"] == f'"{plan["etag"]}"' and "private" in image.headers["Cache-Control"]
    again = client.get(plan["url"], headers={**viewer, "If-None-Match": image.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
    meta = client.get(f"{plan['url']}/meta", headers=viewer)
    assert meta.status_code == 200 and meta.get_json()["data"]["etag"] == plan["etag"]


def test_a_replaced_plan_keeps_the_floor_it_covers_so_markers_stay_put(client, auth_headers, site):
    first = upload(client, site["id"], auth_headers, image_bytes(), floor_width=120.5)
    assert first.status_code == 201 and first.get_json()["data"]["floor_width"] == 120.5
    sharper = upload(client, site["id"], auth_headers, image_bytes("JPEG", (1600, 1000)), name="hall.jpg")
    assert sharper.status_code == 200, sharper.get_json()
    plan = sharper.get_json()["data"]
    assert plan["content_type"] == "image/jpeg" and plan["floor_width"] == 120.5 and plan["version"] == 2
    assert plan["floor_height"] == pytest.approx(120.5 * 1000 / 1600)
    assert client.get(plan["url"], headers=auth_headers).headers["ETag"] == f'"{plan["etag"]}"'


def test_the_area_a_plan_shows_must_be_a_location_of_its_site(client, auth_headers, site, other_site):
    elsewhere = client.post("/api/v1/locations", json={"site_id": other_site["id"], "name": "Hall Z"},
                            headers=auth_headers).get_json()["data"]
    refused = upload(client, site["id"], auth_headers, image_bytes(), location_id=elsewhere["id"])
    assert refused.status_code == 422 and "location_id" in refused.get_json()["error"]["details"]["fields"]
    hall = client.post("/api/v1/locations", json={"site_id": site["id"], "name": "Hall A"},
                       headers=auth_headers).get_json()["data"]
    accepted = upload(client, site["id"], auth_headers, image_bytes(), location_id=hall["id"])
    assert accepted.status_code == 201 and accepted.get_json()["data"]["location_id"] == hall["id"]


def test_only_an_admin_uploads_or_removes_a_plan_and_a_stranger_gets_nothing(client, anonymous_client, auth_headers,
                                                                           site, user_headers, count_rows):
    viewer, editor = user_headers("viewer"), user_headers("editor")
    for headers in (viewer, editor):
        assert upload(client, site["id"], headers, image_bytes()).status_code == 403
    assert count_rows("floor_plans") == 0
    assert upload(client, site["id"], auth_headers, image_bytes()).status_code == 201
    url = f"/api/v1/equipment/floor-plans/{site['id']}"
    assert anonymous_client.get(url).status_code == 401
    assert anonymous_client.get(f"{url}/meta").status_code == 401
    assert upload(anonymous_client, site["id"], {}, image_bytes()).status_code == 401
    assert client.delete(url, headers=editor).status_code == 403
    assert client.delete(url, headers=auth_headers).status_code == 204
    assert count_rows("floor_plans") == 0
    gone = client.get(url, headers=auth_headers)
    assert gone.status_code == 404 and gone.get_json()["error"]["code"] == "no_floor_plan"


def test_a_user_limited_to_another_site_does_not_learn_the_plan_exists(client, auth_headers, site, other_site,
                                                                      user_headers):
    assert upload(client, site["id"], auth_headers, image_bytes()).status_code == 201
    url = f"/api/v1/equipment/floor-plans/{site['id']}"
    outsider = user_headers("viewer", (other_site["id"],))
    assert client.get(url, headers=outsider).status_code == 404
    assert client.get(f"{url}/meta", headers=outsider).status_code == 404
    listed = client.get("/api/v1/equipment/floor-plans", headers=outsider).get_json()
    assert listed["data"] == [] and listed["meta"]["total"] == 0
    insider = client.get(f"/api/v1/equipment/floor-plans?site_id={site['id']}",
                         headers=user_headers("viewer", (site["id"],), name="p1viewer")).get_json()["data"]
    assert [plan["site_id"] for plan in insider] == [site["id"]]
    other_admin = user_headers("admin", (other_site["id"],), name="p2admin")
    assert upload(client, site["id"], other_admin, image_bytes()).status_code == 404
    assert client.delete(url, headers=other_admin).status_code == 404


@pytest.mark.parametrize(("data", "name", "status"), [
    (SVG, "hall.svg", 415),
    (b"%PDF-1.7\n", "hall.pdf", 415),
    (b"GIF89a" + b"\0" * 20, "hall.png", 415),  # the name does not make it a PNG
    (image_bytes()[:60], "hall.png", 400),  # a PNG's header, cut short: it would show broken
])
def test_anything_but_a_whole_png_or_jpeg_is_refused_and_nothing_is_stored(client, auth_headers, site, count_rows,
                                                                           data, name, status):
    refused = upload(client, site["id"], auth_headers, data, name=name)
    assert refused.status_code == status, refused.get_json()
    assert refused.get_json()["error"]["details"]["fields"]["file"]
    assert count_rows("floor_plans") == 0


def test_a_plan_over_the_size_cap_is_a_413_in_the_error_format(app, client, auth_headers, site, count_rows):
    app.config["SHOPDB_FLOOR_PLAN_MAX_BYTES"] = 100_000
    big = upload(client, site["id"], auth_headers, b"\x89PNG\r\n\x1a\n" + b"\0" * 200_000)
    assert big.status_code == 413
    error = big.get_json()["error"]
    assert error["code"] == "payload_too_large" and error["details"]["max_bytes"] == 100_000
    assert count_rows("floor_plans") == 0


def test_bad_form_fields_are_refused(client, auth_headers, site):
    url = f"/api/v1/equipment/floor-plans/{site['id']}"
    missing = client.put(url, headers=auth_headers, data={"floor_width": "10"}, content_type="multipart/form-data")
    assert missing.status_code == 400
    for width in ("0", "-5", "nan", "wide", "1e9"):
        assert upload(client, site["id"], auth_headers, image_bytes(), floor_width=width).status_code == 422, width
    assert upload(client, site["id"], auth_headers, image_bytes(), scale="2").status_code == 400
    assert upload(client, 999_999, auth_headers, image_bytes()).status_code == 404


def test_the_table_follows_the_plugin_chain_on_every_database(migrated_app):
    """Disabling keeps the plan; the chain goes back below 0004 (and to base) and up again cleanly."""
    client = admin_client(migrated_app)
    headers = {"Authorization": f"Bearer {token_for(client)}"}
    site = client.post("/api/v1/sites", json={"code": "P1", "name": "Plant 1"}, headers=headers).get_json()["data"]
    png = image_bytes(size=(2400, 1600))
    assert upload(client, site["id"], headers, png).status_code == 201
    assert client.get(f"/api/v1/equipment/floor-plans/{site['id']}", headers=headers).data == png

    with migrated_app.app_context():
        manager = get_manager(migrated_app)
        assert manager.disable("equipment")
        assert "floor_plans" in inspect(db.engine).get_table_names()
        assert manager.row_counts("equipment")["floor_plans"] == 1  # disabled: the data stays
        assert manager.enable("equipment")

        chain = manager.get("equipment").chain
        db.session.commit()
        chain.downgrade(db.engine, "0003")
        assert "floor_plans" not in inspect(db.engine).get_table_names()
        assert "equipment" in inspect(db.engine).get_table_names()
        manager.migrate("equipment")
        assert "floor_plans" in inspect(db.engine).get_table_names()
        db.session.commit()
        chain.downgrade(db.engine, "base")
        assert not {"floor_plans", "equipment"} & set(inspect(db.engine).get_table_names())
        manager.migrate("equipment")
        assert manager.get("equipment").chain.current(db.engine) == "0004"
    assert upload(client, site["id"], headers, png).status_code == 201  # the table is back, empty
