"""Issue 13 item 8 in headless Chromium: an admin puts a floor-plan image under the floor map's markers.

Served in-process over the demo plant (tests/ui_support.py); the page fails on any console error.
"""

from __future__ import annotations

import io
import re

from PIL import Image
from ui_support import api_get, login, skip_without_browser, ui_fixtures

sync_api = skip_without_browser()
expect = sync_api.expect

base_url, browser, page = ui_fixtures(sync_api, "ui-floor-plan")


def hall_drawing() -> bytes:
    image = Image.new("RGB", (800, 500), "#ffffff")
    image.paste("#c8d2dc", (20, 20, 780, 480))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def test_an_admin_uploads_a_floor_plan_and_it_shows_under_the_markers(page):
    login(page, expect)
    site = api_get(page, "/api/v1/sites?sort=id")["data"][0]
    page.goto("/equipment/map")
    floormap = page.locator("[data-test=floormap]")
    expect(floormap.locator("g.marker").first).to_be_visible()
    expect(floormap.locator("[data-test=floor-plan]")).to_have_count(1)  # the demo's drawing

    page.locator("[data-test=floor-plan-remove]").click()
    expect(page.locator("[data-test=floor-plan-message]")).to_contain_text("removed")
    expect(floormap.locator("[data-test=floor-plan]")).to_have_count(0)
    expect(floormap.locator("g.marker").first).to_be_visible()  # no plan: the map as before

    drawing = hall_drawing()
    page.locator("[data-test=floor-plan-file]").set_input_files(
        {"name": "hall.png", "mimeType": "image/png", "buffer": drawing})
    page.locator("input[name=floor_width]").fill("400")
    page.locator("[data-test=floor-plan-save]").click()
    expect(page.locator("[data-test=floor-plan-message]")).to_contain_text("800 × 500 px")

    plan = api_get(page, f"/api/v1/equipment/floor-plans?site_id={site['id']}")["data"][0]
    assert (plan["floor_width"], plan["floor_height"]) == (400, 250)
    image = floormap.locator("[data-test=floor-plan]")
    expect(image).to_have_attribute("width", "400")
    expect(image).to_have_attribute("href", f"{plan['url']}?v={plan['etag']}")
    # Drawn first, so under every marker; and the browser decoded what it fetched (no broken image).
    assert floormap.evaluate("svg => svg.firstElementChild.getAttribute('data-test')") == "floor-plan"
    box = image.bounding_box()
    assert box["width"] > 300 and box["height"] > 150
    served = page.request.get(f"{plan['url']}?v={plan['etag']}")
    assert served.ok and served.body() == drawing
    decoded = page.evaluate("""url => new Promise(done => {
        const img = new Image(); img.onload = () => done([img.naturalWidth, img.naturalHeight]);
        img.onerror = () => done(null); img.src = url })""", plan["url"])
    assert decoded == [800, 500]


def test_a_hall_is_picked_and_its_own_plan_is_drawn_under_its_machines(page):
    """Site, then area: the hall's drawing (placed where the hall stands on the site's floor) under the
    hall's machines only; an admin replaces it; the whole site is one pick away and the URL keeps the choice."""
    login(page, expect)
    site = api_get(page, "/api/v1/sites?sort=id")["data"][0]
    places = api_get(page, f"/api/v1/locations?site_id={site['id']}&per_page=500")["data"]
    hall = next(p for p in places if p["name"] == "Hall A")
    inside = {hall["id"]} | {p["id"] for p in places if p["parent_id"] == hall["id"]}
    machines = api_get(page, f"/api/v1/equipment?site_id={site['id']}&per_page=500")["data"]
    in_hall = {m["assetid"] for m in machines if m["location_id"] in inside and m["floor_x"] is not None}
    assert in_hall and len(in_hall) < len([m for m in machines if m["floor_x"] is not None])

    page.goto("/equipment/map")
    floormap = page.locator("[data-test=floormap]")
    expect(floormap.locator("g.marker").first).to_be_visible()
    area = page.locator("[data-test=area]")
    expect(area.locator("option", has_text="Hall A")).to_contain_text("plan")  # the demo drew each hall
    area.select_option(str(hall["id"]))
    expect(page).to_have_url(re.compile(rf"[?&]area={hall['id']}"))
    drawing = floormap.locator("[data-test=floor-plan]")
    expect(drawing).to_have_attribute("data-area", str(hall["id"]))
    plan = api_get(page, f"/api/v1/equipment/floor-plans/{site['id']}/areas/{hall['id']}/meta")["data"]
    expect(drawing).to_have_attribute("href", f"{plan['url']}?v={plan['etag']}")
    expect(drawing).to_have_attribute("x", str(plan["origin_x"]).removesuffix(".0"))
    expect(floormap).to_have_attribute("aria-label", "Floor map of Hall A")
    shown = {int(a) for a in floormap.locator("g.marker").evaluate_all(
        "gs => gs.map(g => g.getAttribute('data-assetid'))")}
    assert shown == in_hall
    decoded = page.evaluate("""url => new Promise(done => {
        const img = new Image(); img.onload = () => done([img.naturalWidth, img.naturalHeight]);
        img.onerror = () => done(null); img.src = url })""", plan["url"])
    assert decoded == [plan["width"], plan["height"]]

    # An admin replaces the hall's drawing, moving it 5 units right on the site's floor.
    page.locator("[data-test=floor-plan-file]").set_input_files(
        {"name": "hall-a.png", "mimeType": "image/png", "buffer": hall_drawing()})
    expect(page.locator("input[name=origin_x]")).to_have_value(str(plan["origin_x"]).removesuffix(".0"))
    page.locator("input[name=origin_x]").fill(str(plan["origin_x"] + 5))
    page.locator("[data-test=floor-plan-save]").click()
    expect(page.locator("[data-test=floor-plan-message]")).to_contain_text("Floor plan of Hall A saved (800 × 500 px)")
    replaced = api_get(page, f"/api/v1/equipment/floor-plans/{site['id']}/areas/{hall['id']}/meta")["data"]
    assert replaced["origin_x"] == plan["origin_x"] + 5 and replaced["floor_width"] == plan["floor_width"]
    expect(drawing).to_have_attribute("href", f"{replaced['url']}?v={replaced['etag']}")

    # Reloaded, the map opens on the same hall; the whole site shows every machine and not the hall's plan.
    page.reload()
    expect(page.locator("[data-test=area]")).to_have_value(str(hall["id"]))
    expect(drawing).to_have_attribute("data-area", str(hall["id"]))
    page.locator("[data-test=area]").select_option("")
    expect(floormap.locator("g.marker")).to_have_count(len([m for m in machines if m["floor_x"] is not None]))
    expect(floormap.locator(f"[data-test=floor-plan][data-area='{hall['id']}']")).to_have_count(0)
