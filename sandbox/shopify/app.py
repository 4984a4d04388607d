"""One sandbox instance: store, auth, cost bucket, webhooks, faults, bulk; and the
GraphQL request pipeline (parse -> validate -> cost -> throttle -> execute)."""

from __future__ import annotations

import re

from graphql import (
    DocumentNode,
    ExecutionResult,
    GraphQLError,
    execute,
    get_operation_ast,
    parse,
    validate,
)

from . import mutations, refund_resolvers  # noqa: F401  (register their resolvers)
from .auth import TokenStore
from .bulk import BulkManager
from .config import Config
from .cost import CostCalculator, LeakyBucket
from .faults import Faults
from .resolvers import Context, resolve_field, resolve_type
from .schema import build_schema
from .store import Store
from .webhooks import PayloadBuilder, WebhookDispatcher

THROTTLE_DOC = "https://shopify.dev/api/usage/rate-limits"

# graphql-core validation messages -> graphql-ruby (Shopify) wording and codes
_REWRITES: list[tuple[re.Pattern, str, str]] = [
    (
        re.compile(r"^Cannot query field '(?P<f>\w+)' on type '(?P<t>\w+)'\..*$", re.S),
        "Field '{f}' doesn't exist on type '{t}'",
        "undefinedField",
    ),
    (
        re.compile(r"^Unknown argument '(?P<a>\w+)' on field '(?P<t>\w+)\.(?P<f>\w+)'\..*$", re.S),
        "Field '{f}' doesn't accept argument '{a}'",
        "argumentNotAccepted",
    ),
    (
        re.compile(r"^Field '(?P<f>\w+)' is not defined by type '(?P<t>\w+)'\..*$", re.S),
        "InputObject '{t}' doesn't accept argument '{f}'",
        "argumentNotAccepted",
    ),
    (
        re.compile(
            r"^Field '(?P<f>\w+)' argument '(?P<a>\w+)' of type '.*' is required, "
            r"but it was not provided\.$"
        ),
        "Field '{f}' is missing required arguments: {a}",
        "missingRequiredArguments",
    ),
    (
        re.compile(r"^Field '(?P<t>\w+)\.(?P<f>\w+)' of required type '.*' was not provided\.$"),
        "Argument '{f}' on InputObject '{t}' is required. Expected type {t}",
        "missingRequiredInputObjectAttribute",
    ),
    (
        re.compile(
            r"^Field '(?P<f>\w+)' of type '(?P<t>[^']+)' must have a selection of subfields.*$"
        ),
        "Field must have selections (field '{f}' returns {t} but has no selections. "
        "Did you mean '{f} {{ ... }}'?)",
        "selectionMismatch",
    ),
]


def shopify_error(error: GraphQLError, default_code: str) -> dict:
    formatted = error.formatted
    message = error.message
    code = default_code
    for pattern, template, rewrite_code in _REWRITES:
        match = pattern.match(message)
        if match:
            message = template.format(**match.groupdict())
            code = rewrite_code
            break
    out = {"message": message}
    if formatted.get("locations"):
        out["locations"] = formatted["locations"]
    if formatted.get("path"):
        out["path"] = formatted["path"]
    extensions = dict(formatted.get("extensions") or {})
    extensions.setdefault("code", code)
    out["extensions"] = extensions
    return out


class SandboxApp:
    def __init__(self, config: Config | None = None):
        self.config = config or Config()
        self.schema = build_schema()
        self.store = Store()
        self.auth = TokenStore(self.config)
        self.bucket = LeakyBucket(self.config)
        self.faults = Faults()
        self.webhooks = WebhookDispatcher(self.store, self.config)
        self.bulk = BulkManager(self)
        self.payloads = PayloadBuilder(self.store)
        self.store.payload_builder = self.payloads
        self.store.on_event = self.webhooks.emit
        self.base_url = "http://127.0.0.1"

    def reset(self) -> None:
        with self.store.lock:
            self.store.reset()
            self.webhooks.clear()
            self.faults.clear()
            self.bucket.reset()

    def stop(self) -> None:
        self.webhooks.stop()

    # ------------------------------------------------------------ execution
    def execute(self, document: DocumentNode, variables, operation_name, bulk: bool = False):
        with self.store.lock:
            return execute(
                self.schema,
                document,
                root_value={},
                context_value=Context(self, bulk=bulk),
                variable_values=variables or {},
                operation_name=operation_name,
                field_resolver=resolve_field,
                type_resolver=resolve_type,
            )

    def _cost_ext(self, requested, actual) -> dict:
        return {
            "cost": {
                "requestedQueryCost": requested,
                "actualQueryCost": actual,
                "throttleStatus": self.bucket.status(),
            }
        }

    def graphql(self, body: dict) -> dict:
        """Run one GraphQL request; returns the JSON response (always HTTP 200)."""
        query = body.get("query")
        variables = body.get("variables") or {}
        operation_name = body.get("operationName") or None
        if not isinstance(query, str) or not query.strip():
            return {
                "errors": [
                    {
                        "message": "No query string was present",
                        "extensions": {"code": "BAD_REQUEST"},
                    }
                ],
                "extensions": self._cost_ext(0, 0),
            }
        if not isinstance(variables, dict):
            return {
                "errors": [
                    {
                        "message": "Variables must be an object",
                        "extensions": {"code": "BAD_REQUEST"},
                    }
                ],
                "extensions": self._cost_ext(0, 0),
            }
        try:
            document = parse(query)
        except GraphQLError as exc:
            return {
                "errors": [shopify_error(exc, "PARSE_ERROR")],
                "extensions": self._cost_ext(0, 0),
            }
        errors = validate(self.schema, document)
        if errors:
            return {
                "errors": [shopify_error(e, "GRAPHQL_VALIDATION_FAILED") for e in errors],
                "extensions": self._cost_ext(0, 0),
            }
        operation = get_operation_ast(document, operation_name)
        if operation is None:
            message = (
                f'No operation named "{operation_name}"'
                if operation_name
                else "An operation name is required when the document has several operations"
            )
            return {
                "errors": [{"message": message, "extensions": {"code": "BAD_REQUEST"}}],
                "extensions": self._cost_ext(0, 0),
            }
        calc = CostCalculator(self.schema, document, operation, variables)
        requested = calc.requested()
        limit = self.config.max_query_cost
        if requested > limit:
            return {
                "errors": [
                    {
                        "message": f"Query cost is {requested}, which exceeds the single query max "
                        f"cost limit ({limit}).\n\nSee {THROTTLE_DOC} for more information on how "
                        "the cost of a query is calculated.\n\nTo query larger amounts of data "
                        "with fewer "
                        "limits, bulk operations should be used instead.\nSee "
                        "https://shopify.dev/docs/api/usage/bulk-operations/queries "
                        "for usage details.\n",
                        "extensions": {
                            "code": "MAX_COST_EXCEEDED",
                            "cost": requested,
                            "maxCost": limit,
                        },
                    }
                ],
                "extensions": self._cost_ext(requested, None),
            }
        if not self.bucket.take(requested):
            return {
                "errors": [
                    {
                        "message": "Throttled",
                        "extensions": {"code": "THROTTLED", "documentation": THROTTLE_DOC},
                    }
                ],
                "extensions": self._cost_ext(requested, None),
            }
        result: ExecutionResult = self.execute(document, variables, operation_name)
        if result.data is None and result.errors:
            # variable coercion failed: nothing ran, refund everything
            self.bucket.refund(requested)
            return {
                "errors": [shopify_error(e, "INVALID_VARIABLE") for e in result.errors],
                "extensions": self._cost_ext(requested, 0),
            }
        actual = min(calc.actual(result.data), requested)
        self.bucket.refund(requested - actual)
        response: dict = {"data": result.data}
        if result.errors:
            response["errors"] = [shopify_error(e, "INTERNAL_SERVER_ERROR") for e in result.errors]
        response["extensions"] = self._cost_ext(requested, actual)
        return response
