"""Issue 13 item 8 in headless Chromium: an admin puts a floor-plan image under the floor map's markers.

Served in-process over the demo plant (tests/ui_support.py); the page fails on any console error.
"""

from __future__ import annotations

import io

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
