"""The pinned Shopify Admin GraphQL schema (2026-10), built once per process.

Plain graphql-core, no Odoo import: ``codegen.py`` loads this module as a script too.
The introspection file trips graphql-core's own schema self-check, hence
``assume_valid=True`` (see ``schema/ORIGIN.md``).
"""

import functools
import gzip
import json
from pathlib import Path

from graphql import GraphQLError, GraphQLSchema, build_client_schema, parse
from graphql import validate as graphql_validate

API_VERSION = "2026-10"
SCHEMA_PATH = Path(__file__).resolve().parent / "schema" / ("admin_%s.json.gz" % API_VERSION)


@functools.lru_cache(maxsize=1)
def load_schema() -> GraphQLSchema:
    """The client schema of the pinned API version (cached for the process)."""
    with gzip.open(SCHEMA_PATH, "rt", encoding="utf-8") as fh:
        introspection = json.load(fh)
    return build_client_schema(introspection["data"], assume_valid=True)


def validate(document_text: str) -> list[str]:
    """Parse and validate a GraphQL document against the pinned schema.

    Returns readable messages, with their line and column; empty when the document
    is valid.
    """
    try:
        document = parse(document_text)
    except GraphQLError as exc:
        return [_describe(exc)]
    return [_describe(error) for error in graphql_validate(load_schema(), document)]


def _describe(error: GraphQLError) -> str:
    if error.locations:
        where = ", ".join("line %s col %s" % (loc.line, loc.column) for loc in error.locations)
        return "%s (%s)" % (error.message, where)
    return error.message
