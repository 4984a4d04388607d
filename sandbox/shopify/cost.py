"""Calculated query cost and the leaky bucket, as Shopify documents them.

Costs: scalar and enum fields 0, object (and interface/union) fields 1, connections
``2 + first * (cost of one node)``, each mutation root field 10. The requested cost is
computed from the document before execution (from ``first``/``last``); the actual cost
is computed afterwards from the data really returned, so it can be lower.
"""

from __future__ import annotations

import threading
import time

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    get_named_type,
    is_leaf_type,
    is_list_type,
    is_non_null_type,
)
from graphql.utilities import value_from_ast_untyped

MUTATION_COST = 10
CONNECTION_BASE_COST = 2


def _is_connection(named) -> bool:
    fields = getattr(named, "fields", None) or {}
    return named.name.endswith("Connection") and ("edges" in fields or "nodes" in fields)


def _unwrap_list(type_):
    if is_non_null_type(type_):
        type_ = type_.of_type
    return is_list_type(type_)


class CostCalculator:
    def __init__(self, schema: GraphQLSchema, document: DocumentNode, operation, variables):
        self.schema = schema
        self.operation: OperationDefinitionNode = operation
        self.variables = variables or {}
        self.fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }

    # ---------------------------------------------------------------- helpers
    def _arg(self, node: FieldNode, name: str):
        for arg in node.arguments or ():
            if arg.name.value == name:
                return value_from_ast_untyped(arg.value, self.variables)
        return None

    def _skipped(self, node) -> bool:
        for directive in node.directives or ():
            name = directive.name.value
            if name not in ("skip", "include"):
                continue
            cond = None
            for arg in directive.arguments or ():
                if arg.name.value == "if":
                    cond = bool(value_from_ast_untyped(arg.value, self.variables))
            if name == "skip" and cond:
                return True
            if name == "include" and cond is False:
                return True
        return False

    def _fields(self, parent_type, selection_set: SelectionSetNode | None):
        """Yield (FieldNode, field definition) for a selection set, fragments inlined."""
        if selection_set is None:
            return
        for sel in selection_set.selections:
            if self._skipped(sel):
                continue
            if isinstance(sel, FieldNode):
                name = sel.name.value
                if name.startswith("__"):
                    continue
                fields = getattr(parent_type, "fields", None) or {}
                definition = fields.get(name)
                if definition is not None:
                    yield sel, definition
            elif isinstance(sel, InlineFragmentNode):
                cond = sel.type_condition
                target = self.schema.get_type(cond.name.value) if cond else parent_type
                yield from self._fields(target or parent_type, sel.selection_set)
            elif isinstance(sel, FragmentSpreadNode):
                frag = self.fragments.get(sel.name.value)
                if frag is not None:
                    target = self.schema.get_type(frag.type_condition.name.value)
                    yield from self._fields(target or parent_type, frag.selection_set)

    # -------------------------------------------------------------- requested
    def requested(self) -> int:
        root = self._root_type()
        if self.operation.operation == OperationType.MUTATION:
            return MUTATION_COST * sum(1 for _ in self._fields(root, self.operation.selection_set))
        return self._selection_cost(root, self.operation.selection_set)

    def _root_type(self):
        if self.operation.operation == OperationType.MUTATION:
            return self.schema.mutation_type
        return self.schema.query_type

    def _selection_cost(self, parent_type, selection_set) -> int:
        total = 0
        for node, definition in self._fields(parent_type, selection_set):
            total += self._field_cost(node, definition)
        return total

    def _field_cost(self, node: FieldNode, definition) -> int:
        named = get_named_type(definition.type)
        if is_leaf_type(named):
            return 0
        if _is_connection(named):
            size = self._arg(node, "first") or self._arg(node, "last") or 0
            return CONNECTION_BASE_COST + int(size) * self._node_cost(named, node.selection_set)
        count = 1
        if _unwrap_list(definition.type):
            count = int(self._arg(node, "first") or 1)
        return count * (1 + self._selection_cost(named, node.selection_set))

    def _node_cost(self, connection_type, selection_set) -> int:
        """Cost of one element of a connection (edges.node or nodes)."""
        best = 0
        for node, definition in self._fields(connection_type, selection_set):
            name = node.name.value
            if name == "nodes":
                named = get_named_type(definition.type)
                best = max(best, 1 + self._selection_cost(named, node.selection_set))
            elif name == "edges":
                edge_type = get_named_type(definition.type)
                for sub, sub_def in self._fields(edge_type, node.selection_set):
                    if sub.name.value == "node":
                        named = get_named_type(sub_def.type)
                        best = max(best, 1 + self._selection_cost(named, sub.selection_set))
                    else:
                        best = max(best, self._field_cost(sub, sub_def))
        return best

    # ----------------------------------------------------------------- actual
    def actual(self, data: dict | None) -> int:
        if data is None:
            return 0
        root = self._root_type()
        if self.operation.operation == OperationType.MUTATION:
            return self.requested()
        return self._actual_selection(root, self.operation.selection_set, data)

    def _actual_selection(self, parent_type, selection_set, data) -> int:
        if not isinstance(data, dict):
            return 0
        total = 0
        for node, definition in self._fields(parent_type, selection_set):
            key = node.alias.value if node.alias else node.name.value
            total += self._actual_field(node, definition, data.get(key))
        return total

    def _actual_field(self, node: FieldNode, definition, value) -> int:
        named = get_named_type(definition.type)
        if is_leaf_type(named):
            return 0
        if _is_connection(named):
            if not isinstance(value, dict):
                return CONNECTION_BASE_COST
            total = CONNECTION_BASE_COST
            items = value.get("nodes")
            edges = value.get("edges")
            count = max(len(items or []), len(edges or []))
            per_item = []
            for sub, sub_def in self._fields(named, node.selection_set):
                key = sub.alias.value if sub.alias else sub.name.value
                if sub.name.value == "nodes":
                    per_item = [
                        1
                        + self._actual_selection(get_named_type(sub_def.type), sub.selection_set, n)
                        for n in value.get(key) or []
                    ]
                elif sub.name.value == "edges":
                    edge_type = get_named_type(sub_def.type)
                    costs = [
                        self._actual_selection(edge_type, sub.selection_set, e)
                        for e in value.get(key) or []
                    ]
                    if sum(costs) > sum(per_item):
                        per_item = costs
            total += sum(per_item) if per_item else 0
            return total if count else CONNECTION_BASE_COST
        if isinstance(value, list):
            return sum(1 + self._actual_selection(named, node.selection_set, v) for v in value)
        if value is None:
            return 1
        return 1 + self._actual_selection(named, node.selection_set, value)


class LeakyBucket:
    """One bucket per shop: ``currentlyAvailable`` refills at ``restoreRate``/s."""

    def __init__(self, config):
        self.config = config
        self._lock = threading.Lock()
        self._available = float(config.effective_bucket_size)
        self._stamp = time.monotonic()

    def _refill(self) -> None:
        now = time.monotonic()
        capacity = float(self.config.effective_bucket_size)
        self._available = min(
            capacity, self._available + (now - self._stamp) * self.config.effective_restore_rate
        )
        self._stamp = now

    def reset(self) -> None:
        with self._lock:
            self._available = float(self.config.effective_bucket_size)
            self._stamp = time.monotonic()

    def set_available(self, value: float) -> None:
        with self._lock:
            self._available = max(0.0, min(float(value), float(self.config.effective_bucket_size)))
            self._stamp = time.monotonic()

    def take(self, cost: int) -> bool:
        with self._lock:
            self._refill()
            if cost > self._available:
                return False
            self._available -= cost
            return True

    def refund(self, amount: int) -> None:
        if amount <= 0:
            return
        with self._lock:
            self._refill()
            self._available = min(
                float(self.config.effective_bucket_size), self._available + amount
            )

    def status(self) -> dict:
        with self._lock:
            self._refill()
            return {
                "maximumAvailable": float(self.config.effective_bucket_size),
                "currentlyAvailable": int(self._available),
                "restoreRate": float(self.config.effective_restore_rate),
            }
