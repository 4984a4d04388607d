"""The real Shopify Admin GraphQL schema (2026-10), built once per process."""

from __future__ import annotations

import functools
import gzip
import json
from pathlib import Path

from graphql import GraphQLSchema, build_client_schema, parse, validate
from graphql.error import GraphQLError

API_VERSION = "2026-10"
# One copy of the contract in the project: the connector's, which it validates against.
SCHEMA_PATH = (
    Path(__file__).resolve().parents[2]
    / "addons"
    / "shopify_connector"
    / "api"
    / "schema"
    / f"admin_{API_VERSION}.json.gz"
)


@functools.lru_cache(maxsize=1)
def load_introspection() -> dict:
    with gzip.open(SCHEMA_PATH, "rt", encoding="utf-8") as fh:
        return json.load(fh)


@functools.lru_cache(maxsize=1)
def build_schema() -> GraphQLSchema:
    """Return the (cached) client schema. The introspection trips graphql-core's
    self check, hence ``assume_valid=True``."""
    return build_client_schema(load_introspection()["data"], assume_valid=True)


def validation_errors(text: str) -> list[GraphQLError]:
    """Parse and validate ``text``; return graphql-core errors (empty when valid)."""
    try:
        document = parse(text)
    except GraphQLError as exc:
        return [exc]
    return list(validate(build_schema(), document))


def validate_document(text: str) -> list[str]:
    """Validate a GraphQL document against the 2026-10 Admin schema.

    Returns a list of human-readable error messages (empty when the document is valid).
    Meant for connector tests: ``assert validate_document(QUERY) == []``.
    """
    return [err.message for err in validation_errors(text)]
