"""Which local names hold numpy arrays, in textual order: method rules skip those receivers.

Tensor-method calls carry no types, and numpy arrays share method names with Paddle tensors
(``astype``, ``transpose``, ``reshape`` ...). Seed 004 itself does ``x = np.random.randn(...)``,
``x = x.astype('float32')``, ``x = paddle.to_tensor(x)``. A name whose latest assignment (in the same
function, earlier in the text) was numpy-rooted is taken to be an array; everything else keeps the
tensor assumption. Loops can defeat textual order, so this only ever *withholds* a rewrite.
"""

from __future__ import annotations

import libcst as cst

from porter.convert.names import dotted_name


class Provenance:
    def __init__(self, module: cst.Module) -> None:
        self.numpy_modules = _imported(module, only="numpy")
        self.imported = _imported(module)
        self.scopes: list[dict[str, bool]] = [{}]

    def is_module_function(self, receiver: cst.BaseExpression) -> bool:
        """``torch.remainder`` / ``init.uniform_``: a receiver rooted at an imported name is a module
        (or class), not a tensor — this also keeps a second run from re-reading converted code."""
        while isinstance(receiver, cst.Attribute):
            receiver = receiver.value
        return isinstance(receiver, cst.Name) and receiver.value in self.imported

    def enter(self) -> None:
        self.scopes.append({})

    def leave(self) -> None:
        self.scopes.pop()

    def assigned(self, node: cst.Assign) -> None:
        is_array = self.is_numpy(node.value)
        for target in node.targets:
            if isinstance(target.target, cst.Name):
                self.scopes[-1][target.target.value] = is_array

    def is_numpy(self, node: cst.BaseExpression) -> bool:
        """A numpy-module call/attribute chain, ``t.numpy()``, or a method chain on a numpy name."""
        while True:
            if isinstance(node, cst.Call):
                if isinstance(node.func, cst.Attribute) and node.func.attr.value == "numpy" and not node.args:
                    return True
                node = node.func
            elif isinstance(node, cst.Attribute | cst.Subscript):
                node = node.value
            elif isinstance(node, cst.Name):
                return node.value in self.numpy_modules or self.scopes[-1].get(node.value, False)
            else:
                return False


def _imported(module: cst.Module, only: str | None = None) -> frozenset[str]:
    """Names bound by the module's imports at any depth (of ``only``, if given): a module imported inside
    a function is a module there too (a second run reads converted code that does ``import torch`` locally)."""
    names = set()
    stack: list[cst.CSTNode] = [module]
    while stack:
        node = stack.pop()
        if isinstance(node, cst.Import):
            for alias in node.names:
                full = dotted_name(alias.name) or ""
                if only is None or full == only:
                    names.add(alias.asname.name.value if alias.asname else full.split(".")[0])
        elif isinstance(node, cst.ImportFrom):
            if only is None and not isinstance(node.names, cst.ImportStar):
                names.update(
                    alias.asname.name.value if alias.asname else (dotted_name(alias.name) or "")
                    for alias in node.names
                )
        elif not isinstance(node, cst.BaseExpression):  # imports are statements: no need to enter expressions
            stack.extend(node.children)
    return frozenset(names)
