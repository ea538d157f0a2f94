"""What a search hook returns: the assets a text matches, and the field it matched in (``/api/v1/search``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Select, String, case, literal, or_, select
from sqlalchemy.sql.elements import ColumnElement


def search_matches(assetid: ColumnElement[Any], conditions: Mapping[str, ColumnElement[bool]]) -> Select:
    """``SELECT assetid, matched`` of the rows meeting any of ``conditions`` (``{field name: condition}``).

    ``matched`` names the first condition a row meets, in the mapping's order. The core UNIONs these
    SELECTs, counts and pages them in SQL, so the statement carries no ORDER BY or LIMIT of its own.
    """
    if not conditions:
        raise ValueError("search_matches needs at least one condition")
    matched = case(*[(condition, literal(field, String)) for field, condition in conditions.items()])
    return select(assetid.label("assetid"), matched.label("matched")).where(or_(*conditions.values()))
