"""The ``shopdb`` command: ``flask --app shopdb`` with ShopDB's own command groups."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import FlaskGroup, ScriptInfo


def register_commands(app: Flask) -> None:
    from . import choices, data, db, demo, labels, search, users, worker
    from .plugins import plugin_group

    app.cli.add_command(db.db_group)
    app.cli.add_command(plugin_group)
    app.cli.add_command(demo.demo_command)
    app.cli.add_command(data.import_command)
    app.cli.add_command(data.export_command)
    app.cli.add_command(users.user_group)
    app.cli.add_command(worker.worker_command)
    app.cli.add_command(worker.outbox_group)
    app.cli.add_command(choices.choices_group)
    app.cli.add_command(search.search_group)
    app.cli.add_command(labels.labels_command)


class ShopdbGroup(FlaskGroup):
    """``flask --app shopdb`` whose commands end with one line, not a traceback, when the database
    cannot be reached or is not set up (the operator's problem to fix, not a bug to report).

    The app is found by import path (``shopdb:create_app``), as ``flask --app shopdb`` would: the
    factory registers these commands, so this package never imports the factory back.
    """

    def make_context(self, info_name, args, parent=None, **extra):
        extra.setdefault("obj", ScriptInfo(app_import_path="shopdb:create_app", set_debug_flag=self.set_debug_flag,
                                           load_dotenv_defaults=self.load_dotenv))
        return super().make_context(info_name, args, parent=parent, **extra)

    def invoke(self, ctx: click.Context):
        from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError

        try:
            return super().invoke(ctx)
        except (DBAPIError, ArgumentError, NoSuchModuleError) as exc:
            first = (str(getattr(exc, "orig", None) or exc).strip().splitlines() or ["?"])[0]
            hint = ""
            if "no such table" in first or "doesn't exist" in first or "does not exist" in first:
                hint = " (is the database set up? run `shopdb db upgrade`)"
            click.echo(f"Error: database problem: {first}{hint}", err=True)
            ctx.exit(1)


@click.group(cls=ShopdbGroup, add_version_option=False, load_dotenv=False)
@click.version_option(package_name="shopdb", prog_name="shopdb")
def main() -> None:
    """ShopDB: machines, PCs, network, printers, USB sticks and notices of a plant."""
