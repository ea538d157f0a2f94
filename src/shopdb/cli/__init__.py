"""The ``shopdb`` command: ``flask --app shopdb`` with ShopDB's own command groups."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import FlaskGroup


def register_commands(app: Flask) -> None:
    from ..plugins.cli import plugin_group
    from . import data, db, demo, users

    app.cli.add_command(db.db_group)
    app.cli.add_command(plugin_group)
    app.cli.add_command(demo.demo_command)
    app.cli.add_command(data.import_command)
    app.cli.add_command(data.export_command)
    app.cli.add_command(users.user_group)


def _create_app():
    from .. import create_app

    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, add_version_option=False,
             load_dotenv=False)
@click.version_option(package_name="shopdb", prog_name="shopdb")
def main() -> None:
    """ShopDB: machines, PCs, network, printers, USB sticks and notices of a plant."""
