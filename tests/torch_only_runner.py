"""Runs converted code in a process where neither paddle nor porter can be imported.

Started by tests/test_torch_only.py as ``python -I tests/torch_only_runner.py JOBS.json`` (isolated: no
PYTHONPATH, no user site, no script directory on sys.path), it refuses ``paddle`` and ``porter`` before
anything else is imported, and imports nothing of the repository itself. Jobs:

- ``{"kind": "models", "root": DIR, "package": NAME, "builds": [[module, expression, input_shape], ...]}``:
  import ``NAME.module`` (``NAME`` for an empty module) from ``DIR``, evaluate ``expression`` in it (a factory call), run the model on a
  seeded input of ``input_shape`` in eval mode; the output must be finite.
- ``{"kind": "imports", "root": DIR, "files": [...]}``: for each converted snippet, run its imports and
  look up every dotted name it reads through them (``torch.nn.Conv2d``, ``porter_helpers.BatchNorm``).
- ``{"kind": "calls", "root": DIR, "package": NAME, "calls": [[module, expression, expected], ...]}``:
  evaluate ``expression`` in ``NAME.module``; ``expected`` is "" (it must work) or the start of the
  error it must raise.

Prints one JSON object: job item -> "" or what went wrong.
"""

import ast
import importlib
import json
import sys

REFUSED = ("paddle", "porter")


class _Refuse:
    def find_spec(self, fullname, path=None, target=None):
        if fullname.split(".")[0] in REFUSED:
            raise ImportError(f"{fullname} cannot be imported here: converted code must need torch only")
        return None


sys.meta_path.insert(0, _Refuse())
for _name in [name for name in sys.modules if name.split(".")[0] in REFUSED]:
    del sys.modules[_name]


def _module(package: str, name: str):
    return importlib.import_module(f"{package}.{name}" if name else package)


def _error(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}".splitlines()[0][:300]


def _models(job: dict, results: dict) -> None:
    import torch

    sys.path.insert(0, job["root"])
    for module_name, expression, shape in job["builds"]:
        key = f"{job['package']}.{module_name}:{expression}"
        try:
            module = _module(job["package"], module_name)
            torch.manual_seed(0)
            model = eval(expression, vars(module))  # noqa: S307 - the test's own factory call
            model.eval()
            with torch.no_grad():
                out = model(torch.randn(*shape))
            out = out[0] if isinstance(out, tuple | list) else out
            assert torch.isfinite(out).all(), "non-finite output"
            results[key] = ""
        except Exception as error:  # noqa: BLE001 - reported to the test
            results[key] = _error(error)


def _dotted(node: ast.AST) -> str | None:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    return ".".join([node.id, *reversed(parts)]) if isinstance(node, ast.Name) and parts else None


def _imports(job: dict, results: dict) -> None:
    sys.path.insert(0, job["root"])
    for path in job["files"]:
        try:
            with open(path, encoding="utf-8") as stream:
                tree = ast.parse(stream.read())
            statements = [
                node
                for node in ast.walk(tree)
                if isinstance(node, ast.Import) or (isinstance(node, ast.ImportFrom) and not node.level)
            ]
            namespace: dict = {}
            for statement in statements:
                try:
                    exec(compile(ast.Module([statement], []), path, "exec"), namespace)  # noqa: S102
                except ModuleNotFoundError as error:
                    # a library the user's snippet imports (cv2) that is not installed here: porter
                    # itself only ever writes torch, the standard library and porter_helpers
                    if (error.name or "").split(".")[0] in ("torch", "porter_helpers", *REFUSED):
                        raise
            rebound = {
                n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and not isinstance(n.ctx, ast.Load)
            }
            rebound |= {n.arg for n in ast.walk(tree) if isinstance(n, ast.arg)}
            for node in ast.walk(tree):
                chain = _dotted(node)
                if not chain or chain.split(".")[0] not in namespace.keys() - rebound:
                    continue
                value = namespace[chain.split(".")[0]]
                for part in chain.split(".")[1:]:
                    value = getattr(value, part)
            results[path] = ""
        except Exception as error:  # noqa: BLE001
            results[path] = _error(error)


def _calls(job: dict, results: dict) -> None:
    sys.path.insert(0, job["root"])
    for module_name, expression, expected in job["calls"]:
        key = f"{job['package']}.{module_name}:{expression}"
        try:
            module = _module(job["package"], module_name)
            eval(expression, vars(module))  # noqa: S307
            results[key] = "" if not expected else f"did not raise {expected}"
        except Exception as error:  # noqa: BLE001
            text = _error(error)
            results[key] = "" if expected and text.startswith(expected) else text


def main() -> None:
    with open(sys.argv[1], encoding="utf-8") as stream:
        jobs = json.load(stream)
    results: dict[str, str] = {}
    for probe in REFUSED:
        try:
            importlib.import_module(probe)
            results[f"<{probe} refused>"] = f"{probe} was importable"
        except ImportError:
            results[f"<{probe} refused>"] = ""
    for job in jobs:
        {"models": _models, "imports": _imports, "calls": _calls}[job["kind"]](job, results)
    print(json.dumps(results))


if __name__ == "__main__":
    main()
