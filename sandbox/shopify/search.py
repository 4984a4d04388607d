"""A small subset of Shopify's search syntax for the ``query:`` argument.

Supported: ``field:value``, ``field:>value`` (``>=``, ``<``, ``<=``), quoted values,
``value*`` prefix match, negation with ``-field:value`` or ``NOT field:value``,
implicit AND, ``AND`` and ``OR`` (AND binds tighter), and bare words (matched against
the resource's default text). Parentheses are ignored.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from .store import parse_iso

_TOKEN = re.compile(
    r"""(?P<neg>-)?(?P<field>[A-Za-z_][\w.]*):(?P<op>>=|<=|>|<|=)?"""
    r"""(?P<value>"[^"]*"|'[^']*'|[^\s()]+)"""
    r"""|(?P<word>"[^"]*"|'[^']*'|[^\s()]+)"""
)


@dataclass
class Term:
    field: str | None
    op: str
    value: str
    negate: bool = False


def parse_query(text: str | None) -> list[list[Term]]:
    """Return OR-groups of AND-ed terms."""
    groups: list[list[Term]] = [[]]
    if not text:
        return [[]]
    negate_next = False
    for match in _TOKEN.finditer(text):
        word = match.group("word")
        if word is not None:
            upper = word.upper()
            if upper == "AND":
                continue
            if upper == "OR":
                groups.append([])
                continue
            if upper == "NOT":
                negate_next = True
                continue
            negate = word.startswith("-") and len(word) > 1
            value = word[1:] if negate else word
            groups[-1].append(Term(None, ":", _unquote(value), negate or negate_next))
            negate_next = False
            continue
        term = Term(
            match.group("field").lower(),
            match.group("op") or ":",
            _unquote(match.group("value")),
            bool(match.group("neg")) or negate_next,
        )
        negate_next = False
        groups[-1].append(term)
    return [g for g in groups if g] or [[]]


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        return value[1:-1]
    return value


def _compare(candidate, op: str, wanted: str) -> bool:
    if candidate is None:
        return False
    if isinstance(candidate, dt.datetime):
        target = parse_iso(wanted)
        if target is None:
            return False
        left, right = candidate, target
    elif isinstance(candidate, bool):
        left, right = str(candidate).lower(), wanted.lower()
    elif isinstance(candidate, int | float):
        try:
            right = float(wanted)
        except ValueError:
            return False
        left = float(candidate)
    else:
        left, right = str(candidate).lower(), wanted.lower()
        if op in (":", "="):
            if right.endswith("*"):
                return left.startswith(right[:-1])
            return left == right
    if op in (":", "="):
        return left == right
    if op == ">":
        return left > right
    if op == ">=":
        return left >= right
    if op == "<":
        return left < right
    if op == "<=":
        return left <= right
    return False


Getter = Callable[[str], Iterable | None]


def matches(groups: list[list[Term]], getter: Getter) -> bool:
    """``getter(field)`` returns the candidate values for ``field`` (``"default"``
    for bare words) or ``None`` when the field is unknown (unknown fields are
    ignored, as Shopify does)."""
    for group in groups:
        ok = True
        for term in group:
            field = term.field or "default"
            values = getter(field)
            if values is None:
                continue
            values = list(values)
            if term.field is None:
                hit = any(term.value.lower().rstrip("*") in str(v).lower() for v in values)
            elif term.value == "*":
                hit = any(v not in (None, "") for v in values)
            else:
                hit = any(_compare(v, term.op, term.value) for v in values)
            if hit == term.negate:
                ok = False
                break
        if ok:
            return True
    return False


def filter_records(records: Iterable[dict], query: str | None, getter_for) -> list[dict]:
    groups = parse_query(query)
    if groups == [[]]:
        return list(records)
    return [r for r in records if matches(groups, getter_for(r))]
