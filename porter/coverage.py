"""Coverage runner: convert the installed ``paddle.vision.models`` with porter and verify every factory.

What a user would do, end to end and untouched: ``porter convert <paddle/vision/models> -o OUT`` (the
library call under that command), import the converted package with torch only (a subprocess in which
``import paddle`` fails builds one factory of every file), then for every name in
``paddle.vision.models.__all__`` build the Paddle and the converted torch model with ``pretrained=False``,
copy the weights with porter's transfer and run porter's parity check in float32 and float64 (backward
too for one cheap factory per source file).

    python -m porter.coverage                 # table on stdout
    python -m porter.coverage --write-docs    # also regenerate docs/coverage.md

Nothing here imports paddle or torch at module level: the torch-only subprocess imports this module.
"""

from __future__ import annotations

import argparse
import importlib
import io
import json
import math
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

PACKAGE = "converted_models"  # the converted tree's directory name, imported as a top-level package
DOCS = Path(__file__).resolve().parent.parent / "docs" / "coverage.md"
DTYPES = ("float32", "float64")
BATCH = 2  # more than one sample, so that a mix-up across samples shows
DEFAULT_SIZE = 64

# Factories whose layers fix the input size (a Linear after the convolutions, no adaptive pooling).
_INPUT_SIZES = {
    "LeNet": (1, 28),  # Linear(400) after two 5x5-reduced stages of a 28x28 MNIST image
    "AlexNet": (3, 224),  # Linear(256 * 6 * 6)
    "alexnet": (3, 224),
    "GoogLeNet": (3, 224),  # auxiliary heads: Linear(1152) after 5x5/3 pooling of a 13x13 map
    "googlenet": (3, 224),
    "InceptionV3": (3, 75),  # the smallest input the stride-2 stages accept
    "inception_v3": (3, 75),
}

# Classes whose constructors need arguments; built as the factories of the same file build them.
_CONSTRUCTORS: dict[str, tuple[str, Callable[[ModuleType], object]]] = {
    "ResNet": ("ResNet(resnet.BasicBlock, 18)", lambda pkg: pkg.ResNet(pkg.resnet.BasicBlock, 18)),
    "VGG": (
        "VGG(vgg.make_layers(vgg.cfgs['A'], batch_norm=True))",
        lambda pkg: pkg.VGG(pkg.vgg.make_layers(pkg.vgg.cfgs["A"], batch_norm=True)),
    ),
    "SqueezeNet": ("SqueezeNet('1.1')", lambda pkg: pkg.SqueezeNet("1.1")),
}

# Backward parity for the cheapest factory of every source file that fits the CI budget; VGG and AlexNet
# (61M-144M parameters, most in their classifiers) are left to forward parity.
_BACKWARD = frozenset(
    {
        "LeNet",
        "resnet18",
        "densenet121",
        "googlenet",
        "inception_v3",
        "mobilenet_v1",
        "mobilenet_v2",
        "mobilenet_v3_small",
        "shufflenet_v2_x0_25",
        "squeezenet1_1",
    }
)

# One factory of every source file: the cheap backward ones plus the two files without one. The
# torch-only subprocess builds these: the converted code imports and builds without paddle, within CI budget.
ONE_PER_FILE = _BACKWARD | {"alexnet", "vgg11"}


# -- what is run -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """How one factory is exercised (the same call on the Paddle and on the converted package)."""

    factory: str
    call: str
    input_shape: tuple[int, ...]
    backward: bool

    def build(self, pkg: ModuleType) -> object:
        if self.factory in _CONSTRUCTORS:
            return _CONSTRUCTORS[self.factory][1](pkg)
        factory = getattr(pkg, self.factory)
        return factory(pretrained=False) if self.call.endswith("(pretrained=False)") else factory()


def cases(names: Sequence[str] | None = None) -> list[Case]:
    """One case per factory in ``paddle.vision.models.__all__`` (or the given names, in that order)."""
    import inspect

    import paddle.vision.models as models

    unknown = sorted(set(names or ()) - set(models.__all__))
    if unknown:
        raise ValueError(f"not in paddle.vision.models.__all__: {', '.join(unknown)}")
    result = []
    for name in names or models.__all__:
        factory = getattr(models, name)
        if name in _CONSTRUCTORS:
            call = _CONSTRUCTORS[name][0]
        elif "pretrained" in inspect.signature(factory).parameters:
            call = f"{name}(pretrained=False)"
        else:
            call = f"{name}()"
        channels, size = _INPUT_SIZES.get(name, (3, DEFAULT_SIZE))
        result.append(Case(name, call, (BATCH, channels, size, size), name in _BACKWARD))
    return result


def models_source() -> Path:
    """The installed paddle/vision/models directory (found through the package, never hard-coded)."""
    import paddle.vision.models as models

    return Path(models.__file__).resolve().parent


def defining_file(factory: str) -> str:
    import paddle.vision.models as models

    return Path(sys.modules[getattr(models, factory).__module__].__file__).name


# -- results ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FileConversion:
    path: str
    status: str
    todos: int  # error diagnostics: each one is a "# porter: TODO" left in the output
    warnings: int
    todo_lines: tuple[str, ...] = ()


@dataclass(frozen=True)
class Parity:
    dtype: str
    forward_passed: bool
    forward_max_rel: float
    backward_passed: bool | None = None  # None: backward not checked for this factory
    backward_max_rel: float | None = None
    problem: str = ""  # why there are no numbers (transfer/forward error), or what failed
    backward_rounding: bool = False  # a float32 gap that the float64 rerun shows to be rounding


@dataclass(frozen=True)
class FactoryResult:
    case: Case
    file: str
    todos: int
    parity: tuple[Parity, ...]
    error: str = ""  # a stage before parity failed (import, build)

    @property
    def passed(self) -> bool:
        """Issue 5's bar: no TODO in the converted file, forward parity in float32 and float64."""
        checked = {p.dtype for p in self.parity if p.forward_passed}
        return not self.error and self.todos == 0 and checked == set(DTYPES)

    def in_dtype(self, dtype: str) -> Parity | None:
        return next((p for p in self.parity if p.dtype == dtype), None)


@dataclass(frozen=True)
class CoverageReport:
    paddle_version: str
    torch_version: str
    files: tuple[FileConversion, ...]
    torch_only: str  # "" when the converted package imported and built (one factory per file) without paddle
    results: tuple[FactoryResult, ...] = field(default=())

    @property
    def passed(self) -> bool:
        return not self.torch_only and bool(self.results) and all(r.passed for r in self.results)


# -- the run ---------------------------------------------------------------------------------------


def convert_models(source: Path, output: Path) -> tuple[FileConversion, ...]:
    """``porter convert SOURCE -o OUTPUT`` through the library call the CLI makes."""
    from porter.convert.report import Severity
    from porter.convert.tree import ConvertOptions, convert_path

    outcome = convert_path(
        ConvertOptions(path=str(source), output=str(output)), stdin=io.StringIO(), stdout=io.StringIO()
    )
    if outcome.io_errors:
        raise OSError("; ".join(outcome.io_errors))
    files = []
    for result in outcome.report.files:
        todos = [d for d in result.diagnostics if d.severity is Severity.ERROR]
        warnings = [d for d in result.diagnostics if d.severity is Severity.WARNING]
        lines = tuple(f"{d.line}: {d.code} {d.message}" for d in todos)
        files.append(
            FileConversion(Path(result.path).name, result.status.value, len(todos), len(warnings), lines)
        )
    return tuple(files)


def _short(error: BaseException) -> str:
    text = f"{type(error).__name__}: {error}".splitlines()[0]
    return text if len(text) <= 240 else text[:237] + "..."


def import_converted(root: Path) -> ModuleType:
    """Import the converted tree under ``root`` as the top-level package ``converted_models``."""
    for name in [n for n in sys.modules if n == PACKAGE or n.startswith(PACKAGE + ".")]:
        del sys.modules[name]
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))
    importlib.invalidate_caches()
    return importlib.import_module(PACKAGE)


def build_torch_only(root: str, calls: str) -> None:
    """Subprocess entry (paddle is blocked): import the converted package and build the given factories.

    Prints one JSON object: factory -> "" or the error, plus "<import>" for the package import.
    """
    assert sys.modules.get("paddle", "absent") is None, "paddle must be blocked in this process"
    errors: dict[str, str] = {}
    try:
        package = import_converted(Path(root))
    except Exception as error:  # noqa: BLE001 - reported, not raised: the parent renders it
        print(json.dumps({"<import>": _short(error)}))
        return
    for factory, call in json.loads(calls):
        try:
            Case(factory, call, (), False).build(package)
            errors[factory] = ""
        except Exception as error:  # noqa: BLE001
            errors[factory] = _short(error)
    print(json.dumps({"<import>": "", **errors}))


class Session:
    """One conversion of the installed models, shared by all factory runs (each run once, on demand)."""

    def __init__(
        self, factories: Sequence[str] | None = None, *, workdir: Path | None = None, locate: bool = True
    ) -> None:
        self._tmp = None if workdir else tempfile.TemporaryDirectory(prefix="porter-coverage-")
        self.root = Path(workdir) if workdir else Path(self._tmp.name)
        self.locate = locate
        self.cases = {case.factory: case for case in cases(factories)}
        self.files = convert_models(models_source(), self.root / PACKAGE)
        self._torch_only = self._start_torch_only()
        self._torch_only_errors: dict[str, str] | None = None
        self._results: dict[str, FactoryResult] = {}
        try:
            self.package: ModuleType | None = import_converted(self.root)
            self.import_error = ""
        except Exception as error:  # noqa: BLE001 - the converted code may not import; that is a result
            self.package, self.import_error = None, _short(error)

    def _start_torch_only(self) -> subprocess.Popen:
        calls = json.dumps([(c.factory, c.call) for c in self.cases.values() if c.factory in ONE_PER_FILE])
        code = (
            "import sys; sys.modules['paddle'] = None\n"
            "from porter.coverage import build_torch_only\n"
            f"build_torch_only({str(self.root)!r}, {calls!r})\n"
        )
        env = {
            **os.environ,
            "PYTHONPATH": str(Path(__file__).resolve().parent.parent),
            "OMP_NUM_THREADS": "1",
        }
        return subprocess.Popen(
            [sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
        )

    def torch_only_errors(self) -> dict[str, str]:
        """factory -> error building it with paddle blocked ("<import>" for the package import)."""
        if self._torch_only_errors is None:
            out, err = self._torch_only.communicate()
            lines = out.strip().splitlines()
            try:
                self._torch_only_errors = json.loads(lines[-1])
            except (IndexError, json.JSONDecodeError):
                tail = err.strip().splitlines()[-1:] or ["no output"]
                self._torch_only_errors = {"<import>": f"torch-only subprocess failed: {tail[0]}"}
        return self._torch_only_errors

    def file(self, name: str) -> FileConversion | None:
        return next((f for f in self.files if f.path == name), None)

    def result(self, factory: str) -> FactoryResult:
        if factory not in self._results:
            self._results[factory] = self._run(self.cases[factory])
        return self._results[factory]

    def report(self) -> CoverageReport:
        import paddle
        import torch

        results = tuple(self.result(name) for name in self.cases)
        errors = self.torch_only_errors()
        failed = [f"{k}: {v}" for k, v in errors.items() if v]
        return CoverageReport(paddle.__version__, torch.__version__, self.files, "; ".join(failed), results)

    def _run(self, case: Case) -> FactoryResult:
        import paddle
        import torch

        from porter.verify.parity import verify_pair

        file = defining_file(case.factory)
        conversion = self.file(file)
        todos = conversion.todos if conversion else 0
        if self.package is None:
            return FactoryResult(case, file, todos, (), f"import: {self.import_error}")
        try:
            paddle.seed(0)
            paddle_model = case.build(importlib.import_module("paddle.vision.models"))
            torch.manual_seed(0)
            torch_model = case.build(self.package)
        except Exception as error:  # noqa: BLE001
            return FactoryResult(case, file, todos, (), f"build: {_short(error)}")
        parity = []
        for dtype in DTYPES:
            try:
                result = verify_pair(
                    paddle_model,
                    torch_model,
                    case.input_shape,
                    dtype=dtype,
                    backward=case.backward,
                    locate_on_failure=self.locate,
                    name=case.factory,
                )
            except Exception as error:  # noqa: BLE001 - e.g. the weights do not line up
                parity.append(Parity(dtype, False, math.inf, problem=_short(error)))
                continue
            parity.append(_parity(dtype, result))
        return FactoryResult(case, file, todos, tuple(parity))


def _parity(dtype: str, result) -> Parity:
    forward = result.forward
    worst = forward.worst
    forward_rel = math.inf if forward.structure_error or worst is None else worst.max_rel
    backward_passed = backward_rel = None
    if result.settings.backward:
        gradients = result.gradients
        backward_passed = result.sections()["backward"]
        failed = gradients is None or gradients.structure_error or gradients.worst is None
        backward_rel = math.inf if failed else gradients.worst.max_rel
    problems = []
    if not forward.passed:
        problems.append(forward.structure_error or "forward out of tolerance")
        if result.divergence is not None:
            problems.append(result.divergence.render().splitlines()[0])
    if backward_passed is False:
        problems.append(
            "backward out of tolerance"
            + (f" (worst: {result.gradients.worst.name})" if backward_rel != math.inf else "")
        )
    return Parity(
        dtype,
        forward.passed,
        forward_rel,
        backward_passed,
        backward_rel,
        "; ".join(problems),
        backward_rounding=result.explained("gradients"),
    )


def run(factories: Sequence[str] | None = None, *, locate: bool = True) -> CoverageReport:
    return Session(factories, locate=locate).report()


# -- rendering -------------------------------------------------------------------------------------


def _rel(value: float | None) -> str:
    if value is None:
        return "-"
    return "inf" if math.isinf(value) else f"{value:.1e}"


def _decade(value: float | None) -> str:
    """A metric as its power-of-ten ceiling: stable across machines, still says how close it is."""
    if value is None:
        return "-"
    if math.isinf(value) or math.isnan(value):
        return "n/a"
    if value == 0:
        return "0"
    return f"<1e{math.floor(math.log10(value)) + 1}"


def _verdict(result: FactoryResult) -> str:
    if result.error:
        return "ERROR"
    return "PASS" if result.passed else "FAIL"


def _backward_cell(parity: Parity | None, metric: Callable[[float | None], str]) -> str:
    if parity is None or parity.backward_passed is None:
        return "-"
    verdict = " (rounding)" if parity.backward_rounding else "" if parity.backward_passed else " (fail)"
    return metric(parity.backward_max_rel) + verdict


def _problems(result: FactoryResult) -> str:
    if result.error:
        return result.error
    text = "; ".join(f"{p.dtype}: {p.problem}" for p in result.parity if p.problem)
    if result.todos:
        text = f"{result.todos} TODOs in {result.file}" + (f"; {text}" if text else "")
    return text


def _todo_summary(files: Sequence[FileConversion]) -> list[str]:
    """Each distinct TODO once per file, with the lines it appears on."""
    lines = []
    for f in files:
        seen: dict[str, list[str]] = {}
        for todo in f.todo_lines:
            line, _, message = todo.partition(": ")
            seen.setdefault(message, []).append(line)
        lines += [f"{f.path}: {message} (line {', '.join(at)})" for message, at in seen.items()]
    return lines


def render_text(report: CoverageReport) -> str:
    lines = [
        f"porter coverage of paddle.vision.models (paddle {report.paddle_version}, torch {report.torch_version})"
    ]
    header = ("factory", "file", "TODOs", "f32 fwd", "f64 fwd", "f32 bwd", "f64 bwd", "verdict")
    rows = []
    for r in report.results:
        f32, f64 = r.in_dtype("float32"), r.in_dtype("float64")
        forward = [_rel(p.forward_max_rel) if p else "-" for p in (f32, f64)]
        backward = [_backward_cell(p, _rel) for p in (f32, f64)]
        rows.append((r.case.factory, r.file, str(r.todos), *forward, *backward, _verdict(r)))
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        lines.append("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())
    passed = sum(r.passed for r in report.results)
    lines.append(
        f"{passed} of {len(report.results)} factories pass (no TODO; forward float32 <= 1e-5, float64 <= 1e-10)"
    )
    lines.append(
        "torch-only import and build: " + ("ok" if not report.torch_only else f"FAILED: {report.torch_only}")
    )
    problems = [(r.case.factory, _problems(r)) for r in report.results]
    lines += [f"  {factory}: {problem}" for factory, problem in problems if problem]
    lines += [f"  TODO {line}" for line in _todo_summary(report.files)]
    return "\n".join(lines) + "\n"


_MARKDOWN_INTRO = """\
# Coverage: paddle.vision.models converted by porter

Generated by `python -m porter.coverage --write-docs`; `tests/test_coverage.py` regenerates it and fails
when this page is out of date. Do not edit by hand.

The runner takes the installed package's `paddle/vision/models` directory, converts the whole tree with
`porter convert` (untouched, no hand edits), imports the converted package in a subprocess where
`import paddle` fails, and builds one factory of every file there. Then, for every name in
`paddle.vision.models.__all__`, it builds the Paddle model and the converted torch model with
`pretrained=False` (factory defaults: nothing is reduced), copies the Paddle weights with porter's
weight transfer and runs porter's parity check on a seeded batch of {batch}: forward in float32
(max error <= 1e-5 relative to the output's scale) and float64 (<= 1e-10); backward (every parameter
gradient, same tolerances) for one cheap factory per source file. A factory passes when its converted
file has no TODO and both forward checks pass. Metrics are shown as their power-of-ten ceiling
(`<1e-6` = below 1e-6) so that this page does not depend on the machine; `python -m porter.coverage`
prints the exact values.

The converted code needs torch only: the few Paddle constructs without a torch equivalent are helpers
porter writes into the converted tree (`porter_helpers.py`).

Not covered: `pretrained=True`. The converted branch still downloads Paddle's `.pdparams` (through
the helper `get_weights_path_from_url`) and then calls `torch.load` on it, which refuses a Paddle
checkpoint; convert such files with `porter weights` and load the result instead.

paddle {paddle}, torch {torch}. {summary}
"""

_BACKWARD_NOTES = """\
## Reading the backward columns

- A float32 gradient gap beyond 1e-5 is rerun in float64 from the same weights and input, as
  `porter verify` does; "(rounding)" means float64 agrees, so the float32 gap is rounding (a ReLU or
  max-pool input within float32 rounding of its kink switches on one side only; GoogLeNet's own float32
  and float64 gradients differ by about 1e-2). See docs/verify.md, "float32 gradients".
- Paddle's average-pooling backward scales by float32(1/N) also in float64; `porter verify` gives the
  torch average pools the same scale in float64 (docs/verify.md), so float64 gradients agree to ~1e-15.
"""


def render_markdown(report: CoverageReport) -> str:
    passed = sum(r.passed for r in report.results)
    summary = f"**{passed} of {len(report.results)} factories pass.**"
    summary += " Torch-only import and build: " + ("ok." if not report.torch_only else "FAILED.")
    intro = _MARKDOWN_INTRO.format(
        batch=BATCH, paddle=report.paddle_version, torch=report.torch_version, summary=summary
    )
    lines = [intro]
    lines.append(
        "| factory | built as | input | file | TODOs | fwd float32 | fwd float64 | bwd float32 | bwd float64 | verdict |"
    )
    lines.append("|---|---|---|---|---:|---:|---:|---:|---:|---|")
    for r in report.results:
        f32, f64 = r.in_dtype("float32"), r.in_dtype("float64")
        cells = [_decade(p.forward_max_rel) if p else "-" for p in (f32, f64)]
        cells += [_backward_cell(p, _decade) for p in (f32, f64)]
        shape = "x".join(map(str, r.case.input_shape))
        row = [r.case.factory, f"`{r.case.call}`", shape, r.file, str(r.todos), *cells, _verdict(r)]
        lines.append("| " + " | ".join(row) + " |")
    lines += ["", "## Converted files", "", "| file | status | TODOs | warnings |", "|---|---|---:|---:|"]
    lines += [f"| {f.path} | {f.status} | {f.todos} | {f.warnings} |" for f in report.files]
    lines += ["", _BACKWARD_NOTES]
    failing = [r for r in report.results if not r.passed]
    if failing or report.torch_only:
        lines += ["## What does not work yet", ""]
        if report.torch_only:
            lines.append(f"- torch-only import/build: {report.torch_only}")
        lines += [f"- {r.case.factory}: {_markdown_problem(r)}" for r in failing]
        lines += [f"- TODO {line}" for line in _todo_summary(report.files)]
        lines.append("")
    return "\n".join(lines)


def _markdown_problem(result: FactoryResult) -> str:
    """The failure without machine-dependent numbers."""
    if result.error:
        return result.error
    parts = [f"{result.todos} TODOs in {result.file}"] if result.todos else []
    parts += [f"{p.dtype} forward fails" for p in result.parity if not p.forward_passed]
    return "; ".join(parts)


# -- command line ----------------------------------------------------------------------------------


def _add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "factories", nargs="*", help="factory names (default: all of paddle.vision.models.__all__)"
    )
    parser.add_argument(
        "--write-docs", action="store_true", help="regenerate docs/coverage.md (full run only)"
    )
    parser.add_argument("--json", metavar="FILE", help="also write the results as JSON")


def register(subparsers: argparse._SubParsersAction) -> None:
    """``porter coverage``: the same run as ``python -m porter.coverage``."""
    parser = subparsers.add_parser(
        "coverage", help="convert paddle.vision.models with porter and verify every factory"
    )
    _add_arguments(parser)
    parser.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    if args.write_docs and args.factories:
        print("porter coverage: error: --write-docs needs the full run (no factory names)", file=sys.stderr)
        return 2
    try:
        report = run(args.factories or None)
    except ValueError as error:
        print(f"porter coverage: error: {error}", file=sys.stderr)
        return 2
    sys.stdout.write(render_text(report))
    if args.write_docs:
        DOCS.write_text(render_markdown(report), encoding="utf-8")
    if args.json:
        from dataclasses import asdict

        Path(args.json).write_text(json.dumps(asdict(report), indent=2, default=str) + "\n", encoding="utf-8")
    return 0 if report.passed else 1


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m porter.coverage", description=__doc__.splitlines()[0])
    _add_arguments(parser)
    return _run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
