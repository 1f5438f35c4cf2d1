"""Real-world benchmark: convert public Paddle code, import it without paddle, and prove its models.

For each corpus spec (a TOML file, see bench/real_world/*.toml and docs/real-world.md):

1. **Convert** the corpus package as a tree with ``porter convert`` (so relative imports resolve) and
   count, over the spec's listed files: files, files without a TODO, TODOs by code and by API.
2. **Import** every listed converted module in a fresh interpreter where ``import paddle`` and
   ``import porter`` raise. Parent packages are mounted without running their ``__init__`` (each module
   is judged on its own code and what it imports); a failure is classified as ``needs-paddle`` (a
   converted module still imports Paddle), ``missing-dependency`` (a third-party package not installed
   here) or ``error`` (anything else: a wrong conversion, a TODO statement that runs at import).
3. **Parity** for every ``[[model]]`` of the spec, each in its own interpreter: the original module is
   imported with paddle, the converted one under the ``_ported`` prefix with paddle and porter refused to
   it; both models are built with the spec's arguments (seeded), and
   ``porter.verify.parity.verify_pair(..., dtype="float64")`` copies the weights and compares the forward
   outputs elementwise. A model counts as *built* when both sides construct.

It prints a summary and writes everything as JSON. This is a benchmark, not a test: it asserts nothing.

Usage:
    python bench/real_world.py bench/real_world/paddlevideo.toml [more.toml ...] \\
        --checkouts /work/realworld --out real_world.json [--work DIR] [--no-parity] [--model NAME]

The third-party code stays outside this repository: ``--checkouts`` holds one checkout per spec
(its ``checkout`` key), at the commit the spec names.
"""

from __future__ import annotations

import argparse
import builtins
import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import io
import json
import subprocess
import sys
import tempfile
import time
import tomllib
import traceback
from collections import Counter
from pathlib import Path
from typing import Any

REFUSED = ("paddle", "porter")
DOCS = Path(__file__).resolve().parents[1] / "docs" / "real-world.md"
PORTED = "_ported"  # the converted tree's mount point in a parity run
IMPORT_TIMEOUT = 900
PARITY_TIMEOUT = 600


# --- the isolated interpreters --------------------------------------------------------------------------


PACKAGE_FAILURES: dict[str, BaseException] = {}  # package -> why its __init__ stopped


class _TolerantPackage(importlib.abc.Loader):
    """A package whose ``__init__`` runs as far as it can: names it binds before a failure stay (a module
    is judged on its own code and what it imports, not on every sibling the package's ``__init__`` pulls in)."""

    def __init__(self, init: Path | None) -> None:
        self.init = init

    def create_module(self, spec):
        return None

    def exec_module(self, module) -> None:
        if self.init is None:
            return
        module.__file__ = str(self.init)
        try:
            exec(compile(self.init.read_text(encoding="utf-8"), str(self.init), "exec"), module.__dict__)
        except BaseException as error:  # noqa: BLE001 - recorded; the package stays usable
            PACKAGE_FAILURES[module.__name__] = error


class TreeFinder(importlib.abc.MetaPathFinder):
    """Imports ``mount.<a>.<b>`` from ``root/<a>/<b>.py``; directories become empty packages."""

    def __init__(self, mount: str, root: Path) -> None:
        self.mount, self.root = mount, root

    def find_spec(self, fullname, path=None, target=None):
        if fullname == self.mount.split(".")[0] and "." in self.mount:
            return self._package(fullname, self.root.parent)  # the bare prefix of a dotted mount
        if fullname != self.mount and not fullname.startswith(self.mount + "."):
            return None
        relative = fullname[len(self.mount) :].lstrip(".")
        location = self.root.joinpath(*relative.split(".")) if relative else self.root
        if location.is_dir():
            return self._package(fullname, location)
        source = location.with_suffix(".py")
        if source.is_file():
            return importlib.util.spec_from_file_location(fullname, source)
        return None

    @staticmethod
    def _package(fullname: str, location: Path):
        init = location / "__init__.py"
        spec = importlib.machinery.ModuleSpec(
            fullname, _TolerantPackage(init if init.is_file() else None), is_package=True
        )
        spec.submodule_search_locations = [str(location)]
        return spec


def _refuse_imports(importer_prefix: str | None) -> None:
    """``import paddle``/``import porter`` raise, for every importer or only for modules under a prefix."""
    original = builtins.__import__

    def guarded(name, globals=None, locals=None, fromlist=(), level=0):
        importer = (globals or {}).get("__name__", "") or ""
        blocked = (
            importer_prefix is None
            or importer == importer_prefix
            or importer.startswith(importer_prefix + ".")
        )
        if level == 0 and blocked and name.split(".")[0] in REFUSED:
            raise ImportError(f"refused: converted code imported {name!r}")
        return original(name, globals, locals, fromlist, level)

    builtins.__import__ = guarded


def _port_imports_its_own_package(package: str) -> None:
    """In a parity run the Paddle original is ``package`` and its port ``_ported.package``; the port's
    absolute imports of its own package (``from paddlespeech.s2t.modules.align import Linear``) must reach
    the port, not the Paddle original loaded beside it."""
    original = builtins.__import__

    def redirected(name, globals=None, locals=None, fromlist=(), level=0):
        importer = (globals or {}).get("__name__", "") or ""
        if level == 0 and importer.startswith(PORTED + ".") and name.split(".")[0] == package:
            module = original(f"{PORTED}.{name}", globals, locals, fromlist, level)
            return module if fromlist else sys.modules[f"{PORTED}.{package}"]
        return original(name, globals, locals, fromlist, level)

    builtins.__import__ = redirected


def _classify(error: BaseException, corpus_package: str, root: Path | None = None) -> dict[str, Any]:
    frames = traceback.extract_tb(error.__traceback__)
    inside = [f for f in frames if root is not None and Path(f.filename).is_relative_to(root)]
    where = next((f"{Path(f.filename).relative_to(root)}:{f.lineno}" for f in reversed(inside)), "")
    message = f"{type(error).__name__}: {error}".splitlines()[0][:300]
    trace = [f"{Path(f.filename).relative_to(root)}:{f.lineno} {f.line}" for f in inside[-4:]]
    if isinstance(error, ImportError) and str(error).startswith("refused:"):
        return {"kind": "needs-paddle", "message": message, "where": where, "trace": trace}
    if isinstance(error, ModuleNotFoundError) and error.name and not error.name.startswith(corpus_package):
        missing = error.name.split(".")[0]
        if missing not in REFUSED:
            return {"kind": "missing-dependency", "module": missing, "message": message, "where": where}
    return {"kind": "error", "message": message, "where": where, "trace": trace}


def _worker_import(job: dict[str, Any]) -> dict[str, Any]:
    _refuse_imports(None)
    root = Path(job["converted"])
    sys.meta_path.insert(0, TreeFinder(job["package"], root))
    # files of a tree that is not a package import porter_helpers absolutely, from the output root on
    # sys.path (docs/porting-guide.md, "Where the module goes")
    sys.path.append(str(root))
    results = {}
    for module in job["modules"]:
        try:
            importlib.import_module(module)
            results[module] = {"kind": "ok"}
        except BaseException as error:  # noqa: BLE001 - every failure is a finding, including SystemExit
            results[module] = _classify(error, job["package"], root.parent)
    for package, error in PACKAGE_FAILURES.items():
        results[f"{package}.__init__"] = _classify(error, job["package"], root.parent)
    return results


def _worker_parity(job: dict[str, Any]) -> dict[str, Any]:
    package, model = job["package"], job["model"]
    sys.meta_path.insert(0, TreeFinder(package, Path(job["original"])))
    sys.meta_path.insert(0, TreeFinder(f"{PORTED}.{package}", Path(job["converted"])))
    sys.path.append(job["converted"])  # porter_helpers for the files outside a package, as above
    if not job.get("unguarded"):
        _refuse_imports(PORTED)
    _port_imports_its_own_package(package)
    module = job["module"]
    outcome: dict[str, Any] = {"name": model["name"], "file": model["file"]}
    started = time.perf_counter()
    try:
        preload = [f"{package}.{name}" for name in job.get("preload", [])]
        paddle_side = _build(module, model, "paddle", Path(job["original"]).parent, preload)
        ported = [f"{PORTED}.{name}" for name in preload]
        torch_side = _build(f"{PORTED}.{module}", model, "torch", Path(job["converted"]).parent, ported)
    except _BuildFailed as failed:
        outcome.update(status=f"not-built ({failed.side})", **failed.details)
        return outcome
    from porter.verify.parity import verify_pair

    try:
        result = verify_pair(
            paddle_side, torch_side, _inputs(model["inputs"]), dtype="float64", name=model["name"]
        )
    except BaseException as error:  # noqa: BLE001
        outcome.update(status="verify-error", **_classify(error, package, Path(job["converted"]).parent))
        return outcome
    outcome.update(
        status="parity" if result.passed else "differs",
        summary=result.render().splitlines()[:12],
        seconds=round(time.perf_counter() - started, 1),
    )
    return outcome


def _inputs(shapes: list[list[int]]):
    """One shape: verify draws the seeded input itself; several: seeded standard-normal arrays."""
    import numpy as np

    if len(shapes) == 1:
        return tuple(shapes[0])
    rng = np.random.default_rng(0)
    return [rng.standard_normal(tuple(shape)) for shape in shapes]


class _BuildFailed(Exception):
    def __init__(self, side: str, details: dict[str, Any]) -> None:
        super().__init__(side)
        self.side, self.details = side, details


def _build(module_name: str, model: dict[str, Any], side: str, root: Path, preload: list[str]):
    try:
        for name in preload:  # modules that fill a registry the model looks its parts up in
            importlib.import_module(name)
        module = importlib.import_module(module_name)
        if side == "paddle":
            import paddle

            paddle.seed(0)
        else:
            import torch

            torch.manual_seed(0)
        built = getattr(module, model["name"])(**model.get("kwargs", {}))
        built.eval()
        return built
    except BaseException as error:  # noqa: BLE001
        raise _BuildFailed(side, _classify(error, module_name.split(".")[0], root)) from error


def _worker(mode: str) -> None:
    job = json.loads(sys.stdin.read())
    captured = io.StringIO()
    real_stdout, sys.stdout = sys.stdout, captured  # model code prints; keep the JSON channel clean
    try:
        result = _worker_import(job) if mode == "import" else _worker_parity(job)
    finally:
        sys.stdout = real_stdout
    print(json.dumps(result))


def _run_worker(mode: str, job: dict[str, Any], timeout: int, scratch: Path) -> Any:
    """Run a worker in ``scratch`` (model code writes logs and caches into its working directory)."""
    try:
        completed = subprocess.run(
            [sys.executable, str(Path(__file__).resolve()), "--worker", mode],
            input=json.dumps(job),
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=scratch,
        )
    except subprocess.TimeoutExpired:
        return {"kind": "error", "message": f"timed out after {timeout} s"}
    lines = completed.stdout.strip().splitlines()
    if completed.returncode != 0 or not lines:
        tail = completed.stderr.strip().splitlines()[-3:]
        return {"kind": "error", "message": f"worker exited {completed.returncode}: {' | '.join(tail)}"}
    return json.loads(lines[-1])


# --- one corpus ----------------------------------------------------------------------------------------


def _module_name(package: str, relative: str) -> str:
    parts = [package, *Path(relative).with_suffix("").parts]
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def convert_corpus(source: Path, work: Path) -> dict[str, Any]:
    """Convert the package tree; the per-file results keyed by path relative to the package."""
    from porter.convert.tree import ConvertOptions, convert_path

    target = work / source.name
    outcome = convert_path(
        ConvertOptions(str(source), output=str(target)), stdin=io.StringIO(), stdout=io.StringIO()
    )
    return {result.path: result for result in outcome.report.files}


def run_corpus(
    spec_path: Path, checkouts: Path, work: Path, *, parity: bool, only: str | None, unguarded: bool = False
) -> dict[str, Any]:
    spec = tomllib.loads(spec_path.read_text(encoding="utf-8"))
    checkout = checkouts / spec["checkout"]
    source = checkout / spec["package"]
    package = Path(spec["package"]).name
    if not source.is_dir():
        raise SystemExit(
            f"{spec_path}: {source} is not a directory (fetch {spec['repo']} at {spec['commit']})"
        )
    converted_root = work / package
    results = convert_corpus(source, work)
    scratch = work / "scratch"
    scratch.mkdir(parents=True, exist_ok=True)
    files = {}
    todo_codes: Counter[str] = Counter()
    todo_apis: Counter[str] = Counter()
    for relative in spec["files"]:
        result = results.get(relative)
        if result is None:
            raise SystemExit(f"{spec_path}: {relative} is not a Python file of {source}")
        todos = [d for d in result.diagnostics if d.severity.value == "error"]
        todo_codes.update(d.code for d in todos)
        todo_apis.update(result.unconverted)
        files[relative] = {
            "status": result.status.value,
            "todos": [f"{d.line}: {d.code} {d.message}" for d in todos],
            "warnings": sum(d.severity.value == "warning" for d in result.diagnostics),
        }
    modules = {relative: _module_name(package, relative) for relative in spec["files"]}
    imported = _run_worker(
        "import",
        {"package": package, "converted": str(converted_root), "modules": list(modules.values())},
        IMPORT_TIMEOUT,
        scratch,
    )
    for relative, module in modules.items():
        files[relative]["import"] = imported.get(module, imported) if isinstance(imported, dict) else imported
    packages = {name: why for name, why in imported.items() if name.endswith(".__init__")}
    models = []
    for model in spec.get("model", []) if parity else []:
        if only and model["name"] != only:
            continue
        job = {
            "package": package,
            "original": str(source),
            "converted": str(converted_root),
            "module": modules.get(model["file"], _module_name(package, model["file"])),
            "model": model,
            "unguarded": unguarded,
            "preload": model.get("preload", spec.get("preload", [])),
        }
        outcome = _run_worker("parity", job, PARITY_TIMEOUT, scratch)
        outcome.setdefault("name", model["name"])
        outcome.setdefault("file", model["file"])
        outcome.setdefault("status", "worker-error")
        models.append(outcome)
        print(f"  {model['name']:<28} {outcome['status']}", flush=True)
    return {
        "corpus": spec_path.stem,
        "repo": spec["repo"],
        "commit": spec["commit"],
        "files": files,
        "package_init_failures": packages,
        "models": models,
        "todo_codes": dict(todo_codes.most_common()),
        "todo_apis": dict(todo_apis.most_common()),
    }


# --- figures -------------------------------------------------------------------------------------------


def figures(corpora: list[dict[str, Any]]) -> dict[str, Any]:
    files = [f for corpus in corpora for f in corpus["files"].values()]
    models = [m for corpus in corpora for m in corpus["models"]]
    built = [m for m in models if m["status"] in ("parity", "differs")]
    kinds = Counter(f["import"].get("kind", "error") for f in files)
    codes: Counter[str] = Counter()
    apis: Counter[str] = Counter()
    for corpus in corpora:
        codes.update(corpus["todo_codes"])
        apis.update(corpus["todo_apis"])
    return {
        "files": len(files),
        "zero_todo_files": sum(not f["todos"] for f in files),
        "importable_files": kinds["ok"],
        "import_failures": {k: v for k, v in kinds.items() if k != "ok"},
        "models": len(models),
        "models_built": len(built),
        "models_at_parity": sum(m["status"] == "parity" for m in built),
        "todos_by_code": dict(codes.most_common()),
        "todos_by_api": dict(apis.most_common()),
    }


def render(summary: dict[str, Any], corpora: list[dict[str, Any]]) -> str:
    lines = [
        f"files: {summary['files']}  zero-TODO: {summary['zero_todo_files']}  "
        f"importable without paddle: {summary['importable_files']}",
        f"import failures: {summary['import_failures']}",
        f"models: {summary['models']}  built: {summary['models_built']}  "
        f"at parity (float64): {summary['models_at_parity']}",
        "TODOs by code: " + ", ".join(f"{k} {v}" for k, v in summary["todos_by_code"].items()),
        "TODOs by API:",
        *(f"  {v:4d}  {k}" for k, v in list(summary["todos_by_api"].items())[:40]),
    ]
    for corpus in corpora:
        for path, info in corpus["files"].items():
            if info["import"].get("kind") != "ok":
                lines.append(f"  import {corpus['corpus']}/{path}: {info['import']}")
        for model in corpus["models"]:
            if model["status"] != "parity":
                detail = model.get("message") or " / ".join(model.get("summary", [])[:3])
                lines.append(f"  model {corpus['corpus']}/{model['name']}: {model['status']} {detail}")
    return "\n".join(lines)


# --- the page ------------------------------------------------------------------------------------------

BEGIN, END = (
    "<!-- real-world:begin (generated by bench/real_world.py --write-docs) -->",
    "<!-- real-world:end -->",
)


def markdown(data: dict[str, Any], measured: str) -> str:
    """The generated part of docs/real-world.md: the figures of one run, ``measured`` saying where."""
    s = data["summary"]
    out: list[str] = []
    w = out.append
    w(measured + "\n")
    w("## Summary\n")
    w("| | count |\n|---|---:|")
    allm = [m for c in data["corpora"] for m in c["models"]]
    built = [m for m in allm if not str(m.get("status", "")).startswith("not-built")]
    ran = [m for m in built if m.get("status") != "verify-error"]
    for key, label in [
        ("files", "files converted"),
        ("zero_todo_files", "files without a TODO"),
        ("importable_files", "files that import without paddle"),
        ("models", "models listed"),
    ]:
        w(f"| {label} | {s[key]} |")
    w(f"| models built on both sides | {len(built)} |")
    w(f"| ... whose verify ran to a verdict | {len(ran)} |")
    w(f"| models at float64 parity | {s['models_at_parity']} |")
    w("")
    w(
        "Import failures by kind: "
        + ", ".join(f"{k} {v}" for k, v in sorted(s["import_failures"].items()))
        + ".\n"
    )
    w("## Per corpus\n")
    w(
        "| corpus | commit | files | no TODO | import | models | built | verdict | parity |\n|---|---|---:|---:|---:|---:|---:|---:|---:|"
    )
    for c in data["corpora"]:
        files = c["files"]
        no_todo = sum(1 for f in files.values() if not f.get("todos"))
        imp = sum(1 for f in files.values() if (f.get("import") or {}).get("kind") == "ok")
        models = c["models"]
        built = sum(1 for m in models if not str(m.get("status", "")).startswith("not-built"))
        parity = sum(1 for m in models if m.get("status") == "parity")
        verdict = sum(1 for m in models if m.get("status") in ("parity", "differs"))
        w(
            f"| {c['corpus']} | `{c['repo']}@{c['commit'][:12]}` | {len(files)} | {no_todo} | {imp} | {len(models)} | {built} | {verdict} | {parity} |"
        )
    w("")
    w("## Why a module does not import, why a model is not built\n")
    reasons = Counter()
    for c in data["corpora"]:
        for f in c["files"].values():
            i = f.get("import") or {}
            if i.get("kind") not in (None, "ok"):
                reasons[(i["kind"], i.get("module") or i.get("message", "")[:100])] += 1
    w("| import failure | module or message | files |\n|---|---|---:|")
    for (kind, what), n in reasons.most_common(15):
        w(f"| {kind} | `{what}` | {n} |")
    w("")
    mreasons = Counter()
    for c in data["corpora"]:
        for m in c["models"]:
            st = str(m.get("status", ""))
            if st != "parity":
                mreasons[(st, (m.get("module") or m.get("message") or "")[:110])] += 1
    w("| model outcome | reason | models |\n|---|---|---:|")
    for (st, why), n in mreasons.most_common(20):
        w(f"| {st} | `{why}` | {n} |")
    w("")
    w("## TODOs left\n")
    w("| code | TODOs |\n|---|---:|")
    for k, v in sorted(s["todos_by_code"].items(), key=lambda x: -x[1]):
        w(f"| `{k}` | {v} |")
    w("")
    w("| API | TODOs |\n|---|---:|")
    for k, v in sorted(s["todos_by_api"].items(), key=lambda x: -x[1])[:25]:
        w(f"| `{k}` | {v} |")
    w("")
    w("## Files\n")
    for c in data["corpora"]:
        w(f"- {c['repo']} at `{c['commit']}`: " + ", ".join(f"`{p}`" for p in c["files"]))
    return "\n".join(out)


def write_docs(docs: Path, data: dict[str, Any], measured: str) -> None:
    text = docs.read_text(encoding="utf-8")
    if BEGIN not in text or END not in text:
        raise SystemExit(f"{docs} has no generated block ({BEGIN} ... {END}) to replace")
    head, rest = text.split(BEGIN, 1)
    docs.write_text(
        head + BEGIN + "\n" + markdown(data, measured) + "\n" + END + rest.split(END, 1)[1], encoding="utf-8"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("specs", nargs="*", type=Path, help="corpus spec files (TOML)")
    parser.add_argument("--checkouts", type=Path, default=Path("/work/realworld"))
    parser.add_argument("--out", type=Path, default=Path("real_world.json"))
    parser.add_argument("--work", type=Path, help="where converted trees go (default: a temporary directory)")
    parser.add_argument("--no-parity", action="store_true", help="convert and import only")
    parser.add_argument("--model", help="run parity for this model name only")
    parser.add_argument(
        "--unguarded",
        action="store_true",
        help="diagnostic: let converted code import paddle/porter in parity runs (not the benchmark's figures)",
    )
    parser.add_argument(
        "--write-docs",
        metavar="MEASURED",
        help="rewrite the generated part of docs/real-world.md; MEASURED says where and how the run was made",
    )
    parser.add_argument(
        "--from-json", type=Path, help="render --write-docs from an earlier --out instead of running"
    )
    parser.add_argument("--worker", choices=("import", "parity"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        _worker(args.worker)
        return 0
    if args.from_json:
        if not args.write_docs:
            parser.error("--from-json only renders --write-docs")
        write_docs(DOCS, json.loads(args.from_json.read_text(encoding="utf-8")), args.write_docs)
        return 0
    if not args.specs:
        parser.error("give at least one corpus spec")
    work_root = args.work or Path(tempfile.mkdtemp(prefix="porter_real_world_"))
    corpora = []
    for spec in args.specs:
        print(f"{spec.stem}:", flush=True)
        corpora.append(
            run_corpus(
                spec,
                args.checkouts,
                work_root / spec.stem,
                parity=not args.no_parity,
                only=args.model,
                unguarded=args.unguarded,
            )
        )
    summary = figures(corpora)
    print(render(summary, corpora))
    args.out.write_text(
        json.dumps({"summary": summary, "corpora": corpora}, indent=1) + "\n", encoding="utf-8"
    )
    print(f"wrote {args.out} (converted trees in {work_root})")
    if args.write_docs:
        write_docs(DOCS, {"summary": summary, "corpora": corpora}, args.write_docs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
