"""Generate ``generated_types.py`` from the pinned schema and the documents in graphql/.

For every operation: a ``TypedDict`` of its variables (``<Name>Variables``) and one of
its data (``<Name>Result``, with nested TypedDicts named after the path of the
selection), the input objects and enums the variables use, the fragments as their own
TypedDicts; the documents' text is loaded by documents.py from the files themselves.

Run it after changing a document (graphql-core only, no Odoo needed)::

    python addons/shopify_connector/api/codegen.py          # rewrite the file
    python addons/shopify_connector/api/codegen.py --check  # exit 1 when it is stale
"""

import argparse
import keyword
import re
import sys
from pathlib import Path

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    get_named_type,
    is_abstract_type,
    is_composite_type,
    type_from_ast,
)
from graphql.pyutils import Undefined

try:
    from . import schema as pinned
    from .documents import DocumentError, load_documents, operations
except ImportError:  # run as a script: the api directory is sys.path[0]
    import schema as pinned
    from documents import DocumentError, load_documents, operations

API_DIR = Path(__file__).resolve().parent
GRAPHQL_DIR = API_DIR / "graphql"
OUTPUT = API_DIR / "generated_types.py"
REGENERATE = "python addons/shopify_connector/api/codegen.py"

# Shopify serialises its custom scalars as strings (UnsignedInt64 and BigInt too).
SCALARS = {
    "ID": "str",
    "String": "str",
    "Int": "int",
    "Float": "float",
    "Boolean": "bool",
    "ARN": "str",
    "BigInt": "str",
    "Color": "str",
    "Date": "str",
    "DateTime": "str",
    "Decimal": "str",
    "FormattedString": "str",
    "HTML": "str",
    "Money": "str",
    "StorefrontID": "str",
    "URL": "str",
    "UnsignedInt64": "str",
    "UtcOffset": "str",
    "JSON": "Any",
}
# Enums with more values than this are typed as plain ``str`` (CurrencyCode, topics...).
MAX_LITERAL_VALUES = 25
LINE_LENGTH = 100


class CodegenError(DocumentError):
    pass


# --------------------------------------------------------------------------- emitter
def _upper_first(text):
    return text[:1].upper() + text[1:]


class _Emitter:
    def __init__(self, schema: GraphQLSchema, documents):
        self.schema = schema
        self.documents = documents
        self.fragments = {
            name: definition
            for name, (_text, definition) in documents.items()
            if isinstance(definition, FragmentDefinitionNode)
        }
        self.enums = {}  # name -> alias line
        self.inputs = {}  # name -> class source
        self.blocks = []  # class sources, in emission order
        self.names = set()

    # ---- names
    def _claim(self, name):
        taken = name in self.schema.type_map and name not in self.fragments
        if taken or name in self.names:
            raise CodegenError("generated name %s is already taken" % name)
        self.names.add(name)
        return name

    # ---- leaf types
    def _leaf(self, named):
        if isinstance(named, GraphQLScalarType):
            return SCALARS.get(named.name, "Any")
        if isinstance(named, GraphQLEnumType):
            if named.name not in self.enums:
                self.enums[named.name] = self._enum_alias(named)
            return named.name
        raise CodegenError("not a leaf type: %s" % named)

    def _enum_alias(self, enum):
        values = sorted(enum.values)
        if len(values) > MAX_LITERAL_VALUES:
            return "%s = str  # %d values" % (enum.name, len(values))
        one_line = "%s = Literal[%s]" % (enum.name, ", ".join('"%s"' % v for v in values))
        if len(one_line) <= LINE_LENGTH:
            return one_line
        inner = "".join('    "%s",\n' % v for v in values)
        return "%s = Literal[\n%s]" % (enum.name, inner)

    # ---- input side
    def _input_annotation(self, gtype):
        if isinstance(gtype, GraphQLNonNull):
            return self._input_annotation_inner(gtype.of_type)
        return "%s | None" % self._input_annotation_inner(gtype)

    def _input_annotation_inner(self, gtype):
        if isinstance(gtype, GraphQLList):
            return "list[%s]" % self._input_annotation(gtype.of_type)
        if isinstance(gtype, GraphQLInputObjectType):
            self._input_class(gtype)
            return gtype.name
        return self._leaf(gtype)

    def _input_class(self, input_type: GraphQLInputObjectType):
        if input_type.name in self.inputs:
            return
        self.inputs[input_type.name] = None  # recursion guard
        required, optional = [], []
        for field_name, field in sorted(input_type.fields.items()):
            annotation = self._input_annotation(field.type)
            is_required = isinstance(field.type, GraphQLNonNull) and (
                field.default_value is None or field.default_value is Undefined
            )
            (required if is_required else optional).append((field_name, annotation))
        doc = "Input object %s." % input_type.name
        self.inputs[input_type.name] = _typed_dict(input_type.name, required, optional, doc)

    # ---- output side
    def _collect(self, parent, selection_set, entries, conditional):
        """Flatten a selection set into {response key: entry}, fragments inlined."""
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                key = selection.alias.value if selection.alias else selection.name.value
                if selection.name.value == "__typename":
                    field_type = GraphQLNonNull(self.schema.type_map["String"])
                else:
                    field = parent.fields.get(selection.name.value)
                    if field is None:
                        raise CodegenError(
                            "%s has no field %s" % (parent.name, selection.name.value)
                        )
                    field_type = field.type
                entry = entries.setdefault(
                    key, {"type": field_type, "selections": [], "conditional": True}
                )
                entry["conditional"] = entry["conditional"] and conditional
                if selection.selection_set:
                    entry["selections"].append(selection.selection_set)
                continue
            if isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                sub_selection = selection.selection_set
            else:
                fragment = self.fragments[selection.name.value]
                condition = fragment.type_condition
                sub_selection = fragment.selection_set
            target = self.schema.type_map[condition.name.value] if condition else parent
            always = target is parent or (
                is_abstract_type(target)
                and isinstance(parent, GraphQLObjectType)
                and self.schema.is_sub_type(target, parent)
            )
            self._collect(target, sub_selection, entries, conditional or not always)

    def _object_class(self, name, parent, selection_sets, doc=None):
        entries = {}
        for selection_set in selection_sets:
            self._collect(parent, selection_set, entries, conditional=False)
        self._claim(name)
        position = len(self.blocks)
        self.blocks.append(None)
        required, optional = [], []
        for key, entry in entries.items():
            annotation = self._output_annotation(
                entry["type"], entry["selections"], name + _upper_first(key)
            )
            (optional if entry["conditional"] else required).append((key, annotation))
        self.blocks[position] = _typed_dict(name, required, optional, doc)
        return name

    def _output_annotation(self, gtype, selections, class_name):
        if isinstance(gtype, GraphQLNonNull):
            return self._output_inner(gtype.of_type, selections, class_name)
        return "%s | None" % self._output_inner(gtype, selections, class_name)

    def _output_inner(self, gtype, selections, class_name):
        if isinstance(gtype, GraphQLList):
            return "list[%s]" % self._output_annotation(gtype.of_type, selections, class_name)
        named = get_named_type(gtype)
        if not is_composite_type(named):
            return self._leaf(named)
        reused = self._single_fragment(named, selections)
        if reused:
            return reused
        return self._object_class(class_name, named, selections)

    def _single_fragment(self, named, selections):
        """The fragment's class when the selection is exactly one spread of a fragment
        on the same type."""
        if len(selections) != 1 or len(selections[0].selections) != 1:
            return None
        only = selections[0].selections[0]
        if not isinstance(only, FragmentSpreadNode):
            return None
        fragment = self.fragments[only.name.value]
        if fragment.type_condition.name.value != named.name:
            return None
        return fragment.name.value

    # ---- operations and fragments
    def fragment(self, definition: FragmentDefinitionNode):
        parent = self.schema.type_map[definition.type_condition.name.value]
        doc = "Fragment %s on %s." % (definition.name.value, parent.name)
        self._object_class(definition.name.value, parent, [definition.selection_set], doc)

    def operation(self, definition: OperationDefinitionNode):
        name = definition.name.value
        kind = definition.operation.value
        required, optional = [], []
        for variable in definition.variable_definitions:
            gtype = type_from_ast(self.schema, variable.type)
            if gtype is None:
                raise CodegenError("%s: unknown type of $%s" % (name, variable.variable.name))
            annotation = self._input_annotation(gtype)
            is_required = isinstance(gtype, GraphQLNonNull) and variable.default_value is None
            (required if is_required else optional).append(
                (variable.variable.name.value, annotation)
            )
        variables_name = self._claim(name + "Variables")
        self.blocks.append(
            _typed_dict(
                variables_name, required, optional, "Variables of the %s %s." % (name, kind)
            )
        )
        root = self.schema.mutation_type if kind == "mutation" else self.schema.query_type
        entries = {}
        self._collect(root, definition.selection_set, entries, conditional=False)
        result_name = self._claim(name + "Result")
        position = len(self.blocks)
        self.blocks.append(None)
        fields = []
        for key, entry in entries.items():
            # productSet in ProductSet gives ProductSetData, not ProductSetProductSet
            nested = name + ("Data" if _upper_first(key) == name else _upper_first(key))
            fields.append(
                (key, self._output_annotation(entry["type"], entry["selections"], nested))
            )
        self.blocks[position] = _typed_dict(
            result_name, fields, [], "Data of the %s %s." % (name, kind)
        )


def _typed_dict(name, required, optional, doc=None):
    """Class source of a TypedDict; optional keys go to a ``total=False`` class that
    inherits the required ones."""
    for key, _annotation in required + optional:
        if keyword.iskeyword(key) or not key.isidentifier():
            raise CodegenError("%s: the key %r is not a Python identifier" % (name, key))
    doc_line = ['    """%s"""' % doc, ""] if doc else []

    def body(pairs):
        return ["    %s: %s" % pair for pair in pairs]

    if required and optional:
        base = "_%sRequired" % name
        lines = ["class %s(TypedDict):" % base, *body(required), "", ""]
        header = "class %s(%s, total=False):" % (name, base)
        if len(header) > LINE_LENGTH:
            header = "class %s(\n    %s, total=False\n):" % (name, base)
        lines += [header, *doc_line, *body(optional)]
    elif optional:
        lines = ["class %s(TypedDict, total=False):" % name, *doc_line, *body(optional)]
    else:
        lines = ["class %s(TypedDict):" % name, *doc_line, *body(required)]
    if len(lines) == 1:
        lines.append("    pass")
    return "\n".join(lines)


# --------------------------------------------------------------------------- render
HEADER = '''\
# Generated by addons/shopify_connector/api/codegen.py from the Shopify Admin GraphQL
# schema %(version)s (api/schema/) and the documents in api/graphql/. Do not edit:
# regenerate with `%(command)s`
# (`--check` exits 1 when this file is stale).
"""Types of the Shopify GraphQL documents the connector sends (generated)."""

from __future__ import annotations

from typing import Any, Literal, TypedDict
'''


def render(schema=None, documents=None):
    """The source of generated_types.py."""
    schema = schema or pinned.load_schema()
    documents = documents if documents is not None else load_documents()
    emitter = _Emitter(schema, documents)
    for name in sorted(emitter.fragments):
        emitter.fragment(emitter.fragments[name])
    ops = operations(documents)
    for name in sorted(ops):
        emitter.operation(ops[name])

    header = HEADER % {"version": pinned.API_VERSION, "command": REGENERATE}
    enums = "\n".join(emitter.enums[n] for n in sorted(emitter.enums))
    parts = [header + "\n" + enums]  # isort: one blank line after the imports
    parts.extend(emitter.inputs[n] for n in sorted(emitter.inputs))
    parts.extend(emitter.blocks)
    source = "\n\n\n".join(part.strip("\n") for part in parts) + "\n"
    used = [n for n in ("Any", "Literal") if re.search(r"\b%s\b" % n, source.split("\n", 9)[-1])]
    source = source.replace(
        "from typing import Any, Literal, TypedDict",
        "from typing import %s" % ", ".join([*used, "TypedDict"]),
    )
    too_long = [line for line in source.splitlines() if len(line) > LINE_LENGTH]
    if too_long:
        raise CodegenError("lines longer than %d: %s" % (LINE_LENGTH, too_long))
    return source


def is_current(path=OUTPUT):
    """True when ``path`` holds what ``render()`` gives now."""
    path = Path(path)
    return path.exists() and path.read_text(encoding="utf-8") == render()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--check", action="store_true", help="exit 1 when the file is stale")
    parser.add_argument("--output", default=str(OUTPUT))
    args = parser.parse_args(argv)
    source = render()
    output = Path(args.output)
    current = output.read_text(encoding="utf-8") if output.exists() else None
    if args.check:
        if current != source:
            sys.stderr.write("%s is stale: run `%s`\n" % (output, REGENERATE))
            return 1
        return 0
    if current != source:
        output.write_text(source, encoding="utf-8")
        sys.stdout.write("wrote %s\n" % output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
