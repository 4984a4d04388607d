"""The GraphQL documents the connector sends, read from ``graphql/`` (one operation or
fragment per file, named after it) and assembled with the fragments each uses.

Pure graphql-core: codegen.py runs on it without Odoo.
"""

from pathlib import Path

from graphql import FragmentDefinitionNode, FragmentSpreadNode, OperationDefinitionNode, parse

GRAPHQL_DIR = Path(__file__).resolve().parent / "graphql"


class DocumentError(Exception):
    """A file of graphql/ breaks the one-named-definition-per-file rule."""


def load_documents(directory=GRAPHQL_DIR):
    """{name: (text, definition)} for every ``*.graphql`` file, one definition per file,
    named after the file."""
    documents = {}
    for path in sorted(Path(directory).glob("*.graphql")):
        text = path.read_text(encoding="utf-8")
        definitions = parse(text).definitions
        if len(definitions) != 1:
            raise DocumentError("%s: one operation or fragment per file" % path.name)
        definition = definitions[0]
        if not isinstance(definition, OperationDefinitionNode | FragmentDefinitionNode):
            raise DocumentError("%s: not an operation nor a fragment" % path.name)
        name = definition.name.value if definition.name else None
        if name != path.stem:
            raise DocumentError("%s: the definition is named %r" % (path.name, name))
        if '"""' in text or "\\" in text:
            raise DocumentError("%s: no block strings nor backslashes, please" % path.name)
        documents[name] = (text, definition)
    return documents


def _spreads(node):
    """Names of the fragments spread anywhere under ``node``, in document order."""
    found = []
    selection_set = getattr(node, "selection_set", None)
    for selection in selection_set.selections if selection_set else ():
        if isinstance(selection, FragmentSpreadNode):
            found.append(selection.name.value)
        else:
            found.extend(_spreads(selection))
    return found


def fragments_used(name, documents):
    """Fragments an operation or fragment needs, transitively, in first-use order."""
    ordered = []

    def visit(definition):
        for spread in _spreads(definition):
            if spread not in documents:
                raise DocumentError("%s spreads the unknown fragment %s" % (name, spread))
            if spread not in ordered:
                ordered.append(spread)
                visit(documents[spread][1])

    visit(documents[name][1])
    return ordered


def document_text(name, documents):
    """The text sent for operation ``name``: its file, then its fragments' files."""
    return "\n".join(documents[part][0] for part in [name, *fragments_used(name, documents)])


def operations(documents):
    return {
        name: definition
        for name, (_text, definition) in documents.items()
        if isinstance(definition, OperationDefinitionNode)
    }


_DEFINITIONS = load_documents()
_OPERATIONS = operations(_DEFINITIONS)
# operation name -> the text sent (the operation then the fragments it uses)
DOCUMENTS = {name: document_text(name, _DEFINITIONS) for name in sorted(_OPERATIONS)}
# operation name -> "query" or "mutation"
OPERATION_KINDS = {name: op.operation.value for name, op in sorted(_OPERATIONS.items())}
