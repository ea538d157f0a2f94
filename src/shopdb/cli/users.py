"""``shopdb user``: the user lifecycle from the shell — list, create, role, sites, (de)activate, password.

The same rules as ``/api/v1/users`` (``shopdb.auth.accounts``): the last active admin stays, directory
users have no local password, deactivation ends sessions and revokes tokens. Every change is audited,
attributed to ``cli:<operating-system user>``.
"""

from __future__ import annotations

import getpass
from collections.abc import Callable

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from ..api.errors import ApiError
from ..auth import accounts
from ..auth.passwords import hash_password
from ..core.models import ROLES, Site, User
from ..core.models.keys import normal_key
from ..core.services import audit, writes
from ..extensions import db
from .output import console, fail


@click.group("user")
def user_group() -> None:
    """Manage users."""


def _as_operator() -> None:
    """Changes made here are the shell user's: say so in the audit log."""
    try:
        who = getpass.getuser()
    except (KeyError, OSError):
        who = "unknown"
    audit.set_cli_actor(None, f"cli:{who}"[:64])


def _user(username: str) -> User:
    user = db.session.execute(
        select(User).where(User.username_key == normal_key((username,)))
    ).scalar_one_or_none()
    if user is None:
        fail(f"no user {username!r}")
    return user


def _sites(codes: tuple[str, ...]) -> list[Site]:
    sites = []
    for code in codes:
        site = db.session.execute(select(Site).where(Site.code_key == normal_key((code,)))).scalar_one_or_none()
        if site is None:
            fail(f"no site with code {code!r}")
        sites.append(site)
    return sites


def _apply(change: Callable[[], object]) -> object:
    """Run one lifecycle change and commit it; a refused change is one ``Error:`` line and exit 1."""
    _as_operator()
    try:
        result = change()
        db.session.commit()
    except ApiError as error:
        db.session.rollback()
        fields = error.details.get("fields") if error.details else None
        detail = "; ".join(f"{k}: {' '.join(v)}" for k, v in fields.items()) if fields else ""
        fail(detail or error.message)
    return result


def _site_codes(user: User) -> str:
    return ",".join(sorted(s.code for s in user.sites)) or "all sites"


@user_group.command("list")
@with_appcontext
def list_users() -> None:
    """List users: name, role, state, where the password is checked, sites, last login."""
    users = db.session.execute(select(User).order_by(User.username)).scalars().all()
    for user in users:
        state = "active" if user.is_active else "inactive"
        last = user.last_login_at.strftime("%Y-%m-%d %H:%M UTC") if user.last_login_at else "never"
        console.print(f"{user.username}  {user.role}  {state}  {user.auth_source}  sites: {_site_codes(user)}  "
                      f"last login: {last}", markup=False)
    console.print(f"{len(users)} user(s)")


@user_group.command("create")
@click.argument("username")
@click.option("--role", type=click.Choice(ROLES), default="viewer", show_default=True)
@click.option("--site", "sites", multiple=True, metavar="CODE", help="limit to this site (repeatable); none: all")
@click.password_option(help="at least 10 characters")
@with_appcontext
def create_user(username: str, role: str, sites: tuple[str, ...], password: str) -> None:
    """Create USERNAME with ROLE."""
    if db.session.execute(select(User).where(User.username_key == normal_key((username,)))).scalar_one_or_none():
        fail(f"user {username!r} already exists")
    limited_to = _sites(sites)

    def create() -> User:
        accounts.check_new_password(password)
        user = writes.create(User, username=username, role=role, password_hash=hash_password(password))
        accounts.set_sites(user, limited_to)
        return user

    user = _apply(create)
    console.print(f"created user {username!r} with role {role} ({_site_codes(user)})")


@user_group.command("set-role")
@click.argument("username")
@click.argument("role", type=click.Choice(ROLES))
@with_appcontext
def set_role(username: str, role: str) -> None:
    """Give USERNAME the role ROLE (the last active admin cannot be demoted)."""
    user = _user(username)
    old = user.role
    if _apply(lambda: accounts.set_role(user, role)):
        console.print(f"role of {username!r} changed from {old} to {role}")
    else:
        console.print(f"{username!r} already has role {role}; nothing changed")


@user_group.command("set-sites")
@click.argument("username")
@click.argument("codes", nargs=-1, metavar="[SITE_CODE]...")
@click.option("--all", "all_sites", is_flag=True, help="no limit: every site")
@with_appcontext
def set_sites(username: str, codes: tuple[str, ...], all_sites: bool) -> None:
    """Limit USERNAME to the sites SITE_CODE..., or to none with --all (every site)."""
    if bool(codes) == all_sites:
        fail("name the site codes, or pass --all for every site (not both)")
    user = _user(username)
    sites = _sites(codes)
    if _apply(lambda: accounts.set_sites(user, sites)):
        console.print(f"{username!r} is now limited to: {_site_codes(user)}")
    else:
        console.print(f"{username!r} already has {_site_codes(user)}; nothing changed")


@user_group.command("deactivate")
@click.argument("username")
@with_appcontext
def deactivate(username: str) -> None:
    """Deactivate USERNAME: their sessions end and their tokens are revoked at once."""
    user = _user(username)
    revoked = _apply(lambda: accounts.deactivate(user))
    if revoked is None:
        console.print(f"{username!r} was already inactive; nothing changed")
    else:
        console.print(f"deactivated {username!r}: sessions ended, {revoked} token(s) revoked")


@user_group.command("activate")
@click.argument("username")
@with_appcontext
def activate(username: str) -> None:
    """Let USERNAME log in again (old tokens stay revoked)."""
    user = _user(username)
    if _apply(lambda: accounts.activate(user)):
        console.print(f"activated {username!r}")
    else:
        console.print(f"{username!r} was already active; nothing changed")


@user_group.command("set-password")
@click.argument("username")
@click.password_option(help="at least 10 characters")
@with_appcontext
def set_password(username: str, password: str) -> None:
    """Set a new password for USERNAME (a local user); their sessions end, their tokens stay."""
    user = _user(username)
    _apply(lambda: accounts.set_password(user, password))
    console.print(f"password of {username!r} changed; their sessions have ended")
