"""``shopdb choices``: list, add and remove values of the open vocabularies (docs/adr/0013)."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from ..api.errors import ApiError
from ..core.services import choices
from .output import console, fail


@click.group("choices")
def choices_group() -> None:
    """Open vocabularies (equipment types, PC types...): list, add and remove values."""


@choices_group.command("list")
@click.argument("set_name", required=False)
@with_appcontext
def list_choices(set_name: str | None) -> None:
    """The choice sets, or the values of SET_NAME (slug, label, built-in or added)."""
    if set_name is None:
        for declared in choices.declared_sets():
            where = ", ".join(f"{t}.{c}" for t, c in declared.stored_in) or "-"
            console.print(f"{declared.name}  ({len(choices.values(declared.name))} values; "
                          f"plugin {declared.plugin or '-'}; stored in {where})")
        return
    try:
        choices.get_set(set_name)
    except ApiError as exc:
        fail(f"{exc.message} Known sets: {', '.join(s.name for s in choices.declared_sets()) or 'none'}.")
    for choice in choices.values(set_name):
        click.echo(f"{choice.slug}\t{choice.label}\t{'built-in' if choice.built_in else 'added'}")  # tabs for cut/awk


def _refused(exc: ApiError) -> None:
    fields = exc.details.get("fields") if isinstance(exc.details, dict) else None
    detail = "; ".join(f"{k}: {' '.join(map(str, v))}" for k, v in (fields or {}).items())
    fail(f"{exc.message}{' ' + detail if detail else ''}")


@choices_group.command("add")
@click.argument("set_name")
@click.argument("slug")
@click.option("--label", required=True, help='what people read, e.g. "Injection moulding"')
@with_appcontext
def add_choice(set_name: str, slug: str, label: str) -> None:
    """Add SLUG to SET_NAME (e.g. shopdb choices add equipment_type injection_moulding --label "...")."""
    try:
        choice = choices.add(set_name, slug, label)
    except ApiError as exc:
        _refused(exc)
    console.print(f"added {choice.slug!r} ({choice.label}) to {set_name}")


@choices_group.command("remove")
@click.argument("set_name")
@click.argument("slug")
@with_appcontext
def remove_choice(set_name: str, slug: str) -> None:
    """Remove SLUG from SET_NAME; refused while a row uses it."""
    try:
        choices.remove(set_name, slug)
    except ApiError as exc:
        _refused(exc)
    console.print(f"removed {slug!r} from {set_name}")
