"""Helpers: the small pure-torch pieces porter writes into converted code where torch lacks a construct.

How a helper reaches the output, always the same way:

1. It is declared here (``HELPERS``: its name, the module of this package holding its source, and one
   line saying what torch lacks). The source is real Python, tested against Paddle in
   tests/convert/test_helpers.py; porter copies it as text and never imports it.
2. A transform asks for it with ``ctx.helper(name, node)`` (porter/convert/context.py), which spells
   ``porter_helpers.<name>``; a table entry names it as its target, ``torch = "porter_helpers.<name>"``.
3. After the transform, the engine reads the helpers the output really uses from the output tree,
   adds the import of the helper module, reports each helper once per file (warning ``helper``) and
   lists them in ``FileResult.helpers``.
4. tree.py writes one module, ``porter_helpers.py``, at the root of the output (beside a single output
   file) holding only the helpers the converted files use, with their dependencies (``render``).
"""

from __future__ import annotations

import ast
import itertools
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources

from porter import __version__

MODULE = "porter_helpers"
FILENAME = f"{MODULE}.py"


@dataclass(frozen=True)
class Helper:
    name: str  # its top-level name in the source module and in porter_helpers
    source: str  # the module of this package that defines it
    why: str  # what torch lacks, for the report


HELPERS: dict[str, Helper] = {
    helper.name: helper
    for helper in (
        Helper("BatchNorm", "layers", "torch has no batch norm for 2-D to 5-D input with a fused activation"),
        Helper(
            "DownscaleInInferDropout",
            "layers",
            "torch's dropout scales while training, Paddle's downscale_in_infer mode in eval",
        ),
        Helper(
            "ConvNormActivation", "vision_ops", "torch has no conv + norm + activation block (torchvision's)"
        ),
        Helper("ParamAttr", "param_attr", "a ParamAttr kept as a value has no torch counterpart"),
        Helper(
            "apply_param_attr",
            "param_attr",
            "torch layers take no initializer: it is applied after the layer",
        ),
        Helper(
            "with_param_attrs",
            "param_attr",
            "torch layers take no initializer: a layer built inside an expression gets it there",
        ),
        Helper("Assign", "param_attr", "torch.nn.init has no initializer that copies given values in"),
        Helper(
            "L2Decay",
            "param_attr",
            "torch has no regularizer object: an optimizer's weight_decay is the coefficient itself",
        ),
        Helper("get_weights_path_from_url", "download", "torch has no Paddle weights cache"),
        *(
            Helper(
                f"GlobalStatsBatchNorm{rank}d",
                "norms",
                "torch's batch norm normalises with its running statistics only in eval mode (use_global_stats)",
            )
            for rank in (1, 2, 3)
        ),
        Helper(
            "weight_norm",
            "norms",
            "torch's weight norm takes the axis of its own layout, and a Linear weight is Paddle's transposed",
        ),
        Helper("temporal_shift", "video", "torch has no temporal shift (TSM) operator"),
        Helper("ParallelEnv", "distributed", "torch has no object describing the data-parallel launch"),
        Helper(
            "cross_entropy",
            "losses",
            "torch's cross entropy takes classes on dim 1 and reduces ignored and soft labels differently",
        ),
        Helper("CrossEntropyLoss", "losses", "the layer form of Paddle's cross entropy (classes on axis)"),
        Helper("accuracy", "metrics", "torch has no top-k accuracy function"),
        Helper("Metric", "metrics", "torch has no metric interface for paddle.Model"),
        Helper("Accuracy", "metrics", "torch has no accumulating accuracy metric"),
        Helper(
            "attach_lr_scheduler",
            "training",
            "a torch optimizer does not own its scheduler (state dict, paddle.Model's per-batch step)",
        ),
        Helper("Model", "training", "torch has no high-level fit/evaluate/predict API (paddle.Model)"),
        Helper(
            "Unconverted",
            "unconverted",
            "Paddle names left unconverted are bound to stand-ins that raise when used",
        ),
    )
}
TARGETS = frozenset(f"{MODULE}.{name}" for name in HELPERS)


def target(name: str) -> str:
    """``porter_helpers.<name>``: how converted code spells a helper."""
    if name not in HELPERS:
        raise KeyError(f"no helper named {name!r} (declared: {', '.join(HELPERS)})")
    return f"{MODULE}.{name}"


def import_statement(package: str | None, tree_package: str | None) -> str:
    """How a converted file imports the helper module written at the root of its tree.

    A file inside the converted package imports it relatively (``from .. import porter_helpers`` one
    package down), so the tree keeps working under any name; anything else imports it as a top-level
    module, found when the output root (or the output file's directory) is on ``sys.path``.
    """
    if package and tree_package and (package == tree_package or package.startswith(tree_package + ".")):
        depth = package.count(".") - tree_package.count(".")
        return f"from {'.' * (depth + 1)} import {MODULE}"
    return f"import {MODULE}"


# -- the module written into the output ------------------------------------------------------------

_HEADER = "Helpers for code converted from PaddlePaddle by porter"
_LISTING = "Helpers in this file:"


def render(names: Iterable[str]) -> str:
    """Source of ``porter_helpers.py`` holding ``names`` and what they depend on (same text every time)."""
    wanted = sorted(set(names), key=list(HELPERS).index)
    unknown = [name for name in wanted if name not in HELPERS]
    if unknown or not wanted:
        raise KeyError(f"cannot render helpers {unknown or 'none'}")
    future: list[str] = []
    imports: list[str] = []
    bodies: list[str] = []
    for source in dict.fromkeys(HELPERS[name].source for name in wanted):
        module = _Source(source)
        header, code = module.extract([name for name in wanted if HELPERS[name].source == source])
        future += [line for line in header if line.startswith("from __future__")]
        imports += [line for line in header if not line.startswith("from __future__")]
        bodies += code
    listing = "".join(f"    {name}\n" for name in wanted)
    docstring = (
        f'"""{_HEADER} {__version__} (`porter convert`).\n\n'
        "Pure-torch stand-ins for Paddle constructs torch has no equivalent for; the converted modules\n"
        "of this tree import them from here. porter writes this file again when it converts into this\n"
        "tree: change the code that uses a helper rather than the helper.\n\n"
        f"{_LISTING}\n{listing}"
        '"""\n'
    )
    libraries = sorted(set(imports), key=lambda line: (" torch" in line, line.startswith("from "), line))
    standard = [line for line in libraries if " torch" not in line]
    head = [
        docstring,
        "\n".join(dict.fromkeys(future)),
        "\n\n".join("\n".join(group) for group in (standard, libraries[len(standard) :]) if group),
    ]
    code = [block.rstrip("\n") for block in bodies]
    return "\n\n".join(block.rstrip("\n") for block in head if block) + "\n\n\n" + "\n\n\n".join(code) + "\n"


def written_names(text: str) -> list[str] | None:
    """The helpers a ``porter_helpers.py`` that porter wrote holds; None when porter did not write it."""
    try:
        docstring = ast.get_docstring(ast.parse(text)) or ""
    except SyntaxError:
        return None
    if not docstring.startswith(_HEADER):
        return None
    lines = docstring.splitlines()
    if _LISTING not in lines:
        return None
    listed = lines[lines.index(_LISTING) + 1 :]
    return [line.strip() for line in itertools.takewhile(lambda line: line.startswith("    "), listed)]


class HelperModuleError(Exception):
    """An existing helper module that porter cannot extend (not written by porter, or by a newer one)."""


def merged(existing: str | None, names: Iterable[str]) -> str:
    """The helper module to write where ``existing`` (or nothing) is: its helpers plus ``names``."""
    names = set(names)
    if existing is not None:
        held = written_names(existing)
        if held is None:
            raise HelperModuleError(f"{FILENAME} exists and was not written by porter; rename it")
        unknown = [name for name in held if name not in HELPERS]
        if unknown:
            raise HelperModuleError(
                f"{FILENAME} holds helpers this porter does not know: {', '.join(unknown)}"
            )
        names.update(held)
    return render(names)


class _Source:
    """One helper source module, split into its imports and its top-level definitions."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.lines = resources.files(__name__).joinpath(f"{name}.py").read_text(encoding="utf-8").splitlines()
        tree = ast.parse("\n".join(self.lines))
        self.imports: list[ast.Import | ast.ImportFrom] = []
        self.definitions: list[tuple[set[str], set[str], str]] = []  # (defines, uses, source text)
        for index, node in enumerate(tree.body):
            if isinstance(node, ast.Import | ast.ImportFrom):
                self.imports.append(node)
            elif index == 0 and isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
                continue  # the module docstring
            else:
                self.definitions.append((_defined(node), _used(node), self._text(node)))

    def _text(self, node: ast.stmt) -> str:
        """The statement's lines with its decorators and the comment lines right above it."""
        first = min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", []))]) - 1
        while first > 0 and self.lines[first - 1].lstrip().startswith("#"):
            first -= 1
        return "\n".join(self.lines[first : node.end_lineno]) + "\n"

    def extract(self, names: list[str]) -> tuple[list[str], list[str]]:
        """(import lines, definition texts) for ``names`` and every top-level name they use."""
        needed, pending = set(), list(names)
        while pending:
            name = pending.pop()
            if name in needed:
                continue
            needed.add(name)
            for defines, uses, _ in self.definitions:
                if name in defines:
                    pending.extend(uses)
        chosen = [(defines, uses, text) for defines, uses, text in self.definitions if defines & needed]
        missing = set(names) - {name for defines, _, _ in chosen for name in defines}
        if missing:
            raise KeyError(f"helpers/{self.name}.py defines no {', '.join(sorted(missing))}")
        used = set().union(*(uses for _, uses, _ in chosen))
        return [line for node in self.imports if (line := _import_line(node, used))], [t for *_, t in chosen]


def _defined(node: ast.stmt) -> set[str]:
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return {node.name}
    targets = node.targets if isinstance(node, ast.Assign) else [getattr(node, "target", None)]
    return {
        name.id for target in targets if target for name in ast.walk(target) if isinstance(name, ast.Name)
    }


def _used(node: ast.stmt) -> set[str]:
    return {
        name.id for name in ast.walk(node) if isinstance(name, ast.Name) and isinstance(name.ctx, ast.Load)
    }


def _import_line(node: ast.Import | ast.ImportFrom, used: set[str]) -> str | None:
    """The import statement keeping only the names ``used`` needs (``from __future__`` always)."""
    if isinstance(node, ast.ImportFrom) and node.module == "__future__":
        return ast.unparse(node)
    kept = [alias for alias in node.names if _bound_name(node, alias) in used]
    return ast.unparse(node.__class__(**{**vars(node), "names": kept})) if kept else None


def _bound_name(node: ast.Import | ast.ImportFrom, alias: ast.alias) -> str:
    if alias.asname:
        return alias.asname
    return alias.name.split(".")[0] if isinstance(node, ast.Import) else alias.name
