"""The floor-plan image under the floor map: an admin uploads it, every reader of the site gets it."""

from __future__ import annotations

import datetime as dt
import hashlib
import io

import pytest
from PIL import Image
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

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


def make_location(client, headers, site_id: int, name: str, **fields) -> dict:
    response = client.post("/api/v1/locations", json={"site_id": site_id, "name": name, **fields}, headers=headers)
    assert response.status_code == 201, response.get_json()
    return response.get_json()["data"]


def area_url(site_id: int, location_id: int) -> str:
    return f"/api/v1/equipment/floor-plans/{site_id}/areas/{location_id}"


def upload_area(client, site_id: int, location_id: int, headers: dict, data: bytes, **fields):
    return client.put(area_url(site_id, location_id), headers=headers,
                      data={"file": (io.BytesIO(data), "hall.png"), **{k: str(v) for k, v in fields.items()}},
                      content_type="multipart/form-data")


def test_a_hall_gets_its_own_plan_beside_the_site_wide_one_which_stays_as_it_was(client, auth_headers, site,
                                                                               user_headers):
    """The plant engineer's story: the site's overview drawing, then a detailed drawing of Hall A placed
    where the hall stands on the site's floor, so its machines keep their one position."""
    overview, hall_drawing = image_bytes(size=(600, 300)), image_bytes("JPEG", (800, 400))
    site_plan = upload(client, site["id"], auth_headers, overview, floor_width=300).get_json()["data"]
    assert site_plan["location_id"] is None and (site_plan["origin_x"], site_plan["origin_y"]) == (0, 0)
    hall = make_location(client, auth_headers, site["id"], "Hall A", kind="building", x=120, y=15)

    created = upload_area(client, site["id"], hall["id"], auth_headers, hall_drawing, floor_width=80)
    assert created.status_code == 201, created.get_json()
    plan = created.get_json()["data"]
    assert plan["location_id"] == hall["id"] and plan["url"] == area_url(site["id"], hall["id"])
    assert (plan["origin_x"], plan["origin_y"]) == (120, 15)  # where the hall stands, by default
    assert (plan["floor_width"], plan["floor_height"]) == (80, 40)

    viewer = user_headers("viewer", (site["id"],))
    image = client.get(plan["url"], headers=viewer)
    assert image.status_code == 200 and image.data == hall_drawing and image.mimetype == "image/jpeg"
    assert client.get(plan["url"], headers={**viewer, "If-None-Match": image.headers["ETag"]}).status_code == 304
    assert client.get(f"{plan['url']}/meta", headers=viewer).get_json()["data"]["etag"] == plan["etag"]

    # The site-wide plan is untouched, and both are listed, the whole site's first.
    assert client.get(site_plan["url"], headers=viewer).data == overview
    assert client.get(f"{site_plan['url']}/meta", headers=viewer).get_json()["data"]["version"] == 1
    listed = client.get(f"/api/v1/equipment/floor-plans?site_id={site['id']}", headers=viewer).get_json()["data"]
    assert [p["location_id"] for p in listed] == [None, hall["id"]]
    one = client.get(f"/api/v1/equipment/floor-plans?site_id={site['id']}&location_id={hall['id']}",
                     headers=viewer).get_json()["data"]
    assert [p["url"] for p in one] == [plan["url"]]
    areas = client.get(f"/api/v1/equipment/floor-plans/{site['id']}/areas", headers=viewer).get_json()["data"]
    assert [p["location_id"] for p in areas] == [hall["id"]]  # the site's area plans, not its whole-floor one

    # A sharper scan of the hall replaces the hall's plan only, keeping where it lies unless told.
    moved = upload_area(client, site["id"], hall["id"], auth_headers, image_bytes(size=(1600, 800)), origin_y=20)
    assert moved.status_code == 200, moved.get_json()
    assert {k: moved.get_json()["data"][k] for k in ("origin_x", "origin_y", "floor_width", "version")} == \
        {"origin_x": 120, "origin_y": 20, "floor_width": 80, "version": 2}
    assert client.get(site_plan["url"], headers=viewer).data == overview


def test_an_area_plan_is_removed_alone_and_goes_with_its_area(client, auth_headers, site, count_rows):
    hall = make_location(client, auth_headers, site["id"], "Hall B")
    assert upload(client, site["id"], auth_headers, image_bytes()).status_code == 201
    assert upload_area(client, site["id"], hall["id"], auth_headers, image_bytes()).status_code == 201
    assert count_rows("floor_plans") == 2
    assert client.delete(area_url(site["id"], hall["id"]), headers=auth_headers).status_code == 204
    gone = client.get(area_url(site["id"], hall["id"]), headers=auth_headers)
    assert gone.status_code == 404 and gone.get_json()["error"]["code"] == "no_floor_plan"
    assert "Area" in gone.get_json()["error"]["message"]
    assert client.get(f"/api/v1/equipment/floor-plans/{site['id']}", headers=auth_headers).status_code == 200

    # Deleting the area deletes its drawing: it never becomes a second plan of the whole site.
    assert upload_area(client, site["id"], hall["id"], auth_headers, image_bytes()).status_code == 201
    version = client.get(f"/api/v1/locations/{hall['id']}", headers=auth_headers).get_json()["data"]["version"]
    assert client.delete(f"/api/v1/locations/{hall['id']}", headers={**auth_headers, "If-Match": f'"{version}"'}
                         ).status_code == 204
    assert count_rows("floor_plans") == 1
    assert client.get(f"/api/v1/equipment/floor-plans/{site['id']}", headers=auth_headers).status_code == 200


def test_an_area_of_another_site_is_refused_with_the_way_out(client, auth_headers, site, other_site, count_rows):
    elsewhere = make_location(client, auth_headers, other_site["id"], "Hall Z")
    for response in (upload_area(client, site["id"], elsewhere["id"], auth_headers, image_bytes()),
                     client.get(area_url(site["id"], elsewhere["id"]), headers=auth_headers),
                     client.get(f"{area_url(site['id'], 999_999)}/meta", headers=auth_headers),
                     client.delete(area_url(site["id"], elsewhere["id"]), headers=auth_headers)):
        assert response.status_code == 404, response.get_json()
        error = response.get_json()["error"]
        assert error["code"] == "no_such_area" and f"not an area of site {site['id']}" in error["message"]
    assert count_rows("floor_plans") == 0
    # The site-wide URL holds the whole site's plan: an area sent there is pointed to its own URL.
    misdirected = upload(client, site["id"], auth_headers, image_bytes(), location_id=elsewhere["id"])
    assert misdirected.status_code == 400 and "/areas/" in misdirected.get_json()["error"]["message"]
    for origin in ("-1", "nan", "2e6", "left"):
        hall = make_location(client, auth_headers, site["id"], f"Hall {origin}")
        refused = upload_area(client, site["id"], hall["id"], auth_headers, image_bytes(), origin_x=origin)
        assert refused.status_code == 422 and "origin_x" in refused.get_json()["error"]["details"]["fields"]
    assert count_rows("floor_plans") == 0


def test_area_plans_follow_roles_and_site_scope(client, anonymous_client, auth_headers, site, other_site,
                                                user_headers, count_rows):
    hall = make_location(client, auth_headers, site["id"], "Hall A")
    for headers in (user_headers("viewer"), user_headers("editor", name="anna")):
        assert upload_area(client, site["id"], hall["id"], headers, image_bytes()).status_code == 403
    assert upload_area(anonymous_client, site["id"], hall["id"], {}, image_bytes()).status_code == 401
    assert count_rows("floor_plans") == 0
    assert upload_area(client, site["id"], hall["id"], auth_headers, image_bytes()).status_code == 201
    url = area_url(site["id"], hall["id"])
    assert anonymous_client.get(url).status_code == 401

    # Limited to the other site: the plan, its description and the area itself are not there for them.
    outsider = user_headers("viewer", (other_site["id"],), name="p2viewer")
    assert client.get(url, headers=outsider).status_code == 404
    assert client.get(f"{url}/meta", headers=outsider).status_code == 404
    assert client.get(f"/api/v1/equipment/floor-plans?location_id={hall['id']}", headers=outsider
                      ).get_json()["data"] == []
    assert client.get(f"/api/v1/equipment/floor-plans/{site['id']}/areas", headers=outsider).status_code == 404
    other_admin = user_headers("admin", (other_site["id"],), name="p2admin")
    assert upload_area(client, site["id"], hall["id"], other_admin, image_bytes()).status_code == 404
    assert client.delete(url, headers=other_admin).status_code == 404
    # ...and their own site's area cannot be reached through this site either.
    theirs = make_location(client, auth_headers, other_site["id"], "Hall P2")
    assert upload_area(client, site["id"], theirs["id"], other_admin, image_bytes()).status_code == 404
    assert upload_area(client, other_site["id"], theirs["id"], other_admin, image_bytes()).status_code == 201
    assert client.get(url, headers=auth_headers).status_code == 200  # still there
    assert count_rows("floor_plans") == 2


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
        assert manager.get("equipment").chain.current(db.engine) == "0005"
    assert upload(client, site["id"], headers, png).status_code == 201  # the table is back, empty


def test_0005_keeps_each_site_plan_as_the_whole_site_plan_and_goes_down_to_one_plan_a_site(migrated_app):
    """A 0004 database (one plan a site, ``location_id`` a caption) upgraded: the plan is the site's
    whole-floor plan; areas then get their own; down to 0004 only the whole-site plans remain, and the
    chain agrees with the models again at the head (``plugin check``'s comparison)."""
    client = admin_client(migrated_app)
    headers = {"Authorization": f"Bearer {token_for(client)}"}
    site = client.post("/api/v1/sites", json={"code": "P1", "name": "Plant 1"}, headers=headers).get_json()["data"]
    hall = client.post("/api/v1/locations", json={"site_id": site["id"], "name": "Hall A", "x": 50, "y": 10},
                       headers=headers).get_json()["data"]
    site_url = f"/api/v1/equipment/floor-plans/{site['id']}"
    hall_url = f"{site_url}/areas/{hall['id']}"
    overview, detail = image_bytes(size=(300, 200)), image_bytes(size=(120, 80))

    with migrated_app.app_context():
        chain = get_manager(migrated_app).get("equipment").chain
        db.session.commit()
        chain.downgrade(db.engine, "0004")
        assert {u["name"] for u in inspect(db.engine).get_unique_constraints("floor_plans")} == \
            {"uq_floor_plans_site_id"}
        with db.engine.begin() as conn:  # the plan as 0004 stored it: one per site, captioned with its hall
            conn.execute(text(
                "INSERT INTO floor_plans (site_id, location_id, content_type, image, size_bytes, width, height, "
                "floor_width, sha256, uploaded_at, uploaded_by, version) VALUES (:site, :hall, 'image/png', :image, "
                ":size, 300, 200, 150, :sha, :now, 'admin', 1)"),
                {"site": site["id"], "hall": hall["id"], "image": overview, "size": len(overview),
                 "sha": hashlib.sha256(overview).hexdigest(), "now": dt.datetime(2024, 5, 1)})
        chain.upgrade(db.engine)
        assert chain.current(db.engine) == "0005" and chain.diff(db.engine) == []
        columns = {c["name"] for c in inspect(db.engine).get_columns("floor_plans")}
        assert {"area_key", "origin_x", "origin_y"} <= columns
        assert "ck_floor_plans_origin" in {c["name"] for c in inspect(db.engine).get_check_constraints("floor_plans")}

    kept = client.get(f"{site_url}/meta", headers=headers).get_json()["data"]
    assert (kept["location_id"], kept["floor_width"], kept["origin_x"], kept["origin_y"]) == (None, 150, 0, 0)
    assert client.get(site_url, headers=headers).data == overview
    assert upload(client, site["id"], headers, image_bytes()).status_code == 200  # the same plan, replaced
    created = client.put(hall_url, headers=headers, data={"file": (io.BytesIO(detail), "hall.png")},
                         content_type="multipart/form-data")
    assert created.status_code == 201 and created.get_json()["data"]["origin_x"] == 50
    with migrated_app.app_context(), db.engine.begin() as conn:  # the database itself refuses a second one
        keys = conn.execute(text("SELECT site_id, area_key, location_id FROM floor_plans ORDER BY area_key")).all()
        assert [tuple(k) for k in keys] == [(site["id"], 0, None), (site["id"], hall["id"], hall["id"])]
        with pytest.raises(IntegrityError):
            conn.execute(text("UPDATE floor_plans SET area_key = 0 WHERE location_id IS NOT NULL"))

    with migrated_app.app_context():
        db.session.commit()
        chain.downgrade(db.engine, "0004")
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT site_id, location_id FROM floor_plans")).all() == [(site["id"], None)]
        assert "area_key" not in {c["name"] for c in inspect(db.engine).get_columns("floor_plans")}
        chain.upgrade(db.engine)
        assert chain.current(db.engine) == "0005" and chain.diff(db.engine) == []
    assert client.get(hall_url, headers=headers).status_code == 404
    assert client.get(site_url, headers=headers).status_code == 200
