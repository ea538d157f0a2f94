"""``shopdb user``: create users and reset passwords from the shell."""

from __future__ import annotations

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from ..auth.passwords import hash_password
from ..core.models import ROLES, User
from ..extensions import db
from .output import console, fail


@click.group("user")
def user_group() -> None:
    """Manage users."""


@user_group.command("create")
@click.argument("username")
@click.option("--role", type=click.Choice(ROLES), default="viewer", show_default=True)
@click.password_option(help="at least 10 characters")
@with_appcontext
def create_user(username: str, role: str, password: str) -> None:
    """Create USERNAME with ROLE."""
    if len(password) < 10:
        fail("the password needs at least 10 characters")
    if db.session.execute(select(User).where(User.username == username)).scalar_one_or_none():
        fail(f"user {username!r} already exists")
    db.session.add(User(username=username, role=role, password_hash=hash_password(password)))
    db.session.commit()
    console.print(f"created user {username!r} with role {role}")


@user_group.command("set-password")
@click.argument("username")
@click.password_option()
@with_appcontext
def set_password(username: str, password: str) -> None:
    """Set a new password for USERNAME."""
    user = db.session.execute(select(User).where(User.username == username)).scalar_one_or_none()
    if user is None:
        fail(f"no user {username!r}")
    if len(password) < 10:
        fail("the password needs at least 10 characters")
    user.password_hash = hash_password(password)
    db.session.commit()
    console.print(f"password of {username!r} changed")
