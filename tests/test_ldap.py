"""The plant's directory logs people in (issue 11, docs/adr/0016-directory-login.md).

Against a real OpenLDAP server (``tests/slapd.py``): started once for the module on a loopback port,
skipped with the reason when Debian's ``slapd`` is not installed (``.ci/run`` installs it). The
settings parsing and group mapping at the end need no server.
"""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import slapd
from sqlalchemy import select

from shopdb.auth import directory
from shopdb.core.models import User
from shopdb.extensions import db
from shopdb.testing import ADMIN_PASSWORD

from helpers import error_of, free_port

PASSWORDS = {"erika": "Erika-directory-1", "nora": "Nora-directory-1", "dave": "Dave-directory-1",
             "adam": "Adam-directory-1", "admin": "Not-the-local-admin-1", "lotte": "Lotte-directory-1"}


@pytest.fixture(scope="module")
def plant_directory(tmp_path_factory) -> Iterator[slapd.PlantDirectory]:
    """A running slapd holding the plant's people and groups; stopped when the module is done."""
    if slapd.SLAPD is None:
        pytest.skip("Debian's slapd is not installed (apt-get install slapd ldap-utils; .ci/run does it)")
    server = slapd.PlantDirectory(Path(tmp_path_factory.mktemp("slapd")))
    server.start()
    try:
        server.load_plant()
        for uid, password in PASSWORDS.items():
            server.add_person(uid, password)
        server.add_group("shopdb-admins", "adam", "admin")
        server.add_group("shopdb-editors", "erika", "lotte")
        server.add_group("shopdb-viewers", "dave")
        server.add_group("plant-1", "erika", "dave")
        server.add_group("plant-2")
        server.add_group("all-plants", "adam")
        server.add_group("canteen", "nora")
        yield server
    finally:
        server.stop()


def directory_config(server: slapd.PlantDirectory, group_lookup: str = "memberOf") -> dict:
    """Settings as an operator would write them: roles in the ``role=<DN>`` form, sites as JSON."""
    config = {
        "SHOPDB_LDAP_URL": server.url,
        "SHOPDB_LDAP_BIND_DN": slapd.SERVICE_DN,
        "SHOPDB_LDAP_BIND_PASSWORD": slapd.SERVICE_PASSWORD,
        "SHOPDB_LDAP_USER_BASE": slapd.PEOPLE,
        "SHOPDB_LDAP_ROLE_GROUPS": ";".join(f"{role}={slapd.group_dn(cn)}" for role, cn in (
            ("admin", "shopdb-admins"), ("editor", "shopdb-editors"), ("viewer", "shopdb-viewers"))),
        "SHOPDB_LDAP_SITE_GROUPS": json.dumps({slapd.group_dn("plant-1"): ["P1"], slapd.group_dn("plant-2"): "P2",
                                               slapd.group_dn("all-plants"): "*"}),
        "SHOPDB_LDAP_TIMEOUT": "3",
    }
    if group_lookup == "group search":
        config["SHOPDB_LDAP_GROUP_BASE"] = slapd.GROUPS
    return config


@pytest.fixture
def directory_app(app, plant_directory, site, other_site):
    """The test app logging people in through the directory; plants P1 and P2 exist."""
    app.config.update(directory_config(plant_directory))
    return app


def token_login(app, username: str, password: str):
    return app.test_client().post("/api/v1/auth/tokens", json={"username": username, "password": password})


def stored_user(app, username: str) -> User | None:
    with app.app_context():
        user = db.session.execute(select(User).where(User.username == username)).scalar_one_or_none()
        if user is not None:
            db.session.expunge(user)
        return user


def me(app, token: str) -> dict:
    response = app.test_client().get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.get_json()
    return response.get_json()["data"]


@pytest.mark.parametrize("group_lookup", ["memberOf", "group search"])
def test_directory_editor_logs_in_with_a_session_and_a_token_as_editor_of_the_mapped_plant(
        app, plant_directory, site, other_site, group_lookup):
    app.config.update(directory_config(plant_directory, group_lookup))
    browser = app.test_client()
    session = browser.post("/api/v1/auth/login", json={"username": "erika", "password": PASSWORDS["erika"]})
    assert session.status_code == 200, session.get_json()
    assert session.get_json()["data"]["role"] == "editor"
    assert browser.get("/api/v1/auth/me").get_json()["data"]["site_ids"] == [site["id"]]

    issued = token_login(app, "erika", PASSWORDS["erika"])
    assert issued.status_code == 201, issued.get_json()
    token = issued.get_json()["data"]["token"]
    assert me(app, token)["role"] == "editor"
    headers = {"Authorization": f"Bearer {token}"}
    hall = app.test_client().post("/api/v1/locations", json={"site_id": site["id"], "name": "Hall"}, headers=headers)
    assert hall.status_code == 201, hall.get_json()

    erika = stored_user(app, "erika")
    assert erika.auth_source == "ldap"
    assert not erika.password_hash.startswith("$argon2") and PASSWORDS["erika"] not in erika.password_hash


def test_directory_admin_of_every_plant_is_limited_to_no_plant(directory_app):
    issued = token_login(directory_app, "adam", PASSWORDS["adam"])
    assert issued.status_code == 201, issued.get_json()
    adam = me(directory_app, issued.get_json()["data"]["token"])
    assert (adam["username"], adam["role"], adam["site_ids"]) == ("adam", "admin", [])


def test_directory_user_in_no_mapped_group_is_refused_like_a_wrong_password(directory_app):
    refused = token_login(directory_app, "nora", PASSWORDS["nora"])
    wrong = token_login(directory_app, "erika", "Not-her-password-1")
    assert refused.status_code == wrong.status_code == 401
    assert error_of(refused)["message"] == error_of(wrong)["message"]
    assert stored_user(directory_app, "nora") is None


def test_wrong_directory_password_is_refused(directory_app):
    response = token_login(directory_app, "erika", PASSWORDS["erika"] + "x")
    assert response.status_code == 401
    assert stored_user(directory_app, "erika") is None


def test_empty_password_is_refused_though_ldap_would_call_it_an_unauthenticated_bind(directory_app):
    response = token_login(directory_app, "erika", "")
    assert response.status_code == 401, response.get_json()
    assert stored_user(directory_app, "erika") is None


@pytest.mark.parametrize("username", ["*", "eri*", "erika)(uid=*", "*)(|(uid=*", "erika\\", "erika\\2a", "(uid=erika)"])
def test_username_with_ldap_filter_characters_finds_nobody(directory_app, username):
    response = token_login(directory_app, username, PASSWORDS["erika"])
    assert response.status_code == 401, response.get_json()
    assert error_of(response)["code"] == "unauthorized"


def test_group_changes_in_the_directory_change_role_and_plants_at_the_next_login(directory_app, plant_directory,
                                                                              site, other_site):
    first = token_login(directory_app, "dave", PASSWORDS["dave"]).get_json()["data"]["token"]
    assert (me(directory_app, first)["role"], me(directory_app, first)["site_ids"]) == ("viewer", [site["id"]])
    plant_directory.join("shopdb-editors", "dave")
    plant_directory.join("plant-2", "dave")
    try:
        second = token_login(directory_app, "dave", PASSWORDS["dave"]).get_json()["data"]["token"]
        assert me(directory_app, second)["role"] == "editor"
        assert sorted(me(directory_app, second)["site_ids"]) == sorted([site["id"], other_site["id"]])
    finally:
        plant_directory.leave("shopdb-editors", "dave")
        plant_directory.leave("plant-2", "dave")
    third = token_login(directory_app, "dave", PASSWORDS["dave"]).get_json()["data"]["token"]
    assert (me(directory_app, third)["role"], me(directory_app, third)["site_ids"]) == ("viewer", [site["id"]])
    assert stored_user(directory_app, "dave").role == "viewer"


def test_a_directory_user_deactivated_in_shopdb_stays_out_though_the_directory_accepts_the_password(
        directory_app):
    assert token_login(directory_app, "erika", PASSWORDS["erika"]).status_code == 201
    with directory_app.app_context():
        db.session.execute(select(User).where(User.username == "erika")).scalar_one().is_active = False
        db.session.commit()
    assert token_login(directory_app, "erika", PASSWORDS["erika"]).status_code == 401
    assert stored_user(directory_app, "erika").is_active is False


def test_plant_groups_naming_only_unknown_plants_refuse_rather_than_grant_every_plant(directory_app):
    directory_app.config["SHOPDB_LDAP_SITE_GROUPS"] = {slapd.group_dn("plant-1"): "P9"}
    assert token_login(directory_app, "erika", PASSWORDS["erika"]).status_code == 401
    assert stored_user(directory_app, "erika") is None


def test_directory_down_answers_503_to_directory_users_and_the_local_admin_still_logs_in(
        directory_app, plant_directory):
    assert token_login(directory_app, "erika", PASSWORDS["erika"]).status_code == 201
    plant_directory.stop()
    try:
        for username in ("erika", "someone-new"):  # a known directory user, and a name ShopDB never saw
            response = token_login(directory_app, username, "Any-password-1")
            assert response.status_code == 503, response.get_json()
            assert error_of(response)["code"] == "directory_unavailable"
            assert "Local accounts can still log in" in error_of(response)["message"]
        assert token_login(directory_app, "admin", ADMIN_PASSWORD).status_code == 201
    finally:
        plant_directory.start()
    assert token_login(directory_app, "erika", PASSWORDS["erika"]).status_code == 201


def test_a_directory_that_accepts_but_never_answers_is_503_after_the_timeout(directory_app):
    with socket.socket() as silent:  # listens (the kernel completes the handshake) and never replies
        silent.bind(("127.0.0.1", free_port()))
        silent.listen(4)
        directory_app.config.update(SHOPDB_LDAP_URL=f"ldap://127.0.0.1:{silent.getsockname()[1]}",
                                    SHOPDB_LDAP_TIMEOUT="1")
        started = time.monotonic()
        response = token_login(directory_app, "erika", PASSWORDS["erika"])
    assert response.status_code == 503, response.get_json()
    assert time.monotonic() - started < 10


def test_local_account_is_not_taken_over_by_a_directory_user_of_the_same_name(directory_app, client):
    created = client.post("/api/v1/users", json={"username": "lotte", "password": "Local-lotte-pw-1", "role": "viewer"})
    assert created.status_code == 201, created.get_json()
    for name, directory_password, local_password in (("admin", PASSWORDS["admin"], ADMIN_PASSWORD),
                                                     ("lotte", PASSWORDS["lotte"], "Local-lotte-pw-1")):
        assert token_login(directory_app, name, directory_password).status_code == 401
        assert token_login(directory_app, name, local_password).status_code == 201
        kept = stored_user(directory_app, name)
        assert kept.auth_source == "local" and kept.password_hash.startswith("$argon2id$")
    assert stored_user(directory_app, "lotte").role == "viewer"


def test_a_directory_refusing_shopdbs_service_account_is_503_not_a_wrong_password(directory_app):
    directory_app.config["SHOPDB_LDAP_BIND_PASSWORD"] = "not-the-service-password"
    response = token_login(directory_app, "erika", PASSWORDS["erika"])
    assert response.status_code == 503
    assert "refused ShopDB's own account" in error_of(response)["message"]


def test_directory_settings_it_cannot_use_answer_503_and_local_logins_go_on(directory_app):
    directory_app.config["SHOPDB_LDAP_ROLE_GROUPS"] = f"superuser={slapd.group_dn('shopdb-admins')}"
    response = token_login(directory_app, "adam", PASSWORDS["adam"])
    assert response.status_code == 503
    assert "misconfigured" in error_of(response)["message"]
    assert token_login(directory_app, "admin", ADMIN_PASSWORD).status_code == 201


def test_without_a_directory_a_directory_user_cannot_log_in(directory_app):
    assert token_login(directory_app, "erika", PASSWORDS["erika"]).status_code == 201
    directory_app.config["SHOPDB_LDAP_URL"] = None
    assert token_login(directory_app, "erika", PASSWORDS["erika"]).status_code == 401
    assert token_login(directory_app, "adam", PASSWORDS["adam"]).status_code == 401


# Settings and mapping: no server needed.

def settings_with(**overrides) -> directory.DirectorySettings:
    config = {"SHOPDB_LDAP_URL": "ldaps://dc1.plant.example/", "SHOPDB_LDAP_USER_BASE": "dc=plant,dc=example",
              "SHOPDB_LDAP_ROLE_GROUPS": "editor=CN=Editors,OU=Groups,DC=plant,DC=example", **overrides}
    settings = directory.DirectorySettings.from_config(config)
    assert settings is not None
    return settings


def test_no_directory_url_means_no_directory():
    assert directory.DirectorySettings.from_config({"SHOPDB_LDAP_USER_BASE": "dc=x"}) is None


def account_in(*groups: str) -> directory.DirectoryAccount:
    """A verified account in these groups, spelled as a directory might answer them."""
    return directory.DirectoryAccount("uid=x,dc=plant", "x", frozenset(directory.normal_dn(g) for g in groups))


def test_group_dns_match_whatever_case_and_spacing_the_directory_answers_in():
    settings = settings_with()
    assert directory.access_for(settings, account_in("cn=editors, ou=groups, dc=Plant, dc=Example")) == \
        directory.Access("editor", None)
    assert settings.url == "ldaps://dc1.plant.example"


def test_the_highest_mapped_role_wins_and_plants_add_up():
    settings = settings_with(
        SHOPDB_LDAP_ROLE_GROUPS={"cn=v": "viewer", "cn=a": "admin", "cn=e": "editor"},
        SHOPDB_LDAP_SITE_GROUPS="P1,P2=cn=north;P3=cn=south;*=cn=everywhere")
    assert directory.access_for(settings, account_in("cn=v", "cn=e", "cn=north", "cn=south")) == \
        directory.Access("editor", frozenset({"P1", "P2", "P3"}))
    assert directory.access_for(settings, account_in("cn=a", "cn=everywhere", "cn=north")) == \
        directory.Access("admin", None)


def test_with_plants_mapped_a_user_in_no_plant_group_is_refused_not_given_every_plant():
    settings = settings_with(SHOPDB_LDAP_SITE_GROUPS="P1=cn=north")
    assert directory.access_for(settings, account_in("CN=Editors,OU=Groups,DC=plant,DC=example")) is None


@pytest.mark.parametrize("overrides", [
    {"SHOPDB_LDAP_URL": "https://dc1.plant.example"},
    {"SHOPDB_LDAP_URL": "ldap://dc1.plant.example/dc=plant"},
    {"SHOPDB_LDAP_USER_BASE": None},
    {"SHOPDB_LDAP_ROLE_GROUPS": ""},
    {"SHOPDB_LDAP_ROLE_GROUPS": "editor"},
    {"SHOPDB_LDAP_ROLE_GROUPS": "{not json"},
    {"SHOPDB_LDAP_ROLE_GROUPS": '{"cn=e": "owner"}'},
    {"SHOPDB_LDAP_TIMEOUT": "soon"},
])
def test_settings_that_cannot_work_are_named(overrides):
    with pytest.raises(directory.DirectoryMisconfigured, match="SHOPDB_LDAP_"):
        settings_with(**overrides)
