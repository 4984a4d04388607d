"""Bulk operations (query and mutation) and staged uploads.

A bulk operation runs in a background thread: CREATED -> RUNNING -> COMPLETED (or
FAILED/CANCELED). Results are JSONL served by the sandbox itself at
``/_sandbox/bulk/<number>.jsonl``; staged uploads are accepted at
``/_sandbox/staged-uploads`` (multipart POST, like the real signed form) or
``/_sandbox/staged-uploads/<key>`` (PUT/POST of the raw bytes).
"""

from __future__ import annotations

import json
import threading
import time
import uuid

from graphql import OperationType, get_operation_ast, parse, validate
from graphql.error import GraphQLError

from .resolvers import user_error
from .schema import build_schema
from .store import gid_number


def _is_connection_value(value) -> bool:
    return isinstance(value, dict) and (
        isinstance(value.get("edges"), list) or isinstance(value.get("nodes"), list)
    )


def _connection_nodes(value: dict) -> list:
    if isinstance(value.get("edges"), list):
        return [
            e.get("node")
            for e in value["edges"]
            if isinstance(e, dict) and e.get("node") is not None
        ]
    return [n for n in value.get("nodes") or [] if n is not None]


def flatten_jsonl(data: dict) -> tuple[list[dict], int]:
    """Turn a bulk query result into JSONL lines, Shopify style: every node of a
    connection is one line; nested connections become lines with ``__parentId``."""
    lines: list[dict] = []
    roots = 0

    def emit(node: dict, parent_id: str | None) -> None:
        line, children = {}, []
        for key, value in node.items():
            if _is_connection_value(value):
                children.append(value)
            else:
                line[key] = value
        if parent_id:
            line["__parentId"] = parent_id
        lines.append(line)
        for child in children:
            for sub in _connection_nodes(child):
                emit(sub, node.get("id"))

    for value in (data or {}).values():
        if _is_connection_value(value):
            for node in _connection_nodes(value):
                roots += 1
                emit(node, None)
        elif isinstance(value, dict):
            roots += 1
            emit(value, None)
    return lines, roots


class BulkManager:
    def __init__(self, app):
        self.app = app
        self._threads: list[threading.Thread] = []

    @property
    def store(self):
        return self.app.store

    # ------------------------------------------------------------ user entry
    def _in_progress(self, op_type: str):
        for op in self.store.bulk_operations.values():
            if op["type"] == op_type and op["status"] in ("CREATED", "RUNNING", "CANCELING"):
                return op
        return None

    def _new_op(self, op_type: str, query: str) -> dict:
        op_id = self.store.next_id("BulkOperation")[0]
        op = {
            "__typename": "BulkOperation",
            "id": op_id,
            "type": op_type,
            "status": "CREATED",
            "query": query,
            "createdAt": self.store.now(),
            "completedAt": None,
            "objectCount": "0",
            "rootObjectCount": "0",
            "fileSize": None,
            "url": None,
            "partialDataUrl": None,
            "errorCode": None,
        }
        self.store.bulk_operations[op_id] = op
        return op

    def run_query(self, query: str) -> dict:
        running = self._in_progress("QUERY")
        if running:
            return {
                "bulkOperation": None,
                "userErrors": [
                    user_error(
                        None,
                        "A bulk query operation for this app and shop is already in progress: "
                        f"{running['id']}.",
                        "OPERATION_IN_PROGRESS",
                    )
                ],
            }
        try:
            document = parse(query)
        except GraphQLError as exc:
            return {
                "bulkOperation": None,
                "userErrors": [
                    user_error(["query"], f"Invalid bulk query: {exc.message}", "INVALID")
                ],
            }
        errors = validate(build_schema(), document)
        operation = get_operation_ast(document)
        if not errors and (operation is None or operation.operation != OperationType.QUERY):
            errors = [GraphQLError("Bulk queries must be a single query operation.")]
        if errors:
            return {
                "bulkOperation": None,
                "userErrors": [
                    user_error(["query"], f"Invalid bulk query: {e.message}", "INVALID")
                    for e in errors
                ],
            }
        if "edges" not in query and "nodes" not in query:
            return {
                "bulkOperation": None,
                "userErrors": [
                    user_error(
                        ["query"],
                        "Invalid bulk query: Bulk queries must contain at least one connection.",
                        "INVALID",
                    )
                ],
            }
        op = self._new_op("QUERY", query)
        self._start(op, lambda: self._execute_query(op, document))
        return {"bulkOperation": op, "userErrors": []}

    def run_mutation(self, mutation: str, staged_path: str, client_identifier=None) -> dict:
        running = self._in_progress("MUTATION")
        if running:
            return {
                "bulkOperation": None,
                "userErrors": [
                    user_error(
                        None,
                        "A bulk mutation operation for this app and shop is already in progress: "
                        f"{running['id']}.",
                        "OPERATION_IN_PROGRESS",
                    )
                ],
            }
        content = self.store.staged_files.get(staged_path)
        if content is None:
            return {
                "bulkOperation": None,
                "userErrors": [
                    user_error(
                        None,
                        "The JSONL file could not be found. Try uploading the file again, "
                        "and check that you've entered the URL correctly for the "
                        "stagedUploadPath mutation argument.",
                        "NO_SUCH_FILE",
                    )
                ],
            }
        try:
            document = parse(mutation)
        except GraphQLError as exc:
            return {
                "bulkOperation": None,
                "userErrors": [user_error(["mutation"], exc.message, "INVALID_MUTATION")],
            }
        errors = validate(build_schema(), document)
        operation = get_operation_ast(document)
        if errors or operation is None or operation.operation != OperationType.MUTATION:
            msg = (
                errors[0].message
                if errors
                else "Bulk mutations must contain a single mutation operation."
            )
            return {
                "bulkOperation": None,
                "userErrors": [user_error(["mutation"], msg, "INVALID_MUTATION")],
            }
        if len(operation.selection_set.selections) != 1:
            return {
                "bulkOperation": None,
                "userErrors": [
                    user_error(
                        ["mutation"],
                        "Bulk mutations must contain exactly one mutation field.",
                        "INVALID_MUTATION",
                    )
                ],
            }
        lines = []
        for number, raw in enumerate(content.decode("utf-8").splitlines()):
            if not raw.strip():
                continue
            try:
                lines.append((number, json.loads(raw)))
            except ValueError:
                return {
                    "bulkOperation": None,
                    "userErrors": [
                        user_error(
                            None,
                            f"Failed to parse the JSONL file at line {number + 1}.",
                            "INVALID_STAGED_UPLOAD_FILE",
                        )
                    ],
                }
        op = self._new_op("MUTATION", mutation)
        self._start(op, lambda: self._execute_mutation(op, document, lines))
        return {"bulkOperation": op, "userErrors": []}

    def cancel(self, op_id: str) -> dict:
        op = self.store.bulk_operations.get(op_id)
        if op is None:
            return {
                "bulkOperation": None,
                "userErrors": [user_error(["id"], "Bulk operation does not exist")],
            }
        if op["status"] not in ("CREATED", "RUNNING"):
            return {
                "bulkOperation": op,
                "userErrors": [
                    user_error(
                        None,
                        f"A bulk operation cannot be canceled when it is {op['status'].lower()}",
                    )
                ],
            }
        op["status"] = "CANCELING"
        return {"bulkOperation": op, "userErrors": []}

    def staged_uploads(self, inputs: list[dict]) -> dict:
        base = self.app.base_url
        targets = []
        for spec in inputs:
            folder = "bulk" if spec["resource"] == "BULK_MUTATION_VARIABLES" else "products"
            key = f"tmp/{gid_number(self.store.shop_id)}/{folder}/{uuid.uuid4()}/{spec['filename']}"
            if spec.get("httpMethod") == "PUT":
                url = f"{base}/_sandbox/staged-uploads/{key}"
                params = [
                    {"name": "content_type", "value": spec["mimeType"]},
                    {"name": "acl", "value": "private"},
                ]
            else:
                url = f"{base}/_sandbox/staged-uploads"
                params = [
                    {"name": "Content-Type", "value": spec["mimeType"]},
                    {"name": "success_action_status", "value": "201"},
                    {"name": "acl", "value": "private"},
                    {"name": "key", "value": key},
                    {"name": "policy", "value": "sandbox-policy"},
                    {"name": "x-goog-credential", "value": "sandbox"},
                    {"name": "x-goog-algorithm", "value": "GOOG4-RSA-SHA256"},
                    {
                        "name": "x-goog-date",
                        "value": time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()),
                    },
                    {"name": "x-goog-signature", "value": uuid.uuid4().hex},
                ]
            self.store.staged_targets[key] = {p["name"]: p["value"] for p in params}
            targets.append(
                {
                    "url": url,
                    "resourceUrl": f"{base}/_sandbox/staged-uploads/{key}",
                    "parameters": params,
                }
            )
        return {"stagedTargets": targets, "userErrors": []}

    # -------------------------------------------------------------- running
    def _start(self, op: dict, work) -> None:
        def runner():
            delay = self.app.config.bulk_step_delay
            time.sleep(delay)
            with self.store.lock:
                if op["status"] == "CANCELING":
                    self._finish(op, "CANCELED")
                    return
                op["status"] = "RUNNING"
            time.sleep(delay)
            try:
                work()
            except Exception:  # pragma: no cover - defensive
                with self.store.lock:
                    op["errorCode"] = "INTERNAL_SERVER_ERROR"
                    self._finish(op, "FAILED")

        thread = threading.Thread(target=runner, name=f"bulk-{gid_number(op['id'])}", daemon=True)
        self._threads.append(thread)
        thread.start()

    def _finish(self, op: dict, status: str, content: bytes | None = None, objects=0, roots=0):
        op["status"] = status
        op["completedAt"] = self.store.now()
        op["objectCount"] = str(objects)
        op["rootObjectCount"] = str(roots)
        if content is not None:
            number = gid_number(op["id"])
            self.store.bulk_results[op["id"]] = content
            op["fileSize"] = str(len(content))
            op["url"] = f"{self.app.base_url}/_sandbox/bulk/{number}.jsonl" if content else None
        if self.store.payload_builder:
            self.store.emit("bulk_operations/finish", self.store.payload_builder.bulk_operation(op))

    def _execute_query(self, op: dict, document) -> None:
        with self.store.lock:
            if op["status"] == "CANCELING":
                self._finish(op, "CANCELED")
                return
            result = self.app.execute(document, {}, None, bulk=True)
            if result.errors and result.data is None:
                op["errorCode"] = "INTERNAL_SERVER_ERROR"
                self._finish(op, "FAILED")
                return
            lines, roots = flatten_jsonl(result.data)
            body = "".join(
                json.dumps(line, separators=(",", ":")) + "\n" for line in lines
            ).encode()
            self._finish(op, "COMPLETED", body, len(lines), roots)

    def _execute_mutation(self, op: dict, document, lines) -> None:
        out = []
        for number, variables in lines:
            with self.store.lock:
                if op["status"] == "CANCELING":
                    body = "".join(
                        json.dumps(x, separators=(",", ":")) + "\n" for x in out
                    ).encode()
                    self._finish(op, "CANCELED", body, len(out), len(out))
                    return
                result = self.app.execute(document, variables, None, bulk=True)
            entry = {"data": result.data}
            if result.errors:
                entry["errors"] = [e.formatted for e in result.errors]
            entry["__lineNumber"] = number
            out.append(entry)
        body = "".join(json.dumps(x, separators=(",", ":")) + "\n" for x in out).encode()
        with self.store.lock:
            self._finish(op, "COMPLETED", body, len(out), len(out))
