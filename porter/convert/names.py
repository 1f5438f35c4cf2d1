"""Which names in a file mean Paddle objects: an import table with Python's scoping rules.

One pass over the original tree collects scopes, their bindings and every maximal ``a.b.c`` chain;
each chain whose root name is bound (in the scope it is read from) only by Paddle imports resolves to
a fully qualified path such as ``paddle.nn.Conv2D``. A name that is also bound by anything else in
that scope (an assignment, a parameter, another import) is shadowed and left alone.
"""

from __future__ import annotations

import dataclasses
import importlib.util
from collections.abc import Iterator
from dataclasses import dataclass, field

import libcst as cst

#: Paddle modules with a torch module of the same role; aliases of them keep their alias in the output.
TORCH_MODULES = {
    "paddle": "torch",
    "paddle.nn": "torch.nn",
    "paddle.nn.functional": "torch.nn.functional",
    "paddle.nn.initializer": "torch.nn.init",
    "paddle.optimizer": "torch.optim",
    "paddle.optimizer.lr": "torch.optim.lr_scheduler",
    "paddle.io": "torch.utils.data",
}


@dataclass(eq=False)
class Group:
    """All Paddle import aliases that bind one local name in one scope (usually exactly one)."""

    local: str
    paddle: str  # what the name means: "paddle", "paddle.nn", "paddle.nn.Conv2D"
    is_module: bool
    aliases: list[cst.ImportAlias] = field(default_factory=list)
    refs: list[cst.BaseExpression] = field(default_factory=list)
    at_module_level: bool = True


@dataclass(frozen=True)
class Ref:
    group: Group
    path: str  # fully qualified Paddle path of the whole chain


@dataclass(eq=False)
class _Scope:
    kind: str  # module | class | function | comprehension
    parent: _Scope | None
    bindings: dict[str, list[Group | None]] = field(default_factory=dict)  # None = a non-Paddle binding
    globals: set[str] = field(default_factory=set)

    def bind(self, name: str, group: Group | None = None) -> None:
        target = self._module() if name in self.globals else self
        target.bindings.setdefault(name, []).append(group)

    def _module(self) -> _Scope:
        scope = self
        while scope.parent is not None:
            scope = scope.parent
        return scope

    def lookup(self, name: str) -> list[Group | None] | None:
        scope: _Scope | None = self
        while scope is not None:
            if name in scope.globals:
                return self._module().bindings.get(name)
            if name in scope.bindings and (scope is self or scope.kind != "class"):
                return scope.bindings[name]
            scope = scope.parent
        return None


@dataclass
class NameTable:
    refs: dict[int, Ref]  # id(original chain node) -> resolution
    groups: list[Group]
    identifiers: frozenset[str]  # every identifier spelled in the file (for choosing new names safely)
    shadowed: list[Group]  # Paddle imports whose local name other code in the scope also binds
    star_imports: list[cst.ImportFrom]

    @property
    def has_paddle(self) -> bool:
        return bool(self.groups or self.star_imports or self.shadowed)

    def ref(self, node: cst.CSTNode) -> Ref | None:
        return self.refs.get(id(node))


def is_paddle(module: str) -> bool:
    return module == "paddle" or module.startswith("paddle.")


def dotted_name(node: cst.BaseExpression) -> str | None:
    """``a.b.c`` for a pure Name/Attribute chain, else None."""
    parts = []
    while isinstance(node, cst.Attribute):
        parts.append(node.attr.value)
        node = node.value
    if not isinstance(node, cst.Name):
        return None
    parts.append(node.value)
    return ".".join(reversed(parts))


def build(
    module: cst.Module,
    module_paths: frozenset[str] = frozenset(),
    *,
    package: str | None = None,
    tree_package: str | None = None,
) -> NameTable:
    """Resolve the Paddle names of ``module``; ``module_paths`` are Paddle paths known to be modules.

    ``package`` is the dotted package the file lives in, if any: relative imports are resolved against it,
    and one that lands in Paddle outside ``tree_package`` (the package converted along with the file) is
    read as the absolute import it means (``from ..ops import X`` in paddle/vision/models is
    ``from paddle.vision.ops import X``). Relative imports inside the converted tree stay as they are.
    """
    collector = _Collector(module_paths, package, tree_package)
    module.visit(collector)
    return collector.finish()


class _Collector(cst.CSTVisitor):
    def __init__(self, module_paths: frozenset[str], package: str | None, tree_package: str | None) -> None:
        self.module_paths = module_paths | frozenset(TORCH_MODULES)
        self.package = package
        self.tree_package = tree_package
        self.scope = _Scope("module", None)
        self.chains: list[tuple[cst.BaseExpression, str, _Scope]] = []
        self.groups: dict[tuple[int, str, str], tuple[Group, _Scope]] = {}
        self.identifiers: set[str] = set()
        self.star_imports: list[cst.ImportFrom] = []

    # -- bindings -------------------------------------------------------------------------------
    def _paddle_binding(self, local: str, paddle: str, alias: cst.ImportAlias, is_module: bool) -> None:
        key = (id(self.scope), local, paddle)
        if key not in self.groups:
            group = Group(local, paddle, is_module, at_module_level=self.scope.kind == "module")
            self.groups[key] = (group, self.scope)
        group = self.groups[key][0]
        group.aliases.append(alias)
        self.scope.bind(local, group)

    def _bind(self, name: str) -> None:
        self.identifiers.add(name)
        self.scope.bind(name)

    def _bind_target(self, target: cst.BaseExpression) -> None:
        if isinstance(target, cst.Name):
            self._bind(target.value)
        elif isinstance(target, cst.Tuple | cst.List):
            for element in target.elements:
                self._bind_target(element.value)
        elif isinstance(target, cst.StarredElement):
            self._bind_target(target.value)

    def visit_Import(self, node: cst.Import) -> bool:
        for alias in node.names:
            full = dotted_name(alias.name) or ""
            local = alias.asname.name.value if alias.asname else full.split(".")[0]
            self.identifiers.add(local)
            if is_paddle(full):
                self._paddle_binding(local, full if alias.asname else "paddle", alias, True)
            else:
                self.scope.bind(local)
        return False

    def visit_ImportFrom(self, node: cst.ImportFrom) -> bool:
        module = self._source_module(node)
        if isinstance(node.names, cst.ImportStar):
            if module and is_paddle(module):
                self.star_imports.append(node)
            return False
        for alias in node.names:
            name = dotted_name(alias.name) or ""
            local = alias.asname.name.value if alias.asname else name
            self.identifiers.add(local)
            if module and is_paddle(module):
                path = f"{module}.{name}"
                self._paddle_binding(local, path, alias, path in self.module_paths)
            else:
                self.scope.bind(local)
        return False

    def _source_module(self, node: cst.ImportFrom) -> str | None:
        """The absolute module an ImportFrom reads from, when porter should look at it."""
        name = (dotted_name(node.module) or "") if node.module else ""
        if not node.relative:
            return name or None
        if self.package is None:
            return None
        try:
            absolute = importlib.util.resolve_name("." * len(node.relative) + name, self.package)
        except (ImportError, ValueError):
            return None
        tree = self.tree_package
        return None if tree and (absolute == tree or absolute.startswith(tree + ".")) else absolute

    def visit_Global(self, node: cst.Global) -> bool:
        self.scope.globals.update(item.name.value for item in node.names)
        return False

    def visit_Nonlocal(self, node: cst.Nonlocal) -> bool:
        return False  # the name is bound in an enclosing function scope, where its binding is recorded

    def visit_AssignTarget(self, node: cst.AssignTarget) -> None:
        self._bind_target(node.target)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        self._bind_target(node.target)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        self._bind_target(node.target)

    def visit_For(self, node: cst.For) -> None:
        self._bind_target(node.target)

    def visit_AsName(self, node: cst.AsName) -> None:
        self._bind_target(node.name)

    def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
        scope = self.scope
        while scope.kind == "comprehension" and scope.parent is not None:
            scope = scope.parent
        if isinstance(node.target, cst.Name):
            self.identifiers.add(node.target.value)
            scope.bind(node.target.value)

    def visit_Del(self, node: cst.Del) -> None:
        self._bind_target(node.target)

    def visit_MatchAs(self, node: cst.MatchAs) -> None:
        if node.name is not None:
            self._bind(node.name.value)

    # -- scopes ---------------------------------------------------------------------------------
    def _enter(self, kind: str) -> _Scope:
        outer = self.scope
        self.scope = _Scope(kind, outer)
        return outer

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        self._bind(node.name.value)
        for decorator in node.decorators:
            decorator.visit(self)
        self._visit_defaults(node.params)
        if node.returns is not None:
            node.returns.visit(self)
        outer = self._enter("function")
        self._bind_params(node.params)
        node.body.visit(self)
        self.scope = outer
        return False

    def visit_Lambda(self, node: cst.Lambda) -> bool:
        self._visit_defaults(node.params)
        outer = self._enter("function")
        self._bind_params(node.params)
        node.body.visit(self)
        self.scope = outer
        return False

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        self._bind(node.name.value)
        for part in (*node.decorators, *node.bases, *node.keywords):
            part.visit(self)
        outer = self._enter("class")
        node.body.visit(self)
        self.scope = outer
        return False

    def _visit_comprehension(self, node: cst.BaseComp) -> bool:
        outer = self._enter("comprehension")
        for child in node.children:
            child.visit(self)
        self.scope = outer
        return False

    visit_ListComp = visit_SetComp = visit_GeneratorExp = visit_DictComp = _visit_comprehension

    def visit_CompFor(self, node: cst.CompFor) -> None:
        self._bind_target(node.target)

    def _visit_defaults(self, params: cst.Parameters) -> None:
        for param in (*params.params, *params.kwonly_params, *params.posonly_params):
            for part in (param.default, param.annotation):
                if part is not None:
                    part.visit(self)

    def _bind_params(self, params: cst.Parameters) -> None:
        for param in (*params.params, *params.kwonly_params, *params.posonly_params):
            self._bind(param.name.value)
        for star in (params.star_arg, params.star_kwarg):
            if isinstance(star, cst.Param):
                self._bind(star.name.value)

    # -- references -----------------------------------------------------------------------------
    def visit_Attribute(self, node: cst.Attribute) -> bool:
        path = dotted_name(node)
        if path is not None:
            self.identifiers.update(path.split("."))
            self.chains.append((node, path, self.scope))
            return False
        node.value.visit(self)  # `attr` is not a variable reference
        return False

    def visit_Name(self, node: cst.Name) -> None:
        self.identifiers.add(node.value)
        self.chains.append((node, node.value, self.scope))

    def visit_Arg(self, node: cst.Arg) -> bool:
        node.value.visit(self)  # the keyword is not a reference
        return False

    def finish(self) -> NameTable:
        shadowed: list[Group] = []
        groups: list[Group] = []
        for group, scope in self.groups.values():
            bindings = scope.bindings.get(group.local) or scope._module().bindings.get(group.local, [])
            if any(binding is not group for binding in bindings):
                shadowed.append(group)
            else:
                groups.append(group)
        valid = {id(group) for group in groups}
        refs: dict[int, Ref] = {}
        for node, path, scope in self.chains:
            root, _, rest = path.partition(".")
            bound = scope.lookup(root)
            if not bound or id(bound[0]) not in valid:
                continue
            group = bound[0]
            assert group is not None
            group.refs.append(node)
            refs[id(node)] = Ref(group, f"{group.paddle}.{rest}" if rest else group.paddle)
        return NameTable(refs, groups, frozenset(self.identifiers), shadowed, self.star_imports)


# Nodes that carry only layout (whitespace, comments, brackets, separators): no name, call or statement.
_LAYOUT = (
    cst.BaseParenthesizableWhitespace,
    cst.EmptyLine,
    cst.Newline,
    cst.TrailingWhitespace,
    cst.Comment,
    cst.LeftParen,
    cst.RightParen,
    cst.LeftSquareBracket,
    cst.RightSquareBracket,
    cst.LeftCurlyBrace,
    cst.RightCurlyBrace,
    cst.Comma,
    cst.Dot,
    cst.Semicolon,
    cst.Colon,
    cst.AssignEqual,
)
_CHILD_FIELDS: dict[type, tuple[str, ...]] = {}
_HOLDS_CODE: dict[
    type, bool
] = {}  # per type: a node that is not layout (libcst's isinstance checks are slow)


def _holds_code(value: object) -> bool:
    kind = type(value)
    holds = _HOLDS_CODE.get(kind)
    if holds is None:
        holds = _HOLDS_CODE[kind] = isinstance(value, cst.CSTNode) and not isinstance(value, _LAYOUT)
    return holds


def child_nodes(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    """The children of ``node`` that can hold code, read from its fields (libcst's ``children`` runs a
    visitor over the node for every call, which made whole-file walks the converter's largest cost)."""
    names = _CHILD_FIELDS.get(type(node))
    if names is None:
        names = _CHILD_FIELDS[type(node)] = tuple(f.name for f in dataclasses.fields(node))
    for name in names:
        value = getattr(node, name)
        if type(value) in (list, tuple):
            yield from (item for item in value if _holds_code(item))
        elif _holds_code(value):
            yield value


def walk(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    """``node`` and every node under it that can hold code (see ``child_nodes``)."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(child_nodes(current))
