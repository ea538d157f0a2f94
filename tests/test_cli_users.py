"""``shopdb user``: an operator manages users from the shell with the same rules as the API."""

from __future__ import annotations

from sqlalchemy import select

from shopdb.core.models import AuditLog, User
from shopdb.extensions import db
from shopdb.testing import token_for

PASSWORD = "A-long-password-1"


def run(runner, *args: str, password: str | None = None):
    extra = ["--password", password] if password is not None else []
    return runner.invoke(args=["user", *args, *extra])


def test_an_operator_manages_a_user_from_the_shell(app, runner, client, site):
    created = run(runner, "create", "anna", "--role", "viewer", "--site", "P1", password=PASSWORD)
    assert created.exit_code == 0, created.output
    assert "created user 'anna' with role viewer (P1)" in created.output
    assert "anna  viewer  active  local  sites: P1" in run(runner, "list").output

    assert "from viewer to editor" in run(runner, "set-role", "anna", "editor").output
    assert "already has role editor" in run(runner, "set-role", "anna", "editor").output
    assert "limited to: all sites" in run(runner, "set-sites", "anna", "--all").output
    assert "limited to: P1" in run(runner, "set-sites", "anna", "p1").output

    token = {"Authorization": f"Bearer {token_for(client, 'anna', PASSWORD)}"}
    deactivated = run(runner, "deactivate", "anna")
    assert deactivated.exit_code == 0 and "1 token(s) revoked" in deactivated.output
    assert client.get("/api/v1/auth/me", headers=token).status_code == 401
    assert "activated 'anna'" in run(runner, "activate", "anna").output
    changed = run(runner, "set-password", "anna", password="Brand-new-password-5")
    assert changed.exit_code == 0 and "password of 'anna' changed" in changed.output
    assert token_for(client, "anna", "Brand-new-password-5")

    with app.app_context():
        entries = db.session.execute(select(AuditLog.action, AuditLog.username)
                                     .where(AuditLog.table_name == "users", AuditLog.action != "login")
                                     .order_by(AuditLog.id)).all()
    actions = [a for a, _who in entries]
    assert actions == ["create", "sites_changed", "role_changed", "sites_changed", "sites_changed",
                       "deactivated", "activated", "password_changed"]
    assert all(who.startswith("cli:") for _a, who in entries)


def test_refusals_are_one_error_line_and_a_non_zero_exit(app, runner):
    run(runner, "create", "dana", password=PASSWORD)
    with app.app_context():
        db.session.execute(select(User).where(User.username == "dana")).scalar_one().auth_source = "ldap"
        db.session.commit()
    cases = [
        (("set-role", "ghost", "admin"), "no user 'ghost'"),
        (("deactivate", "admin"), "last active admin"),
        (("set-role", "admin", "viewer"), "last active admin"),
        (("set-sites", "dana", "XX"), "no site with code 'XX'"),
        (("set-sites", "dana"), "--all"),
        (("create", "dana", "--password", PASSWORD), "already exists"),
        (("create", "eve", "--password", "short"), "At least 10 characters"),
        (("set-password", "dana", "--password", "A-local-password-1"), "directory"),
    ]
    for args, message in cases:
        result = run(runner, *args)
        assert result.exit_code != 0, args
        lines = [line for line in result.output.splitlines() if line.strip()]
        assert len(lines) == 1 and lines[0].startswith("Error: ") and message in lines[0], (args, result.output)
    with app.app_context():
        admin = db.session.execute(select(User).where(User.username == "admin")).scalar_one()
        assert (admin.role, admin.is_active) == ("admin", True)
