"""What the expressions of a file are, as far as method and attribute rewrites need to know.

``x.astype('float32')`` is Paddle's only when ``x`` is a Paddle tensor; ``self.add(a, b)`` is the user's own
method; ``"a,b".split(",")`` is a string's. Calls carry no types, so this module follows values through the
file once, before the rewrite, and records for each expression what it is known to be:

- a Paddle call's result, as the mapping table's ``returns`` says (``paddle.concat`` -> a tensor,
  ``nn.Conv2D(...)`` -> a layer, ``model.parameters()`` -> tensors);
- a layer's output (``self.conv(x)`` where ``self.conv`` was assigned a layer, an item of a LayerList or
  Sequential, a Layer subclass of this file whose ``forward`` returns tensors);
- the inputs of a Layer subclass's ``forward``, ``self`` and the attributes assigned on it;
- tensor methods' results, arithmetic on tensors, and whatever flows through assignments, loops and
  ``isinstance`` checks, copies (``copy.deepcopy``), and the static and class methods of this file's classes;
- values that are known not to be Paddle's: literals, containers, numpy and other libraries' results (and
  lists of arrays, elementwise comparisons of arrays), instances of this file's other classes, modules.

Anything else is unknown (``None``). Flow follows the text of each function; a loop is re-read until the
values its body assigns are stable, and branches are joined, so a value is only known when every path
agrees. The analysis walks the already-parsed tree once per function (a function is read when it is
first needed: a layer's ``forward`` when its output is used) and never changes it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import StrEnum

import libcst as cst

from porter.convert.names import NameTable, child_nodes, dotted_name
from porter.convert.table import Kind, MappingTable, Returns


class Family(StrEnum):
    """What a value is. The table's ``returns`` vocabulary, plus what only the analysis can tell."""

    TENSOR = Returns.TENSOR.value
    TENSORS = Returns.TENSORS.value
    NAMED_TENSORS = Returns.NAMED_TENSORS.value
    LAYER = Returns.LAYER.value
    LAYERS = Returns.LAYERS.value
    NAMED_LAYERS = Returns.NAMED_LAYERS.value
    OPTIMIZER = Returns.OPTIMIZER.value
    LR_SCHEDULER = Returns.LR_SCHEDULER.value
    DATALOADER = Returns.DATALOADER.value
    NUMPY = Returns.NUMPY.value
    ARRAYS = "arrays"  # a list or tuple of numpy arrays (``[np.zeros(3), np.ones(3)]``)
    OTHER = Returns.OTHER.value  # known not to be Paddle's: a number, string, container, module, object
    INSTANCE = "instance"  # an object of a class of this file whose base comes from elsewhere: not known
    NONE = "none"  # the literal None: joins as nothing (``self.act = None`` then ``self.act = nn.ReLU()``)
    SHAPE = "shape"  # a tensor's shape: a list in Paddle (that also equals tuples), a tuple in torch


@dataclass(frozen=True)
class Value:
    family: Family
    paddle: str | None = None  # the Paddle class when known (``paddle.nn.LayerNorm``)
    local: str | None = None  # the class of this file it is an instance of


#: The Paddle class whose method entries (``paddle.Tensor.reshape``) apply to a value of each family.
METHOD_OWNERS = {
    Family.TENSOR: "paddle.Tensor",
    Family.LAYER: "paddle.nn.Layer",
    Family.OPTIMIZER: "paddle.optimizer.Optimizer",
    Family.LR_SCHEDULER: "paddle.optimizer.lr.LRScheduler",
    Family.DATALOADER: "paddle.io.DataLoader",
}

TENSOR = Value(Family.TENSOR)
_TENSORS = Value(Family.TENSORS)
_LAYER = Value(Family.LAYER)
_OTHER = Value(Family.OTHER)
_NUMPY = Value(Family.NUMPY)
_ARRAYS = Value(Family.ARRAYS)
_NONE = Value(Family.NONE)
_SHAPE = Value(Family.SHAPE)

# Tensor attributes that are tensors, and the ones that are plain values (Paddle's shape is a list).
_TENSOR_ATTRIBUTES = frozenset({"T", "mT", "grad", "real", "imag"})
_PLAIN_TENSOR_ATTRIBUTES = frozenset(
    {
        "shape",
        "dtype",
        "place",
        "ndim",
        "size",
        "stop_gradient",
        "name",
        "persistable",
        "is_leaf",
        "trainable",
    }
)
# Layer parameters and buffers every Paddle layer that has them names so.
_LAYER_TENSORS = frozenset({"weight", "bias", "_mean", "_variance"})
# Paddle layers whose call returns a tuple (output and states), not one tensor.
_TUPLE_LAYERS = frozenset(
    f"paddle.nn.{name}"
    for name in ("LSTM", "GRU", "SimpleRNN", "RNN", "BiRNN", "LSTMCell", "GRUCell", "SimpleRNNCell")
)
_CONTAINERS = frozenset({"paddle.nn.Sequential", "paddle.nn.LayerList", "paddle.nn.LayerDict"})
# Libraries whose results are never Paddle tensors (module-rooted calls, ``np.zeros`` / ``cv2.imread``).
_ARRAY_LIBRARIES = frozenset({"numpy", "cv2", "PIL", "scipy", "skimage", "imageio"})
_PLAIN_LIBRARIES = frozenset(
    {"math", "random", "os", "sys", "re", "json", "time", "string", "pathlib", "glob", "shutil", "yaml"}
)
# Library functions whose result is what they are given: a copy of a tensor is a tensor, of an array an array.
_COPIES = frozenset({"copy.copy", "copy.deepcopy"})
_PLAIN_BUILTINS = frozenset(
    {
        "len", "int", "float", "str", "bool", "range", "isinstance", "issubclass", "hasattr", "callable",
        "repr", "format", "print", "open", "type", "id", "hash", "dict", "set", "frozenset", "list", "tuple",
        "ord", "chr", "round", "divmod", "setattr", "vars", "dir", "enumerate", "zip",
    }
)  # fmt: skip


def join(values: Iterator[Value | None] | list[Value | None]) -> Value | None:
    """The value every path agrees on (None literals aside); unknown when they disagree."""
    result: Value | None = _NONE
    for value in values:
        if value is None:
            return None
        if value.family is Family.NONE:
            continue
        if result.family is Family.NONE:
            result = value
        elif result != value:
            if result.family is not value.family:
                return None
            result = Value(result.family)  # same family, different classes
    return result


def element(value: Value | None) -> Value | None:
    """What iterating over or indexing ``value`` gives."""
    if value is None:
        return None
    if value.family in (Family.TENSOR, Family.TENSORS):
        return TENSOR
    if value.family is Family.LAYERS or (value.family is Family.LAYER and value.paddle in _CONTAINERS):
        return _LAYER
    if value.family in (Family.NUMPY, Family.ARRAYS):
        return _NUMPY
    return None


@dataclass
class _Class:
    node: cst.ClassDef
    methods: dict[str, cst.FunctionDef] = field(default_factory=dict)
    # attribute -> [(method that assigns it, value expression)]
    assigned: dict[str, list[tuple[cst.FunctionDef, cst.BaseExpression]]] = field(default_factory=dict)


@dataclass
class _Function:
    node: cst.FunctionDef
    owner: str | None  # the class it is a method of
    outer: dict[str, Value | None] = field(default_factory=dict)  # an enclosing function's names
    returns: list[Value | None] = field(default_factory=list)


class Provenance:
    """The values of one file's expressions (keyed on the original nodes), computed once."""

    def __init__(self, module: cst.Module, names: NameTable, table: MappingTable) -> None:
        self.names = names
        self.table = table
        self.values: dict[int, Value | None] = {}
        self.classes: dict[str, _Class] = {}
        self.functions: dict[int, _Function] = {}
        self.module_functions: dict[str, cst.FunctionDef] = {}
        self.imported: dict[str, str] = {}  # local name -> the non-Paddle module or object it imports
        self.globals: dict[str, Value | None] = {}
        self._defs: dict[int, tuple[Value, cst.FunctionDef]] = {}  # id(marker bound by a def) -> the def
        self._done: set[int] = set()
        self._running: set[int] = set()
        self._layer_classes: dict[str, Family] = {}
        # id(function) -> its calls in this file: [(call, id(the function making it) or None)]
        self._call_sites: dict[int, list[tuple[cst.Call, int | None]]] = {}
        self._index(module)
        self._owner: str | None = None  # the class whose method is being read (for super())
        self._block(module.body, self.globals, None)
        while pending := [f for key, f in self.functions.items() if key not in self._done]:
            for function in pending:
                self._analyse(function)

    # -- queries --------------------------------------------------------------------------------
    def of(self, node: cst.CSTNode) -> Value | None:
        """What the original expression ``node`` is known to be (None: unknown)."""
        return self.values.get(id(node))

    def array_library_in(self, call: cst.Call) -> str | None:
        """The array library (numpy ...) an argument of ``call`` names directly, as in ``a.astype(np.float32)``:
        a hint that the receiver is that library's array rather than a Paddle tensor."""
        for arg in call.args:
            root = arg.value
            while isinstance(root, cst.Attribute):
                root = root.value
            if isinstance(root, cst.Name) and root.value in self.imported:
                top = self.imported[root.value].lstrip(".").split(".")[0]
                if top in _ARRAY_LIBRARIES and not self.imported[root.value].startswith("."):
                    return top
        return None

    def defines_method(self, value: Value, name: str) -> bool:
        """``value`` is an instance of a class of this file that defines (or inherits from one of this
        file's classes) a method called ``name``: the call is the user's, whatever Paddle has."""
        return any(name in cls.methods for cls in self._lineage(value.local))

    def assigns_attribute(self, value: Value, name: str) -> bool:
        """A class of this file assigns ``self.<name>`` itself: the attribute is the user's own."""
        return any(name in cls.assigned for cls in self._lineage(value.local))

    def paddle_class(self, value: Value) -> str | None:
        """The Paddle class of a layer: the one it was built from, or the Paddle base of its class."""
        if value.paddle is not None:
            return value.paddle
        for cls in self._lineage(value.local):
            for base in cls.node.bases:
                ref = self.names.ref(base.value)
                if ref is not None and ref.path != "paddle.nn.Layer":
                    return ref.path
        return None

    # -- the file's classes, functions and imports ------------------------------------------------
    def _index(self, module: cst.Module) -> None:
        for node in _walk_definitions(module):
            if isinstance(node, cst.ClassDef):
                if node.name.value in self.classes:
                    self.classes.pop(node.name.value)  # two classes of one name: know neither
                    continue
                self.classes[node.name.value] = self._class(node)
        for statement in module.body:
            if isinstance(statement, cst.FunctionDef):
                self.module_functions[statement.name.value] = statement
            if isinstance(statement, cst.SimpleStatementLine):
                for small in statement.body:
                    self._imports(small)
        self._index_calls(module)

    def _index_calls(self, module: cst.Module) -> None:
        """Where this file calls its own functions (``helper(x)``) and methods (``self.helper(x)``). A
        function also used as a value (``self.apply(self._init)``) or a method name also called on other
        objects may be called with anything: it gets no call sites."""
        sites: dict[int, list[tuple[cst.Call, int | None]]] = {}
        escaped: set[int] = set()
        method_names = {name: cls for cls in self.classes.values() for name in cls.methods}
        called: set[int] = set()

        local_names: dict[int, set[str]] = {}

        def resolve(node, function, owner):
            if isinstance(node, cst.Name) and node.value in self.module_functions:
                if function is not None and node.value in local_names[id(function)]:
                    return []  # a parameter or variable of the same name
                return [self.module_functions[node.value]]
            if isinstance(node, cst.Attribute) and node.attr.value in method_names:
                name = node.attr.value
                receiver = _self_name(function) if function is not None and owner is not None else None
                if isinstance(node.value, cst.Name) and node.value.value == receiver:
                    return [c.methods[name] for c in self._lineage(owner) if name in c.methods][:1]
                escaped.update(id(c.methods[name]) for c in self.classes.values() if name in c.methods)
            return []

        def visit(node, function, owner, class_name):
            if isinstance(node, cst.ClassDef):
                for part in (*node.decorators, *node.bases, *node.keywords):
                    visit(part, function, owner, None)
                for statement in node.body.body:
                    visit(statement, function, owner, node.name.value)
                return
            if isinstance(node, cst.FunctionDef):
                for part in node.decorators:
                    visit(part, function, owner, None)
                params = node.params
                for param in (*params.posonly_params, *params.params, *params.kwonly_params):
                    visit(param.default, function, owner, None) if param.default is not None else None
                local_names[id(node)] = {
                    *(p.name.value for p in (*params.posonly_params, *params.params, *params.kwonly_params)),
                    *_assigned_names(node.body),
                }
                visit(node.body, node, class_name, None)
                return
            if isinstance(node, cst.Call):
                called.add(id(node.func))
                for found in resolve(node.func, function, owner):
                    sites.setdefault(id(found), []).append((node, id(function) if function else None))
            elif isinstance(node, cst.Name | cst.Attribute) and id(node) not in called:
                escaped.update(id(found) for found in resolve(node, function, owner))
            if isinstance(node, cst.Attribute | cst.Arg):
                visit(node.value, function, owner, None)  # not the attribute's or keyword's name
                return
            if isinstance(node, cst.Import | cst.ImportFrom):
                return
            for child in child_nodes(node):
                visit(child, function, owner, None)

        visit(module, None, None, None)
        self._call_sites = {key: calls for key, calls in sites.items() if key not in escaped}

    def _imports(self, small: cst.BaseSmallStatement) -> None:
        if isinstance(small, cst.Import):
            for alias in small.names:
                full = dotted_name(alias.name) or ""
                local = alias.asname.name.value if alias.asname else full.split(".")[0]
                self.imported[local] = full if alias.asname else full.split(".")[0]
        elif isinstance(small, cst.ImportFrom) and not isinstance(small.names, cst.ImportStar):
            module = "." * len(small.relative) + (dotted_name(small.module) or "" if small.module else "")
            for alias in small.names:
                name = dotted_name(alias.name) or ""
                self.imported[alias.asname.name.value if alias.asname else name] = f"{module}.{name}"

    def _class(self, node: cst.ClassDef) -> _Class:
        cls = _Class(node)
        for statement in node.body.body:
            if isinstance(statement, cst.FunctionDef):
                cls.methods[statement.name.value] = statement
                self.functions[id(statement)] = _Function(statement, node.name.value)
                receiver = _self_name(statement)
                if receiver is None:
                    continue
                for target, value in _self_assignments(statement, receiver):
                    cls.assigned.setdefault(target, []).append((statement, value))
        return cls

    def _lineage(self, name: str | None) -> Iterator[_Class]:
        """The class called ``name`` in this file and its bases from this file."""
        seen: set[str] = set()
        while name is not None and name in self.classes and name not in seen:
            seen.add(name)
            cls = self.classes[name]
            yield cls
            name = next(
                (
                    b.value.value
                    for b in cls.node.bases
                    if isinstance(b.value, cst.Name) and b.value.value in self.classes
                ),
                None,
            )

    def _is_layer_class(self, name: str) -> bool:
        return self._class_family(name) is Family.LAYER

    def _class_family(self, name: str) -> Family:
        """LAYER: a Paddle layer class is among its bases; OTHER: only ``object``, this file's plain classes
        or Paddle's non-layer classes are; INSTANCE: a base from elsewhere (it may be a layer)."""
        if name not in self._layer_classes:
            self._layer_classes[name] = Family.INSTANCE  # a cycle of bases: not known
            families = set()
            for base in self.classes[name].node.bases:
                ref = self.names.ref(base.value)
                entry = self.table.lookup(ref.path) if ref is not None else None
                local = base.value.value if isinstance(base.value, cst.Name) else None
                if entry is not None and entry.returns is not None:
                    families.add(Family.LAYER if entry.returns is Returns.LAYER else Family.OTHER)
                elif local in self.classes:
                    families.add(self._class_family(local))
                elif local == "object":
                    families.add(Family.OTHER)
                else:
                    families.add(Family.INSTANCE)
            if Family.LAYER in families:
                self._layer_classes[name] = Family.LAYER
            elif families <= {Family.OTHER}:
                self._layer_classes[name] = Family.OTHER
        return self._layer_classes[name]

    def _instance(self, name: str) -> Value | None:
        if name not in self.classes:
            return None
        return Value(self._class_family(name), local=name)

    # -- functions ------------------------------------------------------------------------------
    def _analyse(self, function: _Function) -> None:
        key = id(function.node)
        if key in self._done or key in self._running:
            return
        self._running.add(key)
        env = dict(function.outer)
        env.update(self._parameters(function))
        owner, self._owner = self._owner, function.owner
        self._block(function.node.body.body, env, function)
        self._owner = owner
        self._running.discard(key)
        self._done.add(key)

    def _parameters(self, function: _Function) -> dict[str, Value | None]:
        node, owner = function.node, function.owner
        params = node.params
        env: dict[str, Value | None] = {}
        positional = [*params.posonly_params, *params.params]
        decorators = {d.decorator.value for d in node.decorators if isinstance(d.decorator, cst.Name)}
        is_method = owner is not None and not decorators & {"staticmethod", "classmethod"}
        is_classmethod = owner is not None and "classmethod" in decorators
        forward = (
            is_method
            and node.name.value == "forward"
            and owner in self.classes
            and self._is_layer_class(owner)
        )
        bound = is_method or is_classmethod  # the first parameter is the object or the class
        passed = {} if forward else self._passed(function, positional[1:] if bound else positional)
        for index, param in enumerate([*positional, *params.kwonly_params]):
            name = param.name.value
            if bound and index == 0:
                if is_method:
                    env[name] = self._instance(owner)
                else:  # cls: the class itself, whose methods are known (cls.build(...))
                    env[name] = Value(Family.OTHER, local=owner) if owner in self.classes else None
                continue
            annotated = self._annotation(param.annotation)
            if annotated is not None:
                env[name] = annotated
            elif forward and (param.default is None or _is_none(param.default)):
                env[name] = TENSOR  # a Layer's forward takes tensors
            else:
                env[name] = passed.get(name)
        if isinstance(params.star_arg, cst.Param):
            env[params.star_arg.name.value] = _TENSORS if forward else None
        if isinstance(params.star_kwarg, cst.Param):
            env[params.star_kwarg.name.value] = None
        return env

    def _passed(self, function: _Function, positional: list[cst.Param]) -> dict[str, Value | None]:
        """What every call of ``function`` in this file passes for each parameter (nothing when it has
        no call here, or is also used as a value)."""
        calls = self._call_sites.get(id(function.node))
        if not calls:
            return {}
        for _, caller in calls:  # the callers' arguments must have been read first
            if caller is not None and caller in self.functions:
                self._analyse(self.functions[caller])
        params = function.node.params
        names = [p.name.value for p in (*positional, *params.kwonly_params)]
        defaults = {p.name.value: p.default for p in (*positional, *params.kwonly_params)}
        given: dict[str, list[Value | None]] = {name: [] for name in names}
        for call, _ in calls:
            if any(arg.star for arg in call.args):
                return {}
            seen = set()
            for index, arg in enumerate(call.args):
                name = (
                    arg.keyword.value
                    if arg.keyword is not None
                    else (names[index] if index < len(positional) else None)
                )
                if name not in given:
                    return {}
                given[name].append(self.values.get(id(arg.value)))
                seen.add(name)
            for name in set(names) - seen:
                default = defaults[name]
                given[name].append(self.values.get(id(default)) if default is not None else None)
        return {name: join(values) for name, values in given.items()}

    def _annotation(self, annotation: cst.Annotation | None) -> Value | None:
        if annotation is None:
            return None
        annotated = self._class_value(annotation.annotation)
        if annotated is not None:
            return annotated
        spelled = dotted_name(annotation.annotation)
        if spelled in ("int", "float", "str", "bool", "list", "tuple", "dict"):
            return _OTHER
        if spelled is not None and self.imported.get(spelled.split(".")[0], "").split(".")[0] == "numpy":
            return _NUMPY
        return None

    def _function_result(self, node: cst.FunctionDef, owner: str | None) -> Value | None:
        function = self.functions.get(id(node))
        if function is None:
            function = self.functions[id(node)] = _Function(node, owner)
        if id(node) in self._running:
            return None  # recursion: not known yet
        self._analyse(function)
        inferred = join(function.returns) if function.returns else _NONE
        if inferred is None:  # what the body returns is unknown: the declared return type says
            return self._annotation(node.returns)
        return inferred

    def _layer_output(self, layer: Value) -> Value | None:
        paddle = self.paddle_class(layer) if layer.local is None else None
        if layer.local is not None:
            for cls in self._lineage(layer.local):
                if "forward" in cls.methods:
                    return self._function_result(cls.methods["forward"], cls.node.name.value)
            paddle = self.paddle_class(layer)
            return None if paddle is None else (_TENSORS if paddle in _TUPLE_LAYERS else TENSOR)
        return _TENSORS if paddle in _TUPLE_LAYERS else TENSOR

    # -- statements -----------------------------------------------------------------------------
    def _block(self, body, env: dict[str, Value | None], function: _Function | None) -> None:
        for statement in body:
            self._statement(statement, env, function)

    def _statement(self, node: cst.CSTNode, env: dict[str, Value | None], function: _Function | None) -> None:
        if isinstance(node, cst.SimpleStatementLine):
            for small in node.body:
                self._small(small, env, function)
        elif isinstance(node, cst.FunctionDef):
            for decorator in node.decorators:
                self._eval(decorator.decorator, env)
            for param in (*node.params.posonly_params, *node.params.params, *node.params.kwonly_params):
                self._eval(param.default, env)
            if id(node) not in self.functions:  # a nested function sees its enclosing names
                self.functions[id(node)] = _Function(node, None, dict(env) if function is not None else {})
            marker = Value(Family.OTHER)  # this very object stands for the def: calling it gives its result
            self._defs[id(marker)] = (marker, node)
            env[node.name.value] = marker
        elif isinstance(node, cst.ClassDef):
            for base in node.bases:
                self._eval(base.value, env)
            self._block(node.body.body, {}, None)
        elif isinstance(node, cst.If):
            self._if(node, env, function)
        elif isinstance(node, cst.For | cst.While):
            self._loop(node, env, function)
        elif isinstance(node, cst.With):
            for item in node.items:
                self._eval(item.item, env)
                if item.asname is not None:
                    self._bind(item.asname.name, None, env)
            self._block(node.body.body, env, function)
        elif isinstance(node, cst.Try | cst.TryStar):
            self._try(node, env, function)
        elif isinstance(node, cst.Match):
            for name in _bound_names(node):
                env[name] = None

    def _small(self, node: cst.BaseSmallStatement, env: dict[str, Value | None], function) -> None:
        if isinstance(node, cst.Assign):
            value = self._eval(node.value, env)
            for target in node.targets:
                self._bind(target.target, value, env, node.value)
        elif isinstance(node, cst.AnnAssign):
            value = self._eval(node.value, env) if node.value is not None else None
            self._bind(node.target, value, env, node.value)
        elif isinstance(node, cst.AugAssign):
            current = self._eval(node.target, env)
            value = self._eval(node.value, env)
            self._bind(node.target, _arithmetic(current, value), env)
        elif isinstance(node, cst.Expr):
            self._eval(node.value, env)
        elif isinstance(node, cst.Return):
            value = self._eval(node.value, env) if node.value is not None else _NONE
            if function is not None:
                function.returns.append(value)
        elif isinstance(node, cst.Import | cst.ImportFrom):
            self._imports(node)  # read through self.imported: a module's calls tell what they return
            for name in _bound_names(node):
                env.pop(name, None)
                self.globals.pop(name, None)
        elif isinstance(node, cst.Global | cst.Nonlocal | cst.Del):
            for name in _bound_names(node):
                env[name] = None
        else:
            for child in child_nodes(node):
                if isinstance(child, cst.BaseExpression):
                    self._eval(child, env)

    def _if(self, node: cst.If, env, function) -> None:
        self._eval(node.test, env)
        branch = dict(env)
        branch.update(self._narrowed(node.test, env))
        self._block(node.body.body, branch, function)
        other = dict(env)
        if isinstance(node.orelse, cst.If):
            self._if(node.orelse, other, function)
        elif isinstance(node.orelse, cst.Else):
            self._block(node.orelse.body.body, other, function)
        _merge_into(env, [branch, other])

    def _narrowed(self, test: cst.BaseExpression, env) -> dict[str, Value | None]:
        """``isinstance(m, nn.Conv2D)``: in the branch, ``m`` is that layer (a tensor for paddle.Tensor)."""
        if not (
            isinstance(test, cst.Call)
            and isinstance(test.func, cst.Name)
            and test.func.value == "isinstance"
            and len(test.args) == 2
            and isinstance(test.args[0].value, cst.Name)
        ):
            return {}
        classes = test.args[1].value
        elements = [e.value for e in classes.elements] if isinstance(classes, cst.Tuple) else [classes]
        values = [self._class_value(e) for e in elements]
        narrowed = join(values)
        return {test.args[0].value.value: narrowed} if narrowed is not None else {}

    def _class_value(self, node: cst.BaseExpression) -> Value | None:
        ref = self.names.ref(node)
        if ref is not None:
            if ref.path == "paddle.Tensor":
                return TENSOR
            entry = self.table.lookup(ref.path)
            if entry is not None and entry.kind is Kind.CLASS and entry.returns is not None:
                return Value(Family(entry.returns.value), entry.paddle)
            return None
        if isinstance(node, cst.Name) and node.value in self.classes:
            return self._instance(node.value)
        return None

    def _loop(self, node: cst.For | cst.While, env, function) -> None:
        """Read the body until the names it assigns keep their values from one pass to the next."""
        if isinstance(node, cst.For):
            items = self._eval(node.iter, env)
        for _ in range(4):
            head = dict(env)
            if isinstance(node, cst.For):
                self._bind(node.target, self._iteration(node.iter, items, head), head)
            else:
                self._eval(node.test, head)
            self._block(node.body.body, head, function)
            before = dict(env)
            _merge_into(env, [before, head])
            if env == before:
                break
        else:  # values still changing: know nothing of what the loop assigns
            for name in _assigned_names(node.body):
                env[name] = None
        if node.orelse is not None:
            self._block(node.orelse.body.body, env, function)

    def _iteration(self, iterable: cst.BaseExpression, items: Value | None, env) -> object:
        """What one iteration binds: a value, or a tuple of them for ``enumerate``/``zip``/named items."""
        if isinstance(iterable, cst.Call) and isinstance(iterable.func, cst.Name):
            name = iterable.func.value
            args = [self.of(a.value) for a in iterable.args if a.keyword is None]
            if name == "enumerate" and args:
                return (_OTHER, element(args[0]))
            if name == "zip":
                return tuple(element(a) for a in args)
            if name in ("reversed", "list", "tuple", "sorted") and args:
                return element(args[0])
            if name == "range":
                return _OTHER
        if items is not None and items.family is Family.NAMED_TENSORS:
            return (_OTHER, TENSOR)
        if items is not None and items.family is Family.NAMED_LAYERS:
            return (_OTHER, _LAYER)
        return element(items)

    def _try(self, node: cst.Try | cst.TryStar, env, function) -> None:
        paths = []
        body = dict(env)
        self._block(node.body.body, body, function)
        paths.append(body)
        for handler in node.handlers:
            branch = dict(env)
            _merge_into(branch, [env, body])
            if handler.name is not None:
                self._bind(handler.name.name, _OTHER, branch)
            self._block(handler.body.body, branch, function)
            paths.append(branch)
        if node.orelse is not None:
            self._block(node.orelse.body.body, body, function)
        _merge_into(env, paths)
        if node.finalbody is not None:
            self._block(node.finalbody.body.body, env, function)

    def _bind(self, target, value: object, env, source: cst.BaseExpression | None = None) -> None:
        if isinstance(target, cst.Name):
            env[target.value] = value if isinstance(value, Value) or value is None else None
        elif isinstance(target, cst.Tuple | cst.List):
            elements = [e.value for e in target.elements]
            if isinstance(value, tuple) and len(value) == len(elements):
                parts = list(value)
            elif isinstance(source, cst.Tuple | cst.List) and len(source.elements) == len(elements):
                parts = [self.of(e.value) for e in source.elements]
            else:
                parts = [element(value) if isinstance(value, Value) else None] * len(elements)
            for sub, part in zip(elements, parts, strict=True):
                self._bind(sub.value if isinstance(sub, cst.StarredElement) else sub, part, env)
        elif isinstance(target, cst.StarredElement):
            self._bind(target.value, None, env)
        else:  # attributes and items: what they read is decided from the class or the container
            self._eval(target, env)

    # -- expressions ----------------------------------------------------------------------------
    def _eval(self, node: cst.BaseExpression | None, env) -> Value | None:
        if node is None:
            return None
        value = self._value(node, env)
        self.values[id(node)] = value
        return value

    def _value(self, node: cst.BaseExpression, env) -> Value | None:
        ref = self.names.ref(node)
        if ref is not None:
            return _OTHER  # a Paddle module, class or function itself
        if isinstance(node, cst.Name):
            return self._name(node.value, env)
        if isinstance(node, cst.Attribute):
            return self._attribute(self._eval(node.value, env), node.attr.value)
        if isinstance(node, cst.Call):
            return self._call(node, env)
        if isinstance(node, cst.Subscript):
            container = self._eval(node.value, env)
            for item in node.slice:
                self._eval_children(item, env)
            if container is not None and container.family is Family.SHAPE:
                sliced = any(isinstance(item.slice, cst.Slice) for item in node.slice)
                return _SHAPE if sliced else _OTHER  # x.shape[1:] is a shape, x.shape[0] an int
            return element(container)
        if isinstance(node, cst.BinaryOperation):
            return _arithmetic(self._eval(node.left, env), self._eval(node.right, env))
        if isinstance(node, cst.UnaryOperation):
            operand = self._eval(node.expression, env)
            return _OTHER if isinstance(node.operator, cst.Not) else operand
        if isinstance(node, cst.BooleanOperation):
            return join([self._eval(node.left, env), self._eval(node.right, env)])
        if isinstance(node, cst.Comparison):
            return self._comparison(node, env)
        if isinstance(node, cst.IfExp):
            self._eval(node.test, env)
            return join([self._eval(node.body, env), self._eval(node.orelse, env)])
        if isinstance(node, cst.Tuple | cst.List):
            parts = [self._eval(e.value, env) for e in node.elements]
            if parts and all(p is not None and p.family is Family.TENSOR for p in parts):
                return _TENSORS
            if parts and all(p is not None and p.family is Family.NUMPY for p in parts):
                return _ARRAYS
            return _OTHER
        if isinstance(node, cst.NamedExpr):
            value = self._eval(node.value, env)
            self._bind(node.target, value, env)
            return value
        if isinstance(node, cst.ListComp | cst.SetComp | cst.GeneratorExp | cst.DictComp):
            self._comprehension(node, env)
            return _OTHER
        if isinstance(node, cst.Lambda):
            inner = dict(env)
            for param in (*node.params.posonly_params, *node.params.params, *node.params.kwonly_params):
                inner[param.name.value] = None
            self._eval(node.body, inner)
            return _OTHER
        if isinstance(
            node,
            cst.Integer | cst.Float | cst.Imaginary | cst.SimpleString | cst.ConcatenatedString
            | cst.FormattedString | cst.Dict | cst.Set | cst.Ellipsis,
        ):  # fmt: skip
            self._eval_children(node, env)
            return _OTHER
        self._eval_children(node, env)
        return None

    def _eval_children(self, node: cst.CSTNode, env) -> None:
        for child in child_nodes(node):
            if isinstance(child, cst.BaseExpression):
                self._eval(child, env)
            else:
                self._eval_children(child, env)

    def _comprehension(self, node, env) -> None:
        inner = dict(env)
        clause = node.for_in
        while clause is not None:
            items = self._eval(clause.iter, inner)
            self._bind(clause.target, self._iteration(clause.iter, items, inner), inner)
            for condition in clause.ifs:
                self._eval(condition.test, inner)
            clause = clause.inner_for_in
        for part in ("elt", "key", "value"):
            if hasattr(node, part):
                self._eval(getattr(node, part), inner)

    def _comparison(self, node: cst.Comparison, env) -> Value | None:
        operands = [self._eval(node.left, env)] + [self._eval(t.comparator, env) for t in node.comparisons]
        plain = (cst.Is, cst.IsNot, cst.In, cst.NotIn)
        if all(isinstance(t.operator, plain) for t in node.comparisons):
            return _OTHER
        if any(o is not None and o.family is Family.TENSOR for o in operands):
            return TENSOR  # elementwise
        plain = (Family.OTHER, Family.NONE, Family.SHAPE, Family.ARRAYS)
        if all(o is not None and o.family in plain for o in operands):
            return _OTHER
        if all(o is not None and o.family in (*plain, Family.NUMPY) for o in operands):
            return _NUMPY  # elementwise on an array (a numpy bool of a numpy number)
        return None

    def _name(self, name: str, env) -> Value | None:
        if name in ("True", "False"):
            return _OTHER
        if name == "None":
            return _NONE
        if name in env:
            return env[name]
        if name in self.globals:
            return self.globals[name]
        if name in self.imported or name in self.classes or name in self.module_functions:
            return _OTHER  # a module, class or function itself
        return None

    def _attribute(self, owner: Value | None, name: str) -> Value | None:
        if owner is None:
            return None
        if owner.family is Family.TENSOR:
            if name in _TENSOR_ATTRIBUTES:
                return TENSOR
            if name == "shape":
                return _SHAPE
            return _OTHER if name in _PLAIN_TENSOR_ATTRIBUTES else None
        if owner.family is Family.NUMPY:
            return _NUMPY
        if owner.family in (Family.LAYER, Family.OTHER, Family.INSTANCE) and owner.local is not None:
            for cls in self._lineage(owner.local):
                if name in cls.assigned:
                    return self._class_attribute(cls, name)
                if name in cls.methods:
                    return _OTHER  # a bound method
        if owner.family is Family.LAYER:
            if name in _LAYER_TENSORS:
                return TENSOR
            return _OTHER if name == "training" else None
        return None

    def _class_attribute(self, cls: _Class, name: str) -> Value | None:
        values = []
        for method, expression in cls.assigned[name]:
            if id(expression) not in self.values:
                self._analyse(self.functions[id(method)])
            values.append(self.values.get(id(expression)))
        return join(values)

    def _call(self, node: cst.Call, env) -> Value | None:
        func = node.func
        for arg in node.args:
            self._eval(arg.value, env)
        ref = self.names.ref(func)
        if ref is not None:
            self.values[id(func)] = _OTHER
            entry = self.table.lookup(ref.path)
            if entry is None or entry.returns is None:
                return None
            return Value(Family(entry.returns.value), entry.paddle if entry.kind is Kind.CLASS else None)
        if isinstance(func, cst.Name):
            return self._call_name(func.value, node, env)
        if isinstance(func, cst.Attribute):
            receiver = self._eval(func.value, env)
            return self._method_result(receiver, node, env)
        callee = self._eval(func, env)
        return self._layer_output(callee) if callee is not None and callee.family is Family.LAYER else None

    def _call_name(self, name: str, node: cst.Call, env) -> Value | None:
        if name in env or name in self.globals:
            callee = env[name] if name in env else self.globals[name]
            self.values[id(node.func)] = callee
            if callee is not None and id(callee) in self._defs and self._defs[id(callee)][0] is callee:
                return self._function_result(self._defs[id(callee)][1], None)
            return (
                self._layer_output(callee) if callee is not None and callee.family is Family.LAYER else None
            )
        self.values[id(node.func)] = _OTHER
        if name == "super":
            return self._instance(self._owner) if self._owner is not None else None
        if name in self.classes:
            return self._instance(name)
        if name in self.module_functions:
            return self._function_result(self.module_functions[name], None)
        if name in self.imported:
            return self._library_call(self.imported[name], node)
        if name in ("list", "tuple", "sorted", "reversed") and len(node.args) == 1:
            items = self.of(node.args[0].value)  # list(model.parameters()): still tensors
            if items is not None and items.family in (Family.TENSORS, Family.LAYERS, Family.ARRAYS):
                return items
        if name in _PLAIN_BUILTINS:
            return _OTHER
        return None

    def _method_result(self, receiver: Value | None, node: cst.Call, env) -> Value | None:
        func = node.func
        assert isinstance(func, cst.Attribute)
        name = func.attr.value
        root = func.value
        while isinstance(root, cst.Attribute):
            root = root.value
        if isinstance(root, cst.Name) and root.value in self.imported and root.value not in env:
            spelled = dotted_name(func) or ""  # np.zeros(...), cv2.imread(...), copy.deepcopy(...)
            return self._library_call(self.imported[root.value] + spelled[len(root.value) :], node)
        owner = func.value.value if isinstance(func.value, cst.Name) else None
        if owner in self.classes and owner not in env and owner not in self.globals:
            method = self._static_method(owner, name)
            if method is not None:  # Factory.build(...): a static or class method of this file's class
                return self._function_result(method, owner)
        if receiver is None:
            return None
        if receiver.family is Family.NUMPY:
            return _NUMPY
        if receiver.local is not None:
            for cls in self._lineage(receiver.local):
                if name in cls.methods:
                    return self._function_result(cls.methods[name], cls.node.name.value)
        if receiver.family is Family.LAYER and self.paddle_class(receiver) == "paddle.nn.LayerDict":
            dict_views = {"items": Family.NAMED_LAYERS, "values": Family.LAYERS, "keys": Family.OTHER}
            if name in dict_views:  # a LayerDict is a dict of layers
                return Value(dict_views[name])
        attribute = self._attribute(receiver, name)
        self.values[id(func)] = attribute
        if attribute is not None and attribute.family is Family.LAYER:
            return self._layer_output(attribute)  # self.conv(x)
        owner = METHOD_OWNERS.get(receiver.family)
        if owner is None:
            return None
        entry = self.table.lookup(f"{owner}.{name}")
        if entry is None or entry.returns is None:
            return None
        if entry.returns is Returns.LAYER and receiver.family is Family.LAYER:
            return receiver  # train(), eval(), to(): the layer itself
        return Value(Family(entry.returns.value))

    def _library_call(self, path: str, node: cst.Call) -> Value | None:
        """What calling ``path`` (a function of a library this file imports) gives back."""
        if path in _COPIES and len(node.args) == 1 and not node.args[0].star:
            return self.of(node.args[0].value)  # a copy is what it copies
        return self._library_result(path)

    def _static_method(self, name: str, method: str) -> cst.FunctionDef | None:
        """The static or class method ``method`` of this file's class ``name`` (or of its bases here)."""
        for cls in self._lineage(name):
            if method in cls.methods:
                found = cls.methods[method]
                decorators = {
                    d.decorator.value for d in found.decorators if isinstance(d.decorator, cst.Name)
                }
                return found if decorators & {"staticmethod", "classmethod"} else None
        return None

    @staticmethod
    def _library_result(module: str) -> Value | None:
        top = module.lstrip(".").split(".")[0]
        if module.startswith("."):
            return None  # this project's own code
        if top in _ARRAY_LIBRARIES:
            return _NUMPY
        if top in _PLAIN_LIBRARIES:
            return _OTHER
        return None


def _arithmetic(left: Value | None, right: Value | None) -> Value | None:
    families = {v.family for v in (left, right) if v is not None}
    if Family.TENSOR in families:
        return TENSOR
    if Family.SHAPE in families:
        return _SHAPE  # x.shape + [1], x.shape * 2: still Paddle's shape list
    if left is None or right is None:
        return None
    if Family.NUMPY in families:
        return _NUMPY
    if families == {Family.ARRAYS}:
        return _ARRAYS  # two lists of arrays joined
    if families <= {Family.OTHER, Family.ARRAYS} and left.local is None and right.local is None:
        return _OTHER  # numbers, strings, lists
    return None


def _merge_into(env: dict[str, Value | None], paths: list[dict[str, Value | None]]) -> None:
    names = set().union(*paths)
    for name in names:
        env[name] = join([path.get(name) for path in paths]) if all(name in p for p in paths) else None


def _is_none(node: cst.BaseExpression) -> bool:
    return isinstance(node, cst.Name) and node.value == "None"


def _self_name(function: cst.FunctionDef) -> str | None:
    params = [*function.params.posonly_params, *function.params.params]
    if not params or any(
        isinstance(d.decorator, cst.Name) and d.decorator.value in ("staticmethod", "classmethod")
        for d in function.decorators
    ):
        return None
    return params[0].name.value


def _self_assignments(function: cst.FunctionDef, receiver: str) -> Iterator[tuple[str, cst.BaseExpression]]:
    """``self.<attr> = value`` anywhere in the method (nested functions and classes excluded)."""
    stack: list[cst.CSTNode] = list(child_nodes(function.body))
    while stack:
        node = stack.pop()
        if isinstance(node, cst.FunctionDef | cst.ClassDef | cst.Lambda):
            continue
        if isinstance(node, cst.Assign):
            for target in node.targets:
                if _is_self_attribute(target.target, receiver):
                    yield target.target.attr.value, node.value
        elif (
            isinstance(node, cst.AnnAssign)
            and node.value is not None
            and _is_self_attribute(node.target, receiver)
        ):
            yield node.target.attr.value, node.value
        stack.extend(child_nodes(node))


def _is_self_attribute(target: cst.BaseExpression, receiver: str) -> bool:
    return (
        isinstance(target, cst.Attribute)
        and isinstance(target.value, cst.Name)
        and target.value.value == receiver
    )


def _walk_definitions(module: cst.Module) -> Iterator[cst.CSTNode]:
    """Every class definition of the file, nested ones included."""
    stack: list[cst.CSTNode] = [module]
    while stack:
        node = stack.pop()
        if isinstance(node, cst.ClassDef):
            yield node
        if isinstance(node, cst.BaseExpression):
            continue
        stack.extend(child_nodes(node))


def _bound_names(node: cst.CSTNode) -> Iterator[str]:
    if isinstance(node, cst.Import | cst.ImportFrom):
        if isinstance(node.names, cst.ImportStar):
            return
        for alias in node.names:
            name = alias.asname.name if alias.asname else alias.name
            spelled = dotted_name(name) if isinstance(name, cst.Name | cst.Attribute) else None
            if spelled:
                yield spelled.split(".")[0]
    elif isinstance(node, cst.Global | cst.Nonlocal):
        yield from (item.name.value for item in node.names)
    elif isinstance(node, cst.Del):
        yield from _target_names(node.target)
    else:
        yield from _assigned_names(node)


def _target_names(target: cst.CSTNode) -> Iterator[str]:
    if isinstance(target, cst.Name):
        yield target.value
    elif isinstance(target, cst.Tuple | cst.List):
        for e in target.elements:
            yield from _target_names(e.value)
    elif isinstance(target, cst.StarredElement):
        yield from _target_names(target.value)


def _assigned_names(node: cst.CSTNode) -> Iterator[str]:
    """Names any statement under ``node`` binds (nested functions and classes excluded)."""
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, cst.AssignTarget | cst.AugAssign | cst.AnnAssign | cst.For):
            yield from _target_names(current.target)
        elif isinstance(current, cst.AsName):
            yield from _target_names(current.name)
        elif isinstance(current, cst.NamedExpr):
            yield from _target_names(current.target)
        elif isinstance(current, cst.MatchAs) and current.name is not None:
            yield current.name.value
        if isinstance(current, cst.FunctionDef | cst.ClassDef) and current is not node:
            yield current.name.value
            continue
        stack.extend(child_nodes(current))
