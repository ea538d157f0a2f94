"""Issue 13's flows in headless Chromium over a served demo plant: linked tables, picking by name, the
asset list people shape (columns, URL state, bulk work), labels, custody, a viewer's UI, live updates and
the README screenshots. Each test fails on any console error (tests/ui_support.py).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from ui_support import (
    api_get,
    api_write,
    axe_violations,
    login,
    open_page,
    skip_without_browser,
    ui_fixtures,
)

sync_api = skip_without_browser()
expect = sync_api.expect

# The README's pictures are refreshed on purpose (SHOPDB_UI_SCREENSHOTS_DIR=docs/screenshots make test);
# an ordinary run writes them to a temporary folder, so `make test` never changes the tree.
SCREENSHOTS_DIR = os.environ.get("SHOPDB_UI_SCREENSHOTS_DIR")
VIEWER_PASSWORD = "Viewer-password-1"

# Served as `make run` serves it (two gunicorn workers): live updates must cross workers.
base_url, browser, page = ui_fixtures(sync_api, "ui-flows", as_make_run=True)


@pytest.fixture
def admin(page):
    login(page, expect)
    return page


def first(page, path: str) -> dict:
    return api_get(page, path)["data"][0]


def test_nested_collections_are_tables_linking_the_related_assets(admin):
    page = admin
    switch = first(page, "/api/v1/network/devices?sort=asset_tag&per_page=1")
    detail = api_get(page, f"/api/v1/network/devices/{switch['assetid']}")["data"]
    port = detail["interfaces"][0]
    address = detail["ip_addresses"][0]

    page.goto(f"/assets/{switch['assetid']}")
    # The overview's times are the browser's locale in the site's zone, to the minute: no ISO, no microseconds.
    updated = page.locator(".kv dd time").last
    expect(updated).not_to_contain_text("T")
    assert not re.search(r"\d{2}:\d{2}:\d{2}\.\d+", page.locator(".kv").inner_text())

    page.click("[data-tab='plugin:network']")
    interfaces = page.locator("table[data-nested='Interfaces']")
    connected = interfaces.get_by_role("link", name=port["connected_asset_tag"])
    expect(connected).to_have_attribute("href", f"/assets/{port['connected_assetid']}")
    expect(interfaces.locator("thead")).to_contain_text("Speed (Mbit/s)")
    ips = page.locator("table[data-nested='IP addresses']")
    subnet_link = ips.get_by_role("link", name=address["cidr"])
    expect(subnet_link).to_have_attribute("href", f"/network/subnets/{address['subnet_id']}")
    expect(ips).to_contain_text(address["address"])
    assert "{" not in page.locator("[data-test=extension]").inner_text()  # no JSON left

    # A PC's controlled machines link to the machines; the link opens the machine's page.
    pc = first(page, "/api/v1/computers?sort=asset_tag&per_page=1")
    machine = first(page, f"/api/v1/equipment?site_id={pc['site_id']}&sort=-asset_tag&per_page=1")
    api_write(page, "POST", f"/api/v1/computers/{pc['assetid']}/controls", {"equipment_assetid": machine["assetid"]})
    page.goto(f"/assets/{pc['assetid']}")
    page.click("[data-tab='plugin:computers']")
    expect(page.locator("[data-test=extension] dt", has_text="MAC address")).to_be_visible()
    controls = page.locator("table[data-nested='Controlled machines']")
    controls.get_by_role("link", name=machine["asset_tag"]).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(machine["asset_tag"])


def test_a_relationship_target_is_picked_by_typing_its_tag_with_the_keyboard(admin):
    page = admin
    source, target = api_get(page, "/api/v1/assets?asset_type=printer&sort=asset_tag&per_page=2")["data"]
    page.goto(f"/assets/{source['assetid']}")
    page.click("[data-tab=relationships]")
    form = page.locator("[data-test=add-relationship]")
    form.locator("#rel-kind").fill("backs_up")
    combobox = form.get_by_role("combobox", name="Other asset")
    combobox.fill(target["asset_tag"])
    option = page.get_by_role("option", name=re.compile(re.escape(target["asset_tag"])))
    expect(option).to_be_visible()
    expect(combobox).to_have_attribute("aria-expanded", "true")
    combobox.press("ArrowDown")
    combobox.press("ArrowUp")
    combobox.press("Enter")
    expect(combobox).to_have_value(f"{target['asset_tag']} · {target['name']}")
    form.get_by_role("button", name="Add relationship").click()
    row = page.locator("tbody tr", has_text="backs up")
    expect(row.get_by_role("link", name=target["asset_tag"])).to_be_visible()
    kinds = [r["kind"] for r in api_get(page, f"/api/v1/assets/{source['assetid']}/relationships")["data"]]
    assert "backs_up" in kinds


def test_a_switch_port_is_added_with_its_connected_asset_picked_by_name(admin):
    page = admin
    switch = api_get(page, "/api/v1/network/devices?sort=-asset_tag&per_page=1")["data"][0]
    pc = first(page, f"/api/v1/computers?site_id={switch['site_id']}&sort=asset_tag&per_page=1")
    page.goto(f"/assets/{switch['assetid']}")
    page.click("[data-tab='plugin:network']")
    page.get_by_role("button", name="Add a port…").click()
    form = page.locator("[data-test=add-interface]")
    form.locator("[data-field=name] input").fill("ge-0/0/47")
    picker = form.get_by_role("combobox", name="Connected")
    picker.fill(pc["hostname"])
    expect(page.get_by_role("option", name=re.compile(re.escape(pc["asset_tag"])))).to_be_visible()
    picker.press("Enter")
    form.get_by_role("button", name="Add port").click()
    row = page.locator("table[data-nested='Interfaces'] tbody tr", has_text="ge-0/0/47")
    expect(row.get_by_role("link", name=pc["asset_tag"])).to_have_attribute("href", f"/assets/{pc['assetid']}")


def test_the_asset_list_keeps_columns_filters_and_sort_where_people_expect_them(admin):
    page = admin
    table = page.locator("[data-test=asset-table]")
    page.goto("/assets")
    expect(table.locator("tbody tr")).to_have_count(25)

    # A plugin field as a column, filled for the computers of the all-types list, kept after a reload.
    page.locator("[data-test=columns] summary").click()
    page.get_by_role("checkbox", name=re.compile(r"^Hostname")).check()
    page.locator("[data-test=columns] summary").click()
    pc = first(page, "/api/v1/computers?sort=asset_tag&per_page=1")
    page.goto("/assets?asset_type=computer")
    expect(table.locator("th[data-col=hostname]")).to_be_visible()
    expect(table.locator("tbody tr", has_text=pc["asset_tag"])).to_contain_text(pc["hostname"])
    page.reload()
    expect(table.locator("th[data-col=hostname]")).to_be_visible()

    # Sort and filters are in the URL, so Back returns to the list as it was.
    table.get_by_role("button", name="Name", exact=True).click()
    expect(page).to_have_url(re.compile(r"sort=name"))
    table.get_by_role("button", name="Name", exact=True).click()
    expect(page).to_have_url(re.compile(r"sort=-name"))
    expect(table.locator("th[data-col=name]")).to_have_attribute("aria-sort", "descending")
    api_order = [a["asset_tag"] for a in api_get(page, "/api/v1/computers?sort=-name&per_page=25")["data"]]
    expect(table.locator("tbody tr td:nth-child(2)")).to_have_text(api_order)
    page.select_option("select[name=status]", "active")
    expect(page).to_have_url(re.compile(r"status=active"))
    page.go_back()
    expect(page).to_have_url(re.compile(r"sort=-name"))
    expect(page).not_to_have_url(re.compile(r"status="))
    expect(page.locator("select[name=status]")).to_have_value("")

    # A page past the end shows the last page.
    pages = api_get(page, "/api/v1/assets?per_page=25")["meta"]["pages"]
    page.goto("/assets?page=999")
    expect(page).to_have_url(re.compile(rf"page={pages}"))
    expect(page.locator(".pager")).to_contain_text(f"Page {pages} of {pages}")


def test_a_list_sorted_by_name_or_tag_ignores_the_case_people_typed(admin):
    page = admin
    table = page.locator("[data-test=asset-table]")
    printers = api_get(page, "/api/v1/printers?sort=-asset_tag&per_page=3")["data"]
    names = ["aardvark office", "Aardwolf hall", "aarhus cell"]  # case-sensitive order would start with "A"
    for printer, name in zip(printers, reversed(names), strict=True):
        api_write(page, "PATCH", f"/api/v1/assets/{printer['assetid']}", {"name": name, "version": printer["version"]})
    page.goto("/assets?sort=name")
    for row, name in enumerate(names):
        expect(table.locator("tbody tr").nth(row)).to_contain_text(name)
    tags = api_get(page, "/api/v1/assets?sort=asset_tag&per_page=25")["data"]
    assert [t["asset_tag"].casefold() for t in tags] == sorted(t["asset_tag"].casefold() for t in tags)


def test_bulk_edit_and_delete_ask_once_and_report_each_row(admin):
    page = admin
    table = page.locator("[data-test=asset-table]")
    page.goto("/assets?asset_type=printer&sort=asset_tag")
    edited = api_get(page, "/api/v1/printers?sort=asset_tag&per_page=10")["data"][1:3]
    deleted = api_get(page, "/api/v1/computers?sort=-asset_tag&per_page=2")["data"]

    for p in edited:
        table.get_by_role("checkbox", name=f"Select {p['asset_tag']}").check()
    bulk = page.locator("[data-test=bulk]")
    expect(bulk).to_contain_text("2 selected")
    bulk.get_by_role("button", name="Edit selected…").click()
    bulk.locator("#bulk-status").select_option("in_repair")
    bulk.get_by_role("button", name="Review change").click()
    confirm = page.locator("[data-test=bulk-confirm]")
    expect(confirm).to_contain_text("Set status “in repair” on 2 assets?")
    assert not axe_violations(page)
    confirm.get_by_role("button", name="Apply to 2 assets").click()
    results = page.locator("[data-test=bulk-results]")
    expect(results).to_contain_text("2 of 2 done")
    expect(results.locator("tr[data-result=ok]")).to_have_count(2)
    for p in edited:
        assert api_get(page, f"/api/v1/assets/{p['assetid']}")["data"]["status"] == "in_repair"
        expect(table.locator("tbody tr", has_text=p["asset_tag"]).locator(".badge")).to_have_text("in repair")

    page.goto("/assets?asset_type=computer&sort=-asset_tag")
    for p in deleted:
        table.get_by_role("checkbox", name=f"Select {p['asset_tag']}").check()
    bulk.get_by_role("button", name="Delete selected…").click()
    bulk.get_by_role("button", name="Delete 2 assets…").click()
    page.locator("[data-test=bulk-confirm]").get_by_role("button", name="Delete 2 assets").click()
    expect(results).to_contain_text("2 of 2 done")
    for p in deleted:
        expect(table.locator("tbody tr", has_text=p["asset_tag"])).to_have_count(0)
        assert page.request.get(f"/api/v1/assets/{p['assetid']}").status == 404


def test_labels_print_for_one_asset_and_for_a_selection(admin):
    page = admin
    machines = api_get(page, "/api/v1/equipment?sort=asset_tag&per_page=2")["data"]
    page.goto(f"/assets/{machines[0]['assetid']}")
    pdf_link = page.locator("[data-test=labels] a[data-format=pdf]")
    expect(pdf_link).to_have_text("Print label (PDF)")
    pdf = page.request.get(pdf_link.get_attribute("href"))
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf" and pdf.body().startswith(b"%PDF")

    page.goto("/assets?asset_type=equipment&sort=asset_tag")
    table = page.locator("[data-test=asset-table]")
    for m in machines:
        table.get_by_role("checkbox", name=f"Select {m['asset_tag']}").check()
    zpl_link = page.locator("[data-test=bulk] [data-test=labels] a[data-format=zpl]")
    with page.expect_download() as info:
        zpl_link.click()
    zpl = Path(info.value.path()).read_text()
    assert zpl.count("^XA") == 2 and all(m["asset_tag"] in zpl for m in machines)


def test_a_viewer_is_offered_no_write_action(admin, browser, base_url):
    api_write(admin, "POST", "/api/v1/users", {"username": "ui-viewer", "password": VIEWER_PASSWORD, "role": "viewer"})
    stick = next(s for s in api_get(admin, "/api/v1/usb?per_page=100")["data"] if s["custody_state"] == "in_store")
    asset = first(admin, "/api/v1/equipment?sort=asset_tag&per_page=1")
    for page in open_page(browser, base_url):
        login(page, expect, "ui-viewer", VIEWER_PASSWORD)
        expect(page.get_by_role("link", name="New asset")).to_have_count(0)
        page.get_by_role("link", name="Assets", exact=True).click()
        expect(page.locator("[data-test=asset-table] tbody tr").first).to_be_visible()
        expect(page.get_by_role("link", name="New asset")).to_have_count(0)
        expect(page.get_by_role("link", name="Import CSV")).to_have_count(0)
        page.locator("[data-test=asset-table] tbody input[type=checkbox]").first.check()
        expect(page.locator("[data-test=bulk] [data-test=labels]")).to_be_visible()  # labels: yes
        expect(page.get_by_role("button", name="Edit selected…")).to_have_count(0)
        expect(page.get_by_role("button", name="Delete selected…")).to_have_count(0)
        page.goto(f"/assets/{asset['assetid']}")
        expect(page.get_by_role("heading", level=1)).to_contain_text(asset["asset_tag"])
        expect(page.get_by_role("link", name="Edit")).to_have_count(0)
        page.click("[data-tab=relationships]")
        expect(page.locator("section.panel table")).to_be_visible()
        expect(page.locator("[data-test=add-relationship]")).to_have_count(0)
        expect(page.get_by_role("button", name="Remove")).to_have_count(0)
        page.goto(f"/assets/{asset['assetid']}/edit")  # a bookmarked edit link lands on the asset
        expect(page).to_have_url(re.compile(rf"/assets/{asset['assetid']}$"))
        page.goto("/usb")
        page.get_by_role("button", name=stick["asset_tag"]).click()
        expect(page.locator("[data-test=custody] h3")).to_have_text("Custody chain")
        expect(page.get_by_role("button", name="Check out")).to_have_count(0)


def test_custody_offers_what_the_stick_allows_and_follows_the_server(admin):
    page = admin
    sticks = api_get(page, "/api/v1/usb?per_page=100&sort=asset_tag")["data"]
    unapproved, stick = [s for s in sticks if s["custody_state"] == "in_store"][-2:]
    api_write(page, "PATCH", f"/api/v1/usb/{unapproved['assetid']}",
              {"approved": False, "version": unapproved["version"]})

    page.goto("/usb")
    page.get_by_role("button", name=unapproved["asset_tag"]).click()
    custody = page.locator("[data-test=custody]")
    expect(custody.locator("[data-test=not-approved]")).to_be_visible()
    expect(custody.get_by_role("button", name="Check out")).to_have_count(0)

    # Someone checks the shown stick out elsewhere: the panel follows without a reload (live events)…
    page.get_by_role("button", name=stick["asset_tag"]).click()
    expect(custody.get_by_role("button", name="Check out")).to_be_visible()
    machine = first(page, f"/api/v1/equipment?site_id={stick['site_id']}&sort=asset_tag&per_page=1")
    api_write(page, "POST", f"/api/v1/usb/{stick['assetid']}/checkout",
              {"checked_out_to": "Other tablet", "purpose": "Live test", "version": stick["version"]})
    expect(custody.get_by_role("button", name="Check in")).to_be_visible()
    expect(custody.locator("tbody tr").first).to_contain_text("Other tablet")
    api_write(page, "POST", f"/api/v1/usb/{stick['assetid']}/checkin", {})
    expect(custody.get_by_role("button", name="Check out")).to_be_visible()

    # …and the machine of a check-out is picked by typing its tag.
    custody.locator("#co-to").fill("Operator")
    custody.locator("#co-purpose").fill("Program transfer")
    picker = custody.get_by_role("combobox")
    picker.fill(machine["asset_tag"])
    page.get_by_role("option", name=re.compile(re.escape(machine["asset_tag"]))).click()
    custody.get_by_role("button", name="Check out").click()
    expect(custody.locator("tbody tr").first.get_by_role("link", name=machine["asset_tag"])).to_be_visible()


def test_picking_a_stick_low_in_the_list_brings_its_panel_into_view(browser, base_url):
    for page in open_page(browser, base_url, viewport={"width": 800, "height": 480}):
        login(page, expect)
        page.goto("/usb")
        last = page.locator("tbody tr button.link").last
        last.scroll_into_view_if_needed()
        last.click()
        panel = page.locator("[data-test=custody-panel]")
        expect(panel.locator("[data-test=custody]")).to_be_visible()
        expect(panel).to_be_in_viewport()


def test_a_machine_going_down_turns_red_on_the_open_floor_map_and_raises_the_banner(admin):
    page = admin
    site = first(page, "/api/v1/sites?sort=id")
    machines = api_get(page, f"/api/v1/equipment?site_id={site['id']}&per_page=100&sort=-asset_tag")["data"]
    machine = next(m for m in machines if m["operational_status"] == "running" and m["floor_x"] is not None)
    page.get_by_role("link", name="Floor map").click()
    marker = page.locator(f"[data-test=floormap] g[data-assetid='{machine['assetid']}']")
    expect(marker).to_have_attribute("data-status", "running")
    page.evaluate("window.__sameDocument = true")

    api_write(page, "PATCH", f"/api/v1/equipment/{machine['assetid']}",
              {"operational_status": "down", "version": machine["version"]})
    expect(marker).to_have_attribute("data-status", "down")
    expect(marker.locator("circle")).to_have_attribute("fill", "#c62828")
    banner = page.locator("[data-test=notice-banner]")
    notice = banner.locator(".notice-line", has_text=f"{machine['asset_tag']} is down")
    expect(notice).to_be_visible()
    assert page.evaluate("window.__sameDocument") is True  # no reload happened

    # Markers are keyboard-reachable: focus one and open it with Enter.
    notice.get_by_role("button", name=re.compile("Acknowledge")).click()
    expect(notice).to_have_count(0)
    marker.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text(machine["asset_tag"])


def test_an_editor_moves_a_machine_on_the_floor_map_by_keyboard_and_by_dragging(admin):
    page = admin
    site = first(page, "/api/v1/sites?sort=id")
    machines = api_get(page, f"/api/v1/equipment?site_id={site['id']}&per_page=100&sort=asset_tag")["data"]
    machine = next(m for m in machines if m["floor_x"] is not None)
    page.goto("/equipment/map")
    marker = page.locator(f"[data-test=floormap] g[data-assetid='{machine['assetid']}']")
    expect(marker).to_have_attribute("role", "link")
    page.locator("[data-test=move-markers]").check()
    expect(marker).to_have_attribute("role", "button")
    marker.focus()
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    expect(page.locator("[data-test=moved]")).to_contain_text(f"{machine['asset_tag']} moved")
    moved = api_get(page, f"/api/v1/equipment/{machine['assetid']}")["data"]
    assert moved["floor_x"] == pytest.approx(machine["floor_x"] + 3)
    assert moved["floor_y"] == pytest.approx(machine["floor_y"])

    box = marker.locator("circle").bounding_box()
    start = (box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.move(*start)
    page.mouse.down()
    page.mouse.move(start[0] + 40, start[1] + 30, steps=5)
    page.mouse.up()
    expect(page.locator("[data-test=moved]")).to_contain_text(re.compile(r"moved to (?!" + re.escape(
        f"{moved['floor_x']}, {moved['floor_y']}") + r")"))
    dragged = api_get(page, f"/api/v1/equipment/{machine['assetid']}")["data"]
    assert dragged["floor_x"] > moved["floor_x"] and dragged["floor_y"] > moved["floor_y"]
    assert dragged["version"] == moved["version"] + 1


def test_the_next_free_address_is_assigned_to_an_asset_picked_by_name(admin):
    page = admin
    subnets = api_get(page, "/api/v1/network/subnets?per_page=100&sort=cidr")["data"]
    v4 = next(s for s in subnets if s["ip_version"] == 4)
    v6 = next(s for s in subnets if s["ip_version"] == 6 and s["prefix_length"] == 64)
    pc = first(page, "/api/v1/computers?sort=-asset_tag&per_page=1")

    page.goto(f"/network/subnets/{v6['id']}")
    size = page.locator("[data-test=subnet-size]")
    expect(size).to_be_visible()
    assert "18446744073709551616" in re.sub(r"\D", "", size.inner_text())  # 2**64, not rounded

    page.goto(f"/network/subnets/{v4['id']}")
    free = api_get(page, f"/api/v1/network/subnets/{v4['id']}/next-free")["data"]["address"]
    page.click("[data-test=next-free]")
    claim = page.locator("[data-test=claim-ip]")
    claim.get_by_role("combobox", name="Asset").fill(pc["asset_tag"])
    page.get_by_role("option", name=re.compile(re.escape(pc["asset_tag"]))).click()
    claim.get_by_role("button", name=f"Assign {free}").click()
    expect(page.get_by_role("status")).to_contain_text(f"{free} assigned to {pc['asset_tag']}")
    row = page.locator("tbody tr", has_text=free)
    expect(row.get_by_role("link", name=pc["asset_tag"])).to_be_visible()


def test_a_duplicate_tag_is_shown_at_its_field(admin):
    page = admin
    taken = first(page, "/api/v1/printers?sort=asset_tag&per_page=1")
    page.goto("/assets/new?type=printer")
    page.locator("[data-field=asset_tag] input").fill(taken["asset_tag"])
    page.locator("[data-field=name] input").fill("Duplicate printer")
    page.locator("[data-field=site_id] select").select_option(index=1)
    page.locator("[data-field=hostname] input").fill("dup-printer-1")
    page.allow_http_error(409, "/api/v1/printers")
    page.allow_http_error(422, "/api/v1/printers")
    page.get_by_role("button", name="Create asset").click()
    expect(page.locator("[data-field=asset_tag] .field-error")).to_contain_text("in use")


def test_a_notice_about_an_asset_picked_by_name_reaches_the_banner_at_once(admin):
    page = admin
    machine = first(page, "/api/v1/equipment?sort=asset_tag&per_page=1")
    page.get_by_role("link", name="Notifications").click()
    page.get_by_role("button", name="New notification").click()
    page.locator("[data-field=title] input").fill("Coolant change on the first mill")
    page.locator("[data-field=severity] select").select_option("warning")
    picker = page.locator("[data-field=assetid]").get_by_role("combobox")
    picker.fill(machine["asset_tag"])
    page.get_by_role("option", name=re.compile(re.escape(machine["asset_tag"]))).click()
    page.get_by_role("button", name="Create").click()
    line = page.locator("[data-test=notice-banner] .notice-line", has_text="Coolant change on the first mill")
    expect(line.get_by_role("link", name="asset")).to_have_attribute("href", f"/assets/{machine['assetid']}")
    created = next(n for n in api_get(page, "/api/v1/notifications/active?per_page=100")["data"]
                   if n["title"] == "Coolant change on the first mill")
    assert created["assetid"] == machine["assetid"]
    line.get_by_role("button", name=re.compile("Acknowledge")).click()
    expect(line).to_have_count(0)


def test_import_checks_a_csv_then_imports_it(admin, tmp_path):
    page = admin
    if "/api/v1/import" not in api_get(page, "/api/v1/openapi.json")["paths"]:
        pytest.skip("the server has no POST /api/v1/import yet (proposed in the notes' Contracts section)")
    site = first(page, "/api/v1/sites?sort=id")
    header = "asset_type,asset_tag,name,site,status\n"
    bad = tmp_path / "bad.csv"
    bad.write_text(header + f"equipment,M-IMP-1,Imported press,{site['code']},active\n"
                   f"equipment,,No tag,{site['code']},active\n")
    page.goto("/import")
    page.set_input_files("#import-file", str(bad))
    page.get_by_role("button", name="Check (dry run)").click()
    errors = page.locator("[data-test=import-errors] tbody tr")
    expect(errors.first).to_be_visible()
    expect(page.locator("[data-test=import-commit]")).to_have_count(0)

    good = tmp_path / "good.csv"
    good.write_text(header + f"usb_device,USB-IMP-1,Imported stick,{site['code']},active\n")
    page.set_input_files("#import-file", str(good))
    page.get_by_role("button", name="Check (dry run)").click()
    page.locator("[data-test=import-commit]").click()
    expect(page.locator("[data-test=import-report]")).to_contain_text("Imported")


def test_screenshots_for_the_readme(admin, tmp_path):
    page = admin
    page.set_viewport_size({"width": 1280, "height": 800})
    shots_dir = Path(SCREENSHOTS_DIR) if SCREENSHOTS_DIR else tmp_path
    shots_dir.mkdir(parents=True, exist_ok=True)
    switch = first(page, "/api/v1/network/devices?sort=asset_tag&per_page=1")
    columns = ["asset_tag", "name", "status", "site_id", "location_id", "hostname", "primary_ip", "os_name",
               "last_seen_at"]
    page.evaluate("columns => localStorage.setItem('shopdb.assetList.columns', JSON.stringify(columns))", columns)
    shots = [
        ("dashboard", "/", "[data-test=count-site] li"),
        ("asset-list", "/assets?asset_type=computer", "[data-test=asset-table] tbody tr a"),
        ("floor-map", "/equipment/map", "[data-test=floormap] g[data-assetid]"),
        ("usb-custody", "/usb", "tbody tr button"),
    ]
    for name, path, ready in shots:
        page.goto(path)
        expect(page.locator(ready).first).to_be_visible()
        expect(page.locator("[data-test=notice-banner]")).to_be_visible()
        expect(page.get_by_text("Loading…")).to_have_count(0)
        page.screenshot(path=str(shots_dir / f"{name}.png"))
    page.goto(f"/assets/{switch['assetid']}")
    page.click("[data-tab='plugin:network']")
    expect(page.locator("table.nested").first).to_be_visible()
    page.screenshot(path=str(shots_dir / "asset-network-device.png"))
    for name, *_ in shots:
        assert (shots_dir / f"{name}.png").stat().st_size > 10_000
