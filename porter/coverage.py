"""Coverage runner: convert the installed ``paddle.vision.models`` with porter and verify every factory.

What a user would do, end to end and untouched: ``porter convert <paddle/vision/models> -o OUT`` (the
library call under that command), import the converted package with torch only (a subprocess in which
``import paddle`` fails builds one factory of every file), then for every name in
``paddle.vision.models.__all__`` build the Paddle and the converted torch model with ``pretrained=False``,
copy the weights with porter's transfer and run ``porter verify``'s default verdict, the float64 proof
and the float32 rounding check (backward too for one cheap factory per source file).

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
class Check:
    """One check of one section, for one factory (porter verify's verdict, docs/verify.md)."""

    section: str  # "forward" | "backward"
    check: str  # "float64" | "float32" | "float32 fixed"
    passed: bool
    max_rel: float  # this machine's figure: printed by the runner, never written to the page


@dataclass(frozen=True)
class FactoryResult:
    case: Case
    file: str
    todos: int
    checks: tuple[Check, ...]
    error: str = ""  # a stage before parity failed (import, build, weight transfer)
    problem: str = ""  # what failed, in words without machine figures

    @property
    def passed(self) -> bool:
        """No TODO in the converted file, and porter verify's verdict (every judged check) holds."""
        return not self.error and self.todos == 0 and bool(self.checks) and all(c.passed for c in self.checks)

    def check(self, section: str, check: str) -> Check | None:
        return next((c for c in self.checks if c.section == section and c.check == check), None)


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
        try:
            result = verify_pair(
                paddle_model,
                torch_model,
                case.input_shape,
                backward=case.backward,
                locate_on_failure=self.locate,
                name=case.factory,
            )
        except Exception as error:  # noqa: BLE001 - e.g. the weights do not line up
            return FactoryResult(case, file, todos, (), f"verify: {_short(error)}")
        return _factory_result(case, file, todos, result)


def _factory_result(case: Case, file: str, todos: int, result) -> FactoryResult:
    """The judged checks of porter verify's result, and the failures in words."""
    checks = []
    for section in result.sections:
        for comparison in section.checks:
            if comparison.check in section.judged:
                worst = comparison.worst
                max_rel = math.inf if comparison.structure_error or worst is None else worst.max_rel
                checks.append(Check(section.name, comparison.check, comparison.passed, max_rel))
    problems = [f"{check} fails" for check in result.failed_checks()]
    if result.float64_unavailable:
        problems.append(f"float64 could not run ({result.float64_unavailable})")
    if result.divergence is not None and result.divergence.first is not None:
        problems.append(f"first divergent layer {result.divergence.first.key}")
    return FactoryResult(case, file, todos, tuple(checks), problem="; ".join(problems))


def run(factories: Sequence[str] | None = None, *, locate: bool = True) -> CoverageReport:
    return Session(factories, locate=locate).report()


# -- rendering -------------------------------------------------------------------------------------


def _rel(value: float | None) -> str:
    if value is None:
        return "-"
    return "inf" if math.isinf(value) else f"{value:.1e}"


# The page's columns: (section, check) pairs; a fixed-bound fallback shows in the float32 column.
COLUMNS = (("forward", "float64"), ("forward", "float32"), ("backward", "float64"), ("backward", "float32"))


def _cell(result: FactoryResult, section: str, check: str, figure: bool) -> str:
    """A column's verdict (and, for the terminal, this machine's max rel)."""
    found = result.check(section, check)
    fixed = check == "float32" and found is None and result.check(section, "float32 fixed")
    if fixed:
        found = fixed
    if found is None:
        return "not run" if result.check(section, "float32 fixed") else "-"
    text = ("ok" if found.passed else "FAIL") + (" (fixed bound)" if fixed else "")
    return f"{text} {_rel(found.max_rel)}" if figure else text


def _verdict(result: FactoryResult) -> str:
    if result.error:
        return "ERROR"
    return "PASS" if result.passed else "FAIL"


def _problems(result: FactoryResult) -> str:
    text = result.error or result.problem
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
    import platform

    lines = [
        f"porter coverage of paddle.vision.models (paddle {report.paddle_version}, torch {report.torch_version}); "
        f"max rel measured on this machine ({platform.processor() or platform.machine()})"
    ]
    header = ("factory", "file", "TODOs", "f64 fwd", "f32 fwd", "f64 bwd", "f32 bwd", "verdict")
    rows = [
        (
            r.case.factory,
            r.file,
            str(r.todos),
            *(_cell(r, *column, figure=True) for column in COLUMNS),
            _verdict(r),
        )
        for r in report.results
    ]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        lines.append("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())
    passed = sum(r.passed for r in report.results)
    lines.append(f"{passed} of {len(report.results)} factories pass (no TODO; porter verify's verdict holds)")
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
weight transfer and runs `porter verify`'s default verdict on a seeded batch of {batch}
([verify.md](verify.md)): the float64 proof (every output element within 1e-10 of the output's scale)
and the float32 rounding check (the float32 difference explained by each framework's own float32
rounding, measured against its float64 result in the same run); backward (every parameter gradient,
the same two checks) for one cheap factory per source file. A factory passes when its converted file
has no TODO and every check holds. The page shows verdicts only, so that it is the same on every
machine; `python -m porter.coverage` also prints this machine's figures.

The converted code needs torch only: the few Paddle constructs without a torch equivalent are helpers
porter writes into the converted tree (`porter_helpers.py`).

Not covered: `pretrained=True`. The converted branch still downloads Paddle's `.pdparams` (through
the helper `get_weights_path_from_url`) and then calls `torch.load` on it, which refuses a Paddle
checkpoint; convert such files with `porter weights` and load the result instead.

paddle {paddle}, torch {torch}. {summary}
"""

_BACKWARD_NOTES = """\
## Reading the backward columns

- float32 gradients of ReLU and max-pool networks can be far from exact (an input within float32
  rounding of a kink switches on one side only); the float32 check judges them against each side's own
  float32-vs-float64 gradient difference, so that alone never fails a port. See docs/verify.md.
- Paddle's average-pooling backward scales by float32(1/N) also in float64; `porter verify` gives the
  torch average pools the same scale in float64 (docs/verify.md).
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
        "| factory | built as | input | file | TODOs | fwd float64 | fwd float32 | bwd float64 | bwd float32 | verdict |"
    )
    lines.append("|---|---|---|---|---:|---|---|---|---|---|")
    for r in report.results:
        shape = "x".join(map(str, r.case.input_shape))
        cells = [_cell(r, *column, figure=False) for column in COLUMNS]
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
        lines += [f"- {r.case.factory}: {_problems(r)}" for r in failing]
        lines += [f"- TODO {line}" for line in _todo_summary(report.files)]
        lines.append("")
    return "\n".join(lines)


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
