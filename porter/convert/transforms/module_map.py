"""``--map-module OLD=NEW``: the user's own Paddle packages that already have a torch port.

A training script imports its model from a package of the user's (``from models.paddle import resnet``). That
package is not Paddle's, so porter would leave the import alone and the converted script would import Paddle
code. When the user says the package has a port (converted earlier with porter, or written by hand), its
imports are renamed in the output, through the one import rewrite (transforms/imports.py):

    from OLD.sub import name    ->  from NEW.sub import name
    import OLD.sub as alias     ->  import NEW.sub as alias
    import OLD                  ->  import NEW as OLD          (OLD a single name)

``import OLD.sub`` without ``as`` binds OLD's first name, so its uses (``OLD.sub.f()``) would need renaming
too; porter leaves such a statement and marks it. Each renamed import is reported (``mapped-module``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

import libcst as cst

from porter.convert.context import TODO_PREFIX
from porter.convert.names import dotted_name
from porter.convert.transforms.base import with_todos

_DOTTED = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")


@dataclass(frozen=True)
class ModuleMap:
    """Package renames, ``((old, new), ...)``; the longest matching ``old`` wins."""

    renames: tuple[tuple[str, str], ...] = ()

    @classmethod
    def parse(cls, specs: Iterable[str]) -> ModuleMap:
        """From ``OLD=NEW`` strings; ValueError naming the bad one."""
        renames: dict[str, str] = {}
        for spec in specs:
            old, equals, new = (part.strip() for part in spec.partition("="))
            if not equals or not _DOTTED.match(old) or not _DOTTED.match(new):
                raise ValueError(f"--map-module {spec!r}: expected OLD=NEW, two dotted module names")
            for name in (old, new):
                if name == "paddle" or name.startswith("paddle."):
                    raise ValueError(
                        f"--map-module {spec!r}: Paddle's own modules are converted by the table"
                    )
            if old == new:
                raise ValueError(f"--map-module {spec!r}: the two names are the same")
            if renames.get(old, new) != new:
                raise ValueError(f"--map-module {old} is given twice ({renames[old]}, {new})")
            renames[old] = new
        return cls(tuple(sorted(renames.items(), key=lambda item: -len(item[0]))))

    def __bool__(self) -> bool:
        return bool(self.renames)

    def rename(self, module: str) -> str | None:
        """The new name of ``module`` (or a module inside a mapped package); None when it is not mapped."""
        for old, new in self.renames:
            if module == old or module.startswith(old + "."):
                return new + module[len(old) :]
        return None

    def mentioned_in(self, text: str) -> bool:
        """A cheap test: could ``text`` import a mapped module?"""
        return any(old in text for old, _ in self.renames)


@dataclass
class Renamed:
    node: cst.Import | cst.ImportFrom  # the statement as it is in the original tree
    old: str
    new: str | None  # None: not renamed (``import OLD.sub`` without ``as``)

    @property
    def message(self) -> str:
        if self.new is not None:
            return f"{self.old} -> {self.new} (--map-module)"
        return (
            f"import {self.old} binds its first name, whose uses porter does not rename: "
            f"write `import {self.old} as <name>` or `from {self.old.rpartition('.')[0]} import ...`"
        )


def rename_import(
    node: cst.Import | cst.ImportFrom, modules: ModuleMap
) -> tuple[cst.Import | cst.ImportFrom, list[Renamed]]:
    """``node`` with its mapped module names renamed, and what was (or could not be) renamed."""
    if isinstance(node, cst.ImportFrom):
        if node.relative or node.module is None:
            return node, []
        old = dotted_name(node.module)
        new = modules.rename(old) if old else None
        if new is None:
            return node, []
        return node.with_changes(module=cst.parse_expression(new)), [Renamed(node, old, new)]
    aliases, found = [], []
    for alias in node.names:
        old = dotted_name(alias.name)
        new = modules.rename(old) if old else None
        if new is None:
            aliases.append(alias)
        elif alias.asname is not None:
            aliases.append(alias.with_changes(name=cst.parse_expression(new)))
            found.append(Renamed(node, old, new))
        elif "." not in old:
            as_old = cst.AsName(name=cst.Name(old))
            aliases.append(alias.with_changes(name=cst.parse_expression(new), asname=as_old))
            found.append(Renamed(node, old, new))
        else:
            aliases.append(alias)
            found.append(Renamed(node, old, None))
    return node.with_changes(names=aliases), found


class MappedImports(cst.CSTTransformer):
    """Renames mapped imports anywhere in a module; ``found`` lists them (keyed on the nodes it was given,
    which the traversal leaves as they were in the original tree, so positions can be reported)."""

    def __init__(self, modules: ModuleMap) -> None:
        super().__init__()
        self.modules = modules
        self.found: list[Renamed] = []

    def visit_Import(self, node: cst.Import) -> bool:
        return False

    def visit_ImportFrom(self, node: cst.ImportFrom) -> bool:
        return False

    def leave_SimpleStatementLine(
        self, original: cst.SimpleStatementLine, updated: cst.SimpleStatementLine
    ) -> cst.SimpleStatementLine:
        body, todos = [], []
        for small in updated.body:
            if isinstance(small, cst.Import | cst.ImportFrom):
                small, found = rename_import(small, self.modules)
                self.found.extend(found)
                todos += [
                    f"{TODO_PREFIX}(mapped-module) {item.message}" for item in found if item.new is None
                ]
            body.append(small)
        return with_todos(updated.with_changes(body=body), todos)
