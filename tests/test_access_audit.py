"""The audit of access: logins, tokens and access changes land in audit_log with who, when and from where;
admins read it all through /api/v1/audit; no password or token is ever stored in the clear."""

from __future__ import annotations

import json

from sqlalchemy import text

from shopdb.extensions import db
from shopdb.testing import ADMIN_PASSWORD, token_for

from helpers import error_of

PASSWORD = "A-long-password-1"
REMOTE = {"REMOTE_ADDR": "10.20.30.40"}


def audit(client, query: str = "") -> list[dict]:
    response = client.get(f"/api/v1/audit?{query}")
    assert response.status_code == 200, response.get_json()
    return response.get_json()["data"]


def test_logins_that_succeed_and_fail_are_audited_with_the_name_tried_and_the_address(client, anonymous_client):
    client.post("/api/v1/users", json={"username": "anna", "password": PASSWORD})
    anonymous_client.post("/api/v1/auth/login", json={"username": "anna", "password": "guess-1"}, environ_base=REMOTE)
    anonymous_client.post("/api/v1/auth/tokens", json={"username": "nobody", "password": "x"}, environ_base=REMOTE)
    anonymous_client.post("/api/v1/auth/login", json={"username": "anna", "password": PASSWORD}, environ_base=REMOTE)

    failed = audit(client, "action=login_failed")
    assert [(e["username"], e["address"]) for e in failed] == [("nobody", "10.20.30.40"), ("anna", "10.20.30.40")]
    assert all("guess-1" not in json.dumps(e) for e in failed)
    [login] = audit(client, "action=login&user=anna")
    assert login["table_name"] == "users" and login["address"] == "10.20.30.40" and login["at"].endswith("Z")
    anonymous_client.post("/api/v1/auth/logout", headers={"X-CSRF-Token": anonymous_client.get(
        "/api/v1/auth/me").get_json()["data"]["csrf_token"]}, environ_base=REMOTE)
    assert [e["username"] for e in audit(client, "action=logout")] == ["anna"]


def test_token_creation_and_revocation_are_audited_without_the_token(client):
    created = client.post("/api/v1/auth/tokens", json={"name": "backup job"}).get_json()["data"]
    assert client.delete(f"/api/v1/auth/tokens/{created['id']}").status_code == 204
    entries = audit(client, f"table_name=api_tokens&row_id={created['id']}")
    assert [e["action"] for e in entries] == ["token_revoked", "token_created"]  # newest first
    assert entries[1]["after"]["name"] == "backup job" and entries[1]["username"] == "admin"
    assert created["token"] not in json.dumps(entries)


def test_role_site_active_and_password_changes_are_audited_with_who_made_them(client, site):
    anna = client.post("/api/v1/users", json={"username": "anna", "password": PASSWORD}).get_json()["data"]["id"]
    client.patch(f"/api/v1/users/{anna}", json={"role": "editor", "site_ids": [site["id"]]})
    client.patch(f"/api/v1/users/{anna}", json={"is_active": False})
    client.patch(f"/api/v1/users/{anna}", json={"is_active": True, "password": "Another-password-2"})
    entries = audit(client, f"table_name=users&row_id={anna}")
    actions = [e["action"] for e in entries]
    assert actions[:5] == ["password_changed", "activated", "deactivated", "sites_changed", "role_changed"]
    role = entries[4]
    assert (role["before"], role["after"]["role"], role["username"]) == ({"role": "viewer"}, "editor", "admin")
    assert entries[3]["after"]["site_ids"] == [site["id"]]
    assert "Another-password-2" not in json.dumps(entries) and "argon2" not in json.dumps(entries)


def test_every_change_records_its_site_and_the_clients_address(client, site):
    made = client.post("/api/v1/computers", environ_base=REMOTE, json={
        "asset_tag": "PC-1", "name": "CNC PC", "hostname": "p1-pc-1", "pc_type": "shopfloor", "site_id": site["id"]})
    assert made.status_code == 201, made.get_json()
    assetid = made.get_json()["data"]["assetid"]
    entries = audit(client, f"assetid={assetid}")
    assert {e["table_name"] for e in entries} == {"assets", "computers"}
    assert all(e["site_id"] == site["id"] and e["address"] == "10.20.30.40" for e in entries)
    assert audit(client, f"site_id={site['id']}&table_name=computers")[0]["row_id"] == str(assetid)


def test_admins_filter_the_audit_log_by_user_object_action_and_time(client, anonymous_client, site):
    anna = client.post("/api/v1/users", json={"username": "anna", "password": PASSWORD,
                                              "role": "editor"}).get_json()["data"]["id"]
    token = client.post("/api/v1/auth/tokens", json={"username": "anna", "password": PASSWORD}).get_json()["data"]
    client.post("/api/v1/locations", json={"site_id": site["id"], "name": "Hall 1"},
                headers={"Authorization": f"Bearer {token['token']}"})
    by_id, by_name = audit(client, f"user={anna}"), audit(client, "user=ANNA")
    assert by_id == by_name and {e["action"] for e in by_id} >= {"login", "token_created", "create"}
    everything = audit(client, "per_page=500")
    assert [e["id"] for e in everything] == sorted((e["id"] for e in everything), reverse=True)
    newest = everything[0]["at"]
    assert audit(client, f"since={newest}")[0]["id"] == everything[0]["id"]
    assert audit(client, "until=2000-01-01T00:00:00Z") == []
    assert audit(client, "since=2000-01-01T01:00:00%2B01:00&per_page=500") == everything
    page = client.get("/api/v1/audit?per_page=2&page=2").get_json()
    assert page["meta"]["per_page"] == 2 and page["meta"]["total"] == len(everything)
    assert [e["id"] for e in page["data"]] == [e["id"] for e in everything[2:4]]
    bad = client.get("/api/v1/audit?since=yesterday")
    assert bad.status_code == 400 and "since" in error_of(bad)["details"]["fields"]
    assert client.get("/api/v1/audit?colour=red").status_code == 400


def test_only_admins_read_the_audit_log(client, anonymous_client, user_headers):
    assert anonymous_client.get("/api/v1/audit").status_code == 401
    for role in ("viewer", "editor"):
        assert client.get("/api/v1/audit", headers=user_headers(role)).status_code == 403
    schema = client.get("/api/v1/openapi.json").get_json()["paths"]["/api/v1/audit"]["get"]["responses"]["200"]
    assert "AuditRecord" in json.dumps(schema)


def test_the_database_holds_no_password_or_token_in_the_clear(app, client, anonymous_client):
    """The whole story — users made, logins (good and bad), tokens, password changes — then every row of
    users, api_tokens and audit_log is read back and searched for the plain secrets."""
    secrets = [ADMIN_PASSWORD, PASSWORD, "Second-password-2", "Typed-by-mistake-3", "Reset-by-admin-4"]
    anna = client.post("/api/v1/users", json={"username": "anna", "password": PASSWORD}).get_json()["data"]["id"]
    anonymous_client.post("/api/v1/auth/login", json={"username": "anna", "password": "Typed-by-mistake-3"})
    token = client.post("/api/v1/auth/tokens", json={"username": "anna", "password": PASSWORD}).get_json()["data"]
    secrets.append(token["token"])
    client.post("/api/v1/auth/password", headers={"Authorization": f"Bearer {token['token']}"},
                json={"current_password": PASSWORD, "new_password": "Second-password-2"})
    client.patch(f"/api/v1/users/{anna}", json={"password": "Reset-by-admin-4"})
    secrets.append(client.post("/api/v1/auth/tokens", json={"name": "x"}).get_json()["data"]["token"])

    with app.app_context():
        dumped = {table: json.dumps([list(map(str, row)) for row in db.session.execute(text(f"SELECT * FROM {table}"))])
                  for table in ("users", "api_tokens", "audit_log")}
        hashes = [h for (h,) in db.session.execute(text("SELECT token_hash FROM api_tokens"))] + [
            h for (h,) in db.session.execute(text("SELECT password_hash FROM users"))]
    for secret in secrets:
        assert all(secret not in rows for rows in dumped.values()), secret
    assert all(h not in dumped["audit_log"] for h in hashes)
    assert "argon2" not in dumped["audit_log"]


def test_the_access_story_holds_on_every_database(migrated_app):
    """Users, tokens, sessions and the audit on SQLite, MariaDB and PostgreSQL alike."""
    client = migrated_app.test_client()
    admin = {"Authorization": f"Bearer {token_for(client)}"}
    anna = client.post("/api/v1/users", json={"username": "anna", "password": PASSWORD, "role": "editor"},
                       headers=admin).get_json()["data"]["id"]
    browser = migrated_app.test_client()
    assert browser.post("/api/v1/auth/login", json={"username": "anna", "password": PASSWORD}).status_code == 200
    token = client.post("/api/v1/auth/tokens", json={"username": "anna", "password": PASSWORD}).get_json()["data"]
    anna_token = {"Authorization": f"Bearer {token['token']}"}
    assert client.get("/api/v1/auth/tokens", headers=anna_token).get_json()["meta"]["total"] == 1

    admin_id = client.get("/api/v1/auth/me", headers=admin).get_json()["data"]["id"]
    assert client.patch(f"/api/v1/users/{admin_id}", json={"role": "viewer"}, headers=admin).status_code == 409
    reset = client.patch(f"/api/v1/users/{anna}", json={"password": "Reset-by-admin-4"}, headers=admin)
    assert reset.status_code == 200
    assert browser.get("/api/v1/auth/me").status_code == 401
    assert client.get("/api/v1/auth/me", headers=anna_token).status_code == 200
    assert client.patch(f"/api/v1/users/{anna}", json={"is_active": False}, headers=admin).status_code == 200
    assert client.get("/api/v1/auth/me", headers=anna_token).status_code == 401

    entries = client.get(f"/api/v1/audit?table_name=users&row_id={anna}", headers=admin).get_json()["data"]
    assert [e["action"] for e in entries][:2] == ["deactivated", "password_changed"]
    assert client.get("/api/v1/audit?since=2000-01-01T00:00:00Z&action=login&user=anna",
                      headers=admin).get_json()["meta"]["total"] == 2
    with migrated_app.app_context():
        dumped = json.dumps([list(map(str, row)) for table in ("users", "api_tokens", "audit_log")
                             for row in db.session.execute(text(f"SELECT * FROM {table}"))])
        db.session.remove()
    assert all(secret not in dumped for secret in (PASSWORD, "Reset-by-admin-4", token["token"], ADMIN_PASSWORD))
