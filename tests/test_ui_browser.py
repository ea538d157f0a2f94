"""The web UI (SPEC §6) in a real headless Chromium, driven by Playwright against a served app.

Needs ``/usr/bin/chromium`` (``apt-get install chromium``), the ``playwright`` Python package (no browser
download: the system Chromium is used) and a built UI (``cd frontend && npm ci && npm run build``);
the module skips with the reason when one is missing. Every test fails on a console error
(tests/ui_support.py); the flows of issue 13 are in tests/test_ui_workflows.py.
"""

from __future__ import annotations

import re
from pathlib import Path

from ui_support import api_get, axe_violations, skip_without_browser, ui_fixtures
from ui_support import login as login_as

from shopdb.testing import ADMIN_PASSWORD

sync_api = skip_without_browser()
expect = sync_api.expect

base_url, browser, page = ui_fixtures(sync_api, "ui")


def login(page) -> None:
    login_as(page, expect)


def test_wrong_password_is_refused(page):
    page.goto("/assets")
    expect(page).to_have_url(re.compile(r"/login\?next="))
    page.fill("#username", "admin")
    page.fill("#password", "not-the-password")
    page.allow_http_error(401, "/api/v1/auth/login")
    page.click("button[type=submit]")
    expect(page.get_by_role("alert")).to_contain_text("Wrong user name or password")
    assert not page.errors


def test_ui_end_to_end(page):
    # Login, then the dashboard's counts agree with the API.
    login(page)
    total = api_get(page, "/api/v1/assets?per_page=1")["meta"]["total"]
    computers = api_get(page, "/api/v1/assets?asset_type=computer&per_page=1")["meta"]["total"]
    expect(page.locator("[data-test=count-total] .big")).to_have_text(str(total))
    computer_row = page.locator("[data-test=count-type] li", has_text="Computer")
    expect(computer_row.locator(".num")).to_have_text(str(computers))
    expect(page.locator("[data-test=count-site] li")).to_have_count(3)
    expect(page.locator("[data-test=notifications] .notice").first).to_be_visible()
    expect(page.locator("[data-test=machines-down]")).to_be_visible()

    # Asset list: search narrows the table to the machine, which opens its detail page.
    machine = api_get(page, "/api/v1/equipment?per_page=1&sort=asset_tag")["data"][0]
    page.get_by_role("link", name="Assets", exact=True).click()
    expect(page.locator("[data-test=asset-table] tbody tr")).to_have_count(25)
    page.fill("input[name=q]", machine["asset_tag"])
    rows = page.locator("[data-test=asset-table] tbody tr")
    expect(rows).to_have_count(1)
    expect(page).to_have_url(re.compile(r"q=" + re.escape(machine["asset_tag"])))
    rows.get_by_role("link", name=machine["asset_tag"]).click()
    expect(page).to_have_url(re.compile(rf"/assets/{machine['assetid']}$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text(machine["asset_tag"])

    # The equipment plugin's tab shows the extension's fields.
    page.click("[data-tab='plugin:equipment']")
    extension = page.locator("[data-test=extension]")
    expect(extension).to_contain_text("Machine number")
    expect(extension).to_contain_text(machine["machine_number"])
    page.click("[data-tab=history]")
    page.click("[data-tab=relationships]")

    # Edit: an invalid value comes back as a field error under its input; a valid one saves. The type
    # dropdown reads the open choice set: a type an admin just added is offered by its label.
    csrf = api_get(page, "/api/v1/auth/me")["data"]["csrf_token"]
    added = page.request.post("/api/v1/choices/equipment_type", headers={"X-CSRF-Token": csrf},
                              data={"slug": "injection_moulding", "label": "Injection moulding"})
    assert added.status == 201, added.text()
    page.get_by_role("link", name="Edit").click()
    page.locator("[data-field=equipment_type] select").select_option(label="Injection moulding")
    floor_x = page.locator("[data-field=floor_x]")
    floor_x.locator("input").fill("-5")
    page.allow_http_error(422, f"/api/v1/equipment/{machine['assetid']}")
    page.get_by_role("button", name="Save changes").click()
    expect(floor_x.locator(".field-error")).to_contain_text("greater than or equal to 0")
    expect(page.locator("[data-test=form-alert]")).to_contain_text("correct the marked fields")
    floor_x.locator("input").fill("12.5")
    page.locator("[data-field=name] input").fill(machine["name"] + " (edited)")
    page.get_by_role("button", name="Save changes").click()
    expect(page).to_have_url(re.compile(rf"/assets/{machine['assetid']}\?saved=1"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("(edited)")
    edited = api_get(page, f"/api/v1/equipment/{machine['assetid']}")["data"]
    assert edited["equipment_type"] == "injection_moulding"  # the slug is stored, the label was shown

    # A stale edit (someone saved in between) is shown as a conflict, not silently applied.
    page.get_by_role("link", name="Edit").click()
    page.locator("[data-field=name] input").fill("mine")
    csrf = api_get(page, "/api/v1/auth/me")["data"]["csrf_token"]
    other = page.request.patch(f"/api/v1/equipment/{machine['assetid']}", data={"notes": "theirs"},
                               headers={"X-CSRF-Token": csrf})
    assert other.ok, other.text()
    page.allow_http_error(409, f"/api/v1/equipment/{machine['assetid']}")
    page.allow_http_error(412, f"/api/v1/equipment/{machine['assetid']}")
    page.get_by_role("button", name="Save changes").click()
    expect(page.locator("[data-test=conflict]")).to_contain_text("Someone else changed this asset")

    # Plugins admin: every backend plugin with its state and version.
    plugins = api_get(page, "/api/v1/health")["data"]["plugins"]
    page.get_by_role("link", name="Plugins", exact=True).click()
    table = page.locator("[data-test=plugins-table]")
    expect(table.locator("tbody tr")).to_have_count(len(plugins))
    for name, info in plugins.items():
        row = table.locator(f"tr[data-plugin='{name}']")
        expect(row).to_contain_text(info["state"])
        expect(row).to_contain_text(info["version"])
    assert not page.errors, page.errors


def test_plugin_pages(page):
    login(page)

    # Floor map: one dot per placed machine of the chosen site, coloured by operational status.
    site = api_get(page, "/api/v1/sites?sort=id")["data"][0]
    machines = api_get(page, f"/api/v1/equipment?site_id={site['id']}&per_page=500")["data"]
    placed = [m for m in machines if m["floor_x"] is not None and m["floor_y"] is not None]
    page.get_by_role("link", name="Floor map").click()
    expect(page.locator("[data-test=floormap] g[data-assetid]")).to_have_count(len(placed))

    # Network: subnets with utilisation, a subnet's addresses and the next free one.
    subnet = api_get(page, "/api/v1/network/subnets?sort=cidr&per_page=1")["data"][0]
    free = api_get(page, f"/api/v1/network/subnets/{subnet['id']}/next-free")["data"]["address"]
    page.get_by_role("link", name="Network").click()
    page.get_by_role("link", name=subnet["cidr"]).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(subnet["cidr"])
    page.click("[data-test=next-free]")
    expect(page.locator("[data-test=next-free-result]")).to_have_text(free)

    # USB custody: a stick in store is checked out (after a field error) and back in.
    stick = next(s for s in api_get(page, "/api/v1/usb?per_page=500")["data"]
                 if s["custody_state"] == "in_store" and s["approved"])
    page.get_by_role("link", name="USB custody").click()
    page.get_by_role("button", name=stick["asset_tag"]).click()
    custody = page.locator("[data-test=custody]")
    custody.locator("input[name=checked_out_to]").fill("Test Operator")
    page.allow_http_error(422, f"/api/v1/usb/{stick['assetid']}/checkout")
    custody.get_by_role("button", name="Check out").click()
    expect(custody.locator(".field-error")).to_be_visible()
    custody.locator("input[name=purpose]").fill("Browser test")
    custody.get_by_role("button", name="Check out").click()
    expect(custody.locator(".badge.checked_out").first).to_be_visible()
    expect(custody.locator("tbody tr").first).to_contain_text("Test Operator")
    custody.get_by_role("button", name="Check in").click()
    expect(custody.locator(".alert.ok")).to_contain_text("Checked in")
    expect(custody.locator("tbody tr").first).to_contain_text("returned")

    # Notifications admin: create (a field error first), then acknowledge it.
    page.get_by_role("link", name="Notifications").click()
    page.get_by_role("button", name="New notification").click()
    page.allow_http_error(422, "/api/v1/notifications")
    page.get_by_role("button", name="Create").click()
    expect(page.locator("[data-field=title] .field-error")).to_be_visible()
    page.locator("[data-field=title] input").fill("Browser test notice")
    page.locator("[data-field=severity] select").select_option("warning")
    page.get_by_role("button", name="Create").click()
    expect(page.get_by_role("alert")).to_contain_text("created")
    row = page.locator("tbody tr", has_text="Browser test notice")
    row.get_by_role("button", name="Acknowledge").click()
    expect(row).to_contain_text("acknowledged")
    assert not page.errors, page.errors


def test_create_asset_and_export_csv(page):
    login(page)

    # Create: the plugin's required field is reported by the API, then the asset is created.
    page.goto("/assets/new?type=equipment")
    page.locator("[data-field=asset_tag] input").fill("M-UI-0001")
    page.locator("[data-field=name] input").fill("Browser test machine")
    page.locator("[data-field=site_id] select").select_option(index=1)
    page.allow_http_error(422, "/api/v1/equipment")
    page.get_by_role("button", name="Create asset").click()
    expect(page.locator("[data-field=machine_number] .field-error")).to_be_visible()
    page.locator("[data-field=machine_number] input").fill("UI-0001")
    page.get_by_role("button", name="Create asset").click()
    expect(page).to_have_url(re.compile(r"/assets/\d+\?saved=1"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("M-UI-0001")

    # CSV export of the current filter (all pages of it).
    computers = api_get(page, "/api/v1/assets?asset_type=computer&per_page=1")["meta"]["total"]
    page.goto("/assets?asset_type=computer")
    expect(page.locator("[data-test=asset-table] tbody tr").first).to_contain_text("Computer")
    with page.expect_download() as info:
        page.click("[data-test=export]")
    lines = Path(info.value.path()).read_text().strip().splitlines()
    assert lines[0].startswith("assetid,asset_tag,name,asset_type")
    assert len(lines) == computers + 1
    assert all(",computer," in line for line in lines[1:])
    assert not page.errors, page.errors


def test_main_pages_report_no_content_security_policy_violation(page):
    # The served policy forbids inline script and style; the built UI must not need them.
    violations: list[str] = []
    page.add_init_script("document.addEventListener('securitypolicyviolation', e => "
                         "console.error('CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI))")
    page.on("console", lambda message: violations.append(message.text)
            if "Content Security Policy" in message.text or "CSP violation" in message.text else None)
    response = page.goto("/")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    login(page)
    asset = api_get(page, "/api/v1/assets?per_page=1&sort=asset_tag")["data"][0]
    for path, ready in (("/", "[data-test=count-total] .big"), ("/assets", "[data-test=asset-table] tbody tr"),
                        (f"/assets/{asset['assetid']}", ".kv"), (f"/assets/{asset['assetid']}/edit", "form .form"),
                        ("/assets/new", "form .form"), ("/admin/plugins", "[data-test=plugins-table]"),
                        ("/import", "[data-test=import-form]")):
        page.goto(path)
        expect(page.locator(ready).first).to_be_visible()
    for plugin_page in ("Floor map", "Network", "USB custody", "Notifications"):
        page.get_by_role("link", name=plugin_page).click()
        expect(page.get_by_role("heading", level=1)).to_be_visible()
    for tab in ("history", "relationships"):
        page.goto(f"/assets/{asset['assetid']}")
        page.click(f"[data-tab={tab}]")
        expect(page.locator("section.panel table").first).to_be_visible()
    assert not violations, violations


def test_a_logged_out_visit_logs_no_error_and_passes_axe(page):
    # A first visit asks /auth/session, which answers 200 {authenticated: false}: no /auth/me, no 401 in the
    # console (the fixture checks).
    asked: list[str] = []
    page.on("request", lambda request: asked.append(request.url) if "/auth/me" in request.url else None)
    page.goto("/assets?status=active")
    expect(page).to_have_url(re.compile(r"/login\?next="))
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    assert not asked, asked
    assert not axe_violations(page)


def test_a_session_ended_elsewhere_or_expired_reopens_on_the_login_page_without_a_console_error(
        page, browser, base_url):
    """Kim is logged in; an admin (another browser) deactivates and reactivates her with a new password, which
    ends her sessions server-side. Her reload lands on the login page with a clean console (the fixture fails
    on any error, the 401 Chromium would log included), and so does a cookie the server no longer accepts
    (what an expired one is: Flask refuses its signature's age as it refuses a broken signature)."""
    admin = browser.new_context(base_url=base_url)
    signed_in = admin.request.post("/api/v1/auth/login", data={"username": "admin", "password": ADMIN_PASSWORD})
    assert signed_in.ok, signed_in.text()
    as_admin = {"X-CSRF-Token": signed_in.json()["data"]["csrf_token"]}
    made = admin.request.post("/api/v1/users", headers=as_admin, data={
        "username": "kim", "password": "Kims-password-1", "role": "editor"})
    assert made.ok, made.text()
    kim = made.json()["data"]["id"]

    login_as(page, expect, "kim", "Kims-password-1")
    page.goto("/equipment/map")
    expect(page.locator("[data-test=floormap] g.marker").first).to_be_visible()  # loaded while logged in
    for change in ({"is_active": False}, {"is_active": True, "password": "Kims-password-2"}):
        assert admin.request.patch(f"/api/v1/users/{kim}", headers=as_admin, data=change).ok
    admin.close()
    assert page.request.get("/api/v1/assets").status == 401  # the cookie is still sent, and refused

    page.reload()
    expect(page).to_have_url(re.compile(r"/login\?next=(/|%2F)equipment(/|%2F)map"))
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    assert not page.errors

    login_as(page, expect, "kim", "Kims-password-2")
    page.goto("about:blank")  # she closes the tab; when she comes back, the cookie is past its age
    cookie = next(c for c in page.context.cookies() if c["httpOnly"] and "session" in c["name"])
    stale = cookie["value"][:-2] + ("AA" if not cookie["value"].endswith("AA") else "BB")
    page.context.add_cookies([{**cookie, "value": stale}])
    page.goto("/assets")
    expect(page).to_have_url(re.compile(r"/login\?next=(/|%2F)assets"))
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    assert not page.errors


MAIN_PAGES = (
    ("/", "[data-test=count-site] li"),
    ("/assets", "[data-test=asset-table] tbody tr"),
    ("/equipment/map", "[data-test=floormap]"),
    ("/network/subnets", "tbody tr a"),
    ("/usb", "tbody tr button"),
    ("/notifications", "tbody tr"),
    ("/admin/plugins", "[data-test=plugins-table]"),
    ("/import", "[data-test=import-form]"),
    ("/assets/new?type=equipment", "[data-field=machine_number] input"),
)


def test_main_pages_have_no_serious_accessibility_violation(page):
    login(page)
    network_device = api_get(page, "/api/v1/network/devices?per_page=1&sort=asset_tag")["data"][0]
    found: list[str] = []
    for path, ready in MAIN_PAGES:
        page.goto(path)
        expect(page.locator(ready).first).to_be_visible()
        found += [f"{path}: {v}" for v in axe_violations(page)]
    page.goto(f"/assets/{network_device['assetid']}")
    page.click("[data-tab='plugin:network']")
    expect(page.locator("table.nested").first).to_be_visible()
    found += [f"asset page: {v}" for v in axe_violations(page)]
    page.click("[data-tab=relationships]")
    expect(page.locator("[data-test=add-relationship]")).to_be_visible()
    found += [f"relationships: {v}" for v in axe_violations(page)]
    assert not found, "\n".join(found)
