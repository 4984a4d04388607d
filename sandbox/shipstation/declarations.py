"""ShipStation's declared shapes, read from the TypeScript declarations in contracts/.

A small reader for the subset of TypeScript the declarations use (interfaces with
``extends``, type aliases, unions of literals, ``Array<T>``, ``T[]``, ``Omit``, ``Pick``,
``Required``, ``Partial``, object literals) and a checker of JSON values against them.
Names are resolved across every file, so the declarations stay the single authority for
field names, types and required fields.
"""

from __future__ import annotations

import re
from decimal import Decimal
from functools import cache, lru_cache
from pathlib import Path

CONTRACTS = Path(__file__).resolve().parent / "contracts" / "v1" / "types"

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<str>'[^']*'|"[^"]*")
      | (?P<num>-?\d+(?:\.\d+)?)
      | (?P<name>[A-Za-z_$][\w$]*)
      | (?P<punct>=>|[{}()<>\[\];:,|&?=.*])
    )""",
    re.VERBOSE,
)
_COMMENTS = re.compile(r"/\*.*?\*/|//[^\n]*", re.S)

ANY = ("any",)
NULL = ("null",)


class DeclarationError(Exception):
    pass


def _tokens(text: str) -> list[str]:
    text = _COMMENTS.sub(" ", text)
    out, pos = [], 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if not match:
            if text[pos:].strip() == "":
                break
            raise DeclarationError(f"cannot read {text[pos : pos + 30]!r}")
        out.append(match.group(match.lastgroup))
        pos = match.end()
    return out


class _Parser:
    def __init__(self, tokens: list[str]):
        self.toks = tokens
        self.i = 0

    def peek(self, offset: int = 0) -> str | None:
        j = self.i + offset
        return self.toks[j] if j < len(self.toks) else None

    def take(self, expected: str | None = None) -> str:
        tok = self.peek()
        if tok is None or (expected is not None and tok != expected):
            raise DeclarationError(f"expected {expected!r}, got {tok!r}")
        self.i += 1
        return tok

    def skip_statement(self) -> None:
        depth = 0
        while self.peek() is not None:
            tok = self.take()
            if tok in "{(<":
                depth += 1
            elif tok in "})>":
                depth -= 1
            elif tok == ";" and depth <= 0:
                return

    def declarations(self) -> dict:
        found = {}
        while self.peek() is not None:
            if self.peek() == "export" and self.peek(1) == "interface":
                self.i += 2
                name = self.take()
                extends = []
                if self.peek() == "extends":
                    self.take()
                    extends.append(self.type_postfix())
                    while self.peek() == ",":
                        self.take()
                        extends.append(self.type_postfix())
                found[name] = ("interface", extends, self.members())
            elif self.peek() == "export" and self.peek(1) == "type":
                self.i += 2
                name = self.take()
                self.take("=")
                found[name] = self.type_union()
                if self.peek() == ";":
                    self.take()
            else:
                self.skip_statement()
        return found

    def members(self) -> dict:
        self.take("{")
        members = {}
        while self.peek() != "}":
            key = self.take()
            if key[0] in "'\"":
                key = key[1:-1]
            optional = False
            if self.peek() == "?":
                self.take()
                optional = True
            self.take(":")
            members[key] = (self.type_union(), optional)
            if self.peek() in (";", ","):
                self.take()
        self.take("}")
        return members

    def type_union(self):
        if self.peek() == "|":
            self.take()
        branches = [self.type_postfix()]
        while self.peek() == "|":
            self.take()
            branches.append(self.type_postfix())
        return branches[0] if len(branches) == 1 else ("union", branches)

    def type_postfix(self):
        node = self.type_primary()
        while self.peek() == "[" and self.peek(1) == "]":
            self.i += 2
            node = ("array", node)
        return node

    def type_primary(self):
        tok = self.take()
        if tok[0] in "'\"":
            return ("lit", tok[1:-1])
        if tok == "(":
            node = self.type_union()
            self.take(")")
            return node
        if tok == "{":
            self.i -= 1
            return ("object", self.members())
        if tok in ("string", "number", "boolean", "any", "null"):
            return (tok,)
        if tok in ("true", "false"):
            return ("lit", tok == "true")
        if tok == "undefined":
            return NULL
        if re.fullmatch(r"-?\d+(?:\.\d+)?", tok):
            return ("lit", Decimal(tok))
        args = []
        if self.peek() == "<":
            self.take()
            args.append(self.type_union())
            while self.peek() == ",":
                self.take()
                args.append(self.type_union())
            self.take(">")
        return ("ref", tok, args)


@lru_cache(maxsize=1)
def registry() -> dict:
    """Every interface and type alias of contracts/, by name."""
    found: dict = {}
    for path in sorted(CONTRACTS.rglob("*.d.ts")):
        found.update(_Parser(_tokens(path.read_text(encoding="utf-8"))).declarations())
    return found


def _keys(node) -> set[str]:
    node = resolve(node)
    if node[0] == "lit":
        return {node[1]}
    if node[0] == "union":
        return set().union(*(_keys(b) for b in node[1]))
    return set()


def resolve(node):
    """Expand references and utility types into structural nodes."""
    if node[0] != "ref":
        return node
    name, args = node[1], node[2]
    if name == "Array":
        return ("array", args[0])
    if name in ("Omit", "Pick", "Required", "Partial"):
        members = dict(resolve(args[0])[1])
        if name == "Omit":
            members = {k: v for k, v in members.items() if k not in _keys(args[1])}
        elif name == "Pick":
            members = {k: v for k, v in members.items() if k in _keys(args[1])}
        elif name == "Required":
            members = {k: (t, False) for k, (t, _opt) in members.items()}
        else:
            members = {k: (t, True) for k, (t, _opt) in members.items()}
        return ("object", members)
    return named(name)


@cache
def named(name: str):
    """The structural shape of one declared name (interfaces merged with their bases)."""
    decl = registry().get(name)
    if decl is None:
        return ANY  # Promise, Buffer and other names outside the contracts
    if decl[0] == "interface":
        members: dict = {}
        for base in decl[1]:
            members.update(resolve(base)[1])
        members.update(decl[2])
        return ("object", members)
    return resolve(decl)


def describe(node) -> str:
    node = resolve(node)
    kind = node[0]
    if kind == "lit":
        return repr(node[1])
    if kind == "array":
        return f"an array of {describe(node[1])}"
    if kind == "union":
        branches = [resolve(b) for b in node[1]]
        if all(b[0] == "lit" for b in branches):
            return "one of " + ", ".join(repr(b[1]) for b in branches)
        return " or ".join(describe(b) for b in branches)
    if kind == "object":
        return "an object"
    return {"string": "a string", "number": "a number", "boolean": "true or false"}.get(kind, kind)


def _allows_null(node) -> bool:
    node = resolve(node)
    if node[0] in ("null", "any"):
        return True
    return node[0] == "union" and any(_allows_null(b) for b in node[1])


def _is_number(value) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


def _json_name(value) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f"the string {value!r}"
    if _is_number(value):
        return f"the number {value}"
    return "an array" if isinstance(value, list) else "an object"


class Checker:
    """Checks one JSON value against a declared shape.

    ``request`` mode is strict: a required field must be there and not null (unless its
    type allows null), types must match (no string for a number), literals must be one
    of the declared ones. Optional fields may be null, as ShipStation's own examples send
    them. Fields the declarations do not list are ignored and reported in ``unknown``.
    ``response`` mode checks the sandbox's own answers: every required field present,
    null allowed anywhere, the array-vs-object slips of the declarations tolerated."""

    def __init__(self, mode: str = "request"):
        self.mode = mode
        self.errors: list[tuple[str, str]] = []
        self.unknown: list[str] = []

    def check(self, value, node, path: str = "") -> Checker:
        node = resolve(node)
        kind = node[0]
        where = path or "body"
        if kind == "any":
            return self
        if value is None:
            if self.mode == "response" or _allows_null(node):
                return self
            self.errors.append((where, f"must be {describe(node)}, not null"))
            return self
        if kind == "union":
            return self._union(value, node, path)
        if kind == "object":
            return self._object(value, node, path)
        if kind == "array":
            if not isinstance(value, list):
                if self.mode == "response" and isinstance(value, dict):
                    return self.check(value, node[1], path)  # declared array, real object
                self.errors.append((where, f"must be {describe(node)}, not {_json_name(value)}"))
                return self
            for index, item in enumerate(value):
                self.check(item, node[1], f"{path}[{index}]")
            return self
        ok = {
            "string": isinstance(value, str),
            "number": _is_number(value),
            "boolean": isinstance(value, bool),
            "null": value is None,
            "lit": value == node[-1] and type(value) is type(node[-1]),
        }[kind]
        if not ok:
            self.errors.append((where, f"must be {describe(node)}, not {_json_name(value)}"))
        return self

    def _union(self, value, node, path):
        branches = [resolve(b) for b in node[1] if resolve(b)[0] != "null"]
        trials = []
        for branch in branches:
            trial = Checker(self.mode)
            trial.check(value, branch, path)
            if not trial.errors:
                self.unknown.extend(trial.unknown)
                return self
            trials.append((branch, trial))
        objects = [t for b, t in trials if b[0] == "object"]
        if isinstance(value, dict) and objects:
            self.errors.extend(objects[0].errors)
        else:
            self.errors.append(
                (path or "body", f"must be {describe(node)}, not {_json_name(value)}")
            )
        return self

    def _object(self, value, node, path):
        if not isinstance(value, dict):
            if self.mode == "response" and isinstance(value, list) and len(value) == 1:
                return self.check(value[0], node, path)
            self.errors.append((path or "body", f"must be an object, not {_json_name(value)}"))
            return self
        members = node[1]
        for key, (member, optional) in members.items():
            sub = f"{path}.{key}" if path else key
            if key not in value:
                if not optional and self.mode == "response":
                    self.errors.append((sub, "is missing from the answer"))
                elif not optional:
                    self.errors.append((sub, "is required"))
                continue
            if value[key] is None and optional:
                continue
            self.check(value[key], member, sub)
        for key in value:
            if key not in members:
                self.unknown.append(f"{path}.{key}" if path else key)
        return self


def check_request(value, type_name: str) -> Checker:
    return Checker("request").check(value, named(type_name))


def check_response(value, type_name: str) -> Checker:
    return Checker("response").check(value, named(type_name))


@cache
def declared_fields(type_name: str) -> tuple[str, ...]:
    """The field names of a declared object type, in declaration order."""
    node = named(type_name)
    return tuple(node[1]) if node[0] == "object" else ()
