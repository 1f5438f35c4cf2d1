"""Per-file conversion state: the ``Context`` every transform reads and writes, and its vocabulary.

One ``Context`` lives for one traversal of one file: the mapping table, the file's name resolution,
the diagnostics found so far, the Paddle references already replaced, and the statement frames the
dispatcher pushes. Transforms give up with ``NotConverted``; the dispatcher turns that into a TODO.
"""

from __future__ import annotations

import builtins
from collections import Counter
from dataclasses import dataclass, field

import libcst as cst

from porter.convert import helpers
from porter.convert import names as names_mod
from porter.convert.names import TORCH_MODULES, NameTable, child_nodes
from porter.convert.report import Severity
from porter.convert.table import MappingTable

TODO_PREFIX = "# porter: TODO"


class NotConverted(Exception):  # noqa: N818 - a control-flow signal, not an error
    """Raised by a transform that has no sound translation; the engine leaves the code and adds a TODO."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def dotted(path: str) -> cst.BaseExpression:
    """``a.b.c`` as an expression."""
    return cst.parse_expression(path)


@dataclass
class _Pending:
    node: cst.CSTNode
    severity: Severity
    code: str
    message: str
    safety: str | None


@dataclass
class Context:
    """Everything the transforms of one file share: table, name resolution, diagnostics, emitted names."""

    table: MappingTable
    names: NameTable
    qualified: frozenset[int] = frozenset()  # ids of groups whose uses must be spelled torch.<...>
    pending: list[_Pending] = field(default_factory=list)
    converted: set[int] = field(default_factory=set)  # ids of Paddle references replaced or consumed
    journal: list[int] = field(default_factory=list)  # the same ids in marking order, for rollback
    helper_uses: list[tuple[str, cst.CSTNode]] = field(
        default_factory=list
    )  # (helper, where it was asked for)
    api_counts: Counter[str] = field(default_factory=Counter)
    unconverted: Counter[str] = field(default_factory=Counter)
    frames: list = field(default_factory=list)  # statement frames, owned by the dispatcher
    scheduler_pairs: dict = field(default_factory=dict)  # id(call) -> schedulers.Pair
    layers_built: dict = field(default_factory=dict)  # id(super().__init__ call) -> the layer it builds
    fstring_quotes: list[str] = field(
        default_factory=list
    )  # quotes of the f-strings being converted, inner last

    # -- names ----------------------------------------------------------------------------------
    # Nothing here records which imports the output needs: imports.py reads that from the output tree.
    def torch_ref(self, target: str) -> cst.BaseExpression:
        """``torch`` or ``torch.a.b`` spelled in full."""
        assert target == "torch" or target.startswith("torch."), target
        return dotted(target)

    def helper(self, name: str, at: cst.CSTNode) -> cst.BaseExpression:
        """``porter_helpers.<name>``: the one way to use a helper (see porter/convert/helpers); ``at`` is
        the original node that needs it, where the report says so."""
        self.helper_uses.append((name, at))
        return dotted(helpers.target(name))

    def torch_name(self, original: cst.BaseExpression, target: str) -> cst.BaseExpression:
        """Name ``target`` in place of the Paddle reference ``original``, through the file's alias if any."""
        if target in helpers.TARGETS:
            self._mark(original)
            return self.helper(target.rsplit(".", 1)[-1], original)
        ref = self.names.ref(original)
        if ref is None:
            return self.torch_ref(target)
        self._mark(original)
        group = ref.group
        if id(group) in self.qualified:
            return self.torch_ref(target)
        if group.is_module:
            module = TORCH_MODULES.get(group.paddle)
            if module and (target == module or target.startswith(module + ".")):
                return dotted(module_local(group) + target[len(module) :])
            return self.torch_ref(target)
        entry = self.table.lookup(group.paddle)
        if entry is not None and entry.torch == target and ref.path == group.paddle:
            return cst.Name(self.object_local(group))
        return self.torch_ref(target)

    def object_local(self, group: names_mod.Group) -> str:
        """New local name for ``from paddle.x import Obj``: torch's own name unless that could clash."""
        entry = self.table.lookup(group.paddle)
        assert entry is not None and entry.torch
        short = entry.torch.rsplit(".", 1)[-1]
        if group.aliases[0].asname is not None or short == group.local:
            return group.local
        if short in self.names.identifiers or hasattr(builtins, short):
            return group.local
        return short

    def _mark(self, node: cst.CSTNode) -> None:
        if id(node) not in self.converted:
            self.converted.add(id(node))
            self.journal.append(id(node))

    def checkpoint(self) -> tuple[int, int, int, Counter[str]]:
        """State to return to when a transform gives up half-way (see ``rollback``)."""
        return len(self.journal), len(self.pending), len(self.helper_uses), self.api_counts.copy()

    def rollback(self, point: tuple[int, int, int, Counter[str]]) -> None:
        marked, reported, helper_uses, counts = point
        while len(self.journal) > marked:
            self.converted.discard(self.journal.pop())
        del self.pending[reported:]
        del self.helper_uses[helper_uses:]
        self.api_counts = counts

    def consume(self, original: cst.CSTNode) -> None:
        """Mark every Paddle reference inside ``original`` as handled (its code was replaced)."""
        refs = self.names.refs
        stack = [original]
        while stack:
            node = stack.pop()
            if id(node) in refs:
                self._mark(node)
            else:
                stack.extend(child_nodes(node))

    def string(self, text: str) -> cst.SimpleString:
        """A string literal that may stand inside the f-strings being converted (before Python 3.12 an
        f-string's expressions cannot use its own quote character)."""
        quote = "'" if '"' in self.fstring_quotes else '"'
        return cst.SimpleString(f"{quote}{text}{quote}")

    # -- statements -----------------------------------------------------------------------------
    def after(self, statement: cst.BaseStatement | str) -> None:
        """Insert ``statement`` right after the statement being converted."""
        self._insertable_frame().after.append(_statement(statement))

    def before(self, statement: cst.BaseStatement | str) -> None:
        """Insert ``statement`` right before the statement being converted."""
        self._insertable_frame().before.append(_statement(statement))

    def _insertable_frame(self):
        frame = self.frames[-1]
        if not frame.insertable:
            raise NotConverted(
                "no-statement", "code must be added next to this statement, which is not a simple line"
            )
        return frame

    def assignment_target(self, original_call: cst.Call) -> cst.BaseExpression | None:
        """``t`` when the current statement is exactly ``t = <original_call>``; ``self`` for a Paddle layer
        subclass's ``super().__init__(...)`` (the layer being built)."""
        if id(original_call) in self.layers_built:
            return self.layers_built[id(original_call)]
        statement = self.frames[-1].node if self.frames else None
        if isinstance(statement, cst.SimpleStatementLine) and len(statement.body) == 1:
            small = statement.body[0]
            if isinstance(small, cst.Assign) and len(small.targets) == 1 and small.value is original_call:
                return small.targets[0].target
        return None

    def is_expression_statement(self, original_call: cst.Call) -> bool:
        statement = self.frames[-1].node if self.frames else None
        return (
            isinstance(statement, cst.SimpleStatementLine)
            and len(statement.body) == 1
            and isinstance(statement.body[0], cst.Expr)
            and statement.body[0].value is original_call
        )

    # -- diagnostics ----------------------------------------------------------------------------
    def report(
        self, node: cst.CSTNode, severity: Severity, code: str, message: str, safety: str | None = None
    ) -> None:
        self.pending.append(_Pending(node, severity, code, _one_line(message), safety))

    def todo(self, node: cst.CSTNode, api: str, code: str, message: str) -> None:
        """Leave ``node`` as it is: count it, report it, and comment the current statement."""
        self.unconverted[api] += 1
        self.report(node, Severity.ERROR, code, message)
        self.frames[-1].todos.append(f"{TODO_PREFIX}({code}) {_one_line(message)}")

    def info(self, node: cst.CSTNode, code: str, message: str, safety: str | None = None) -> None:
        self.report(node, Severity.INFO, code, message, safety)

    def warn(self, node: cst.CSTNode, code: str, message: str, safety: str | None = None) -> None:
        self.report(node, Severity.WARNING, code, message, safety)


def _statement(statement: cst.BaseStatement | str) -> cst.BaseStatement:
    return cst.parse_statement(statement) if isinstance(statement, str) else statement


def _one_line(message: str, limit: int = 200) -> str:
    """Messages quote code; a comment and a report line must stay on one line."""
    text = " ".join(message.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def module_local(group: names_mod.Group) -> str:
    """The local name a converted module import binds (``import paddle`` -> ``torch``)."""
    if group.aliases[0].asname is None and group.paddle == "paddle":
        return "torch"
    return group.local
