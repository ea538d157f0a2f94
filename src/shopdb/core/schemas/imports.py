"""What ``POST /api/v1/import`` answers: the outcome of the run and every refused row's problems."""

from __future__ import annotations

from marshmallow import fields

from .common import StrictSchema


class ImportErrorSchema(StrictSchema):
    line = fields.Int(allow_none=True, metadata={"description": "the file's line the row starts on (CSV, JSON "
                                                                "Lines); null for an item of a JSON list"})
    where = fields.Str(metadata={"description": "`line 12` or `index 3` (a JSON list's item, from 0)"})
    field = fields.Str(allow_none=True, metadata={"description": "the column the problem is about; null when "
                                                                 "it is about the whole row"})
    message = fields.Str()


class ImportResultSchema(StrictSchema):
    rows = fields.Int(metadata={"description": "data rows read"})
    created = fields.Int(metadata={"description": "assets created (on a dry run or a refused file: that would be)"})
    updated = fields.Int()
    unchanged = fields.Int()
    refused = fields.Int(metadata={"description": "rows refused; each has one or more `errors`"})
    written = fields.Bool(metadata={"description": "true when the file was imported; false on a dry run and "
                                                   "whenever a row was refused (then nothing is written)"})
    dry_run = fields.Bool()
    places_created = fields.Dict(keys=fields.Str(), values=fields.Int(), metadata={
        "description": "sites, locations and asset types the file names that are (or would be) created"})
    errors = fields.List(fields.Nested(ImportErrorSchema), metadata={
        "description": "the refused rows' problems in file order, one per field (at most the first 1000)"})
