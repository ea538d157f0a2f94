"""``/api/v1/choices``: the open vocabularies (choice sets) and the values an admin adds (docs/adr/0013)."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import select

from ...api import LIST_PARAMETERS, ListSpec, envelope, list_envelope, list_response, responses
from ...api.pagination import page_args, refuse_unknown_args
from ...auth import require_role
from ...extensions import db
from ..models import Choice
from ..schemas.choices import ChoiceSchema, ChoiceSetSchema
from ..services import choices

blp = Blueprint("choices", __name__, url_prefix="/api/v1/choices",
                description="Open vocabularies (equipment types, PC types...): bundled values plus an admin's")
SPEC = ListSpec(
    fields={"slug": Choice.slug, "label": Choice.label, "built_in": Choice.built_in, "plugin": Choice.plugin,
            "position": Choice.position},
    search=[Choice.slug, Choice.label], default_sort=["position", "slug"], tiebreak=[Choice.id],
)


@blp.route("")
class ChoiceSets(MethodView):
    @blp.doc(parameters=LIST_PARAMETERS[:2])
    @blp.response(200, list_envelope(ChoiceSetSchema))
    def get(self):
        """The choice sets the enabled plugins declare, with their current values."""
        refuse_unknown_args({"page", "per_page"})
        page, per_page = page_args()
        declared = choices.declared_sets()
        shown = declared[(page - 1) * per_page:page * per_page]
        rows = db.session.execute(
            select(Choice).where(Choice.set_name.in_([s.name for s in shown]), Choice.hidden.is_(False))
            .order_by(Choice.position, Choice.slug)).scalars() if shown else []
        by_set: dict[str, list[Choice]] = {}
        for row in rows:
            by_set.setdefault(row.set_name, []).append(row)
        items = [{"name": s.name, "plugin": s.plugin, "stored_in": [f"{t}.{c}" for t, c in s.stored_in],
                  "values": by_set.get(s.name, [])} for s in shown]
        return responses.listing(items, page, per_page, len(declared))


@blp.route("/<set_name>")
class ChoiceValues(MethodView):
    @blp.doc(parameters=LIST_PARAMETERS)
    @blp.response(200, list_envelope(ChoiceSchema))
    def get(self, set_name):
        """The values of one set, in their order: the slug to send, the label to show."""
        choices.get_set(set_name)
        stmt = select(Choice).where(Choice.set_name == set_name, Choice.hidden.is_(False))
        return list_response(stmt, SPEC)

    @require_role("admin")
    @blp.arguments(ChoiceSchema)
    @blp.response(201, envelope(ChoiceSchema))
    def post(self, body, set_name):
        """Add a value (admin); a removed built-in value comes back."""
        choice = choices.add(set_name, body["slug"], body["label"])
        return responses.single(choice, 201)


@blp.route("/<set_name>/<slug>")
class ChoiceValue(MethodView):
    @require_role("admin")
    @blp.response(204)
    def delete(self, set_name, slug):
        """Remove a value no row uses (admin); 409 names where it is still used."""
        choices.remove(set_name, slug)
        return responses.no_content()
