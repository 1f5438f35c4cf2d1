"""Structured conversion results and their text / JSON renderings (nothing here prints)."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from pathlib import PurePath


class ReportError(ValueError):
    """A JSON report that cannot be read back or merged; the message says why."""


class Severity(StrEnum):
    INFO = "info"  # converted; an assumption is recorded
    WARNING = "warning"  # converted; a human should check it
    ERROR = "error"  # not converted (TODO comment in the output) or the file failed


class Status(StrEnum):
    CONVERTED = "converted"
    NEEDS_ATTENTION = "needs_attention"
    FAILED = "failed"
    UNCHANGED = "unchanged"
    SKIPPED = "skipped"  # not a file porter reads (special file, symlink loop); the diagnostic says why


@dataclass(frozen=True)
class Diagnostic:
    path: str
    line: int
    col: int
    severity: Severity
    code: str
    message: str
    safety: str | None = None

    @property
    def needs_attention(self) -> bool:
        return self.severity is not Severity.INFO

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.col}: {self.severity.value} {self.code} {self.message}"


@dataclass
class FileResult:
    path: str
    status: Status
    original: str
    output: str
    diagnostics: list[Diagnostic] = field(default_factory=list)
    api_counts: Counter[str] = field(default_factory=Counter)  # Paddle API -> uses converted
    unconverted: Counter[str] = field(default_factory=Counter)  # Paddle API -> uses left as they were
    helpers: tuple[str, ...] = ()  # helpers the output imports from porter_helpers (convert/helpers)

    @property
    def changed(self) -> bool:
        return self.output != self.original

    @property
    def attention(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.needs_attention]


@dataclass
class Report:
    files: list[FileResult] = field(default_factory=list)

    def add(self, result: FileResult) -> None:
        self.files.append(result)

    def count(self, status: Status) -> int:
        return sum(1 for f in self.files if f.status is status)

    @property
    def converted_files(self) -> int:
        return self.count(Status.CONVERTED) + self.count(Status.NEEDS_ATTENTION)

    @property
    def failed(self) -> int:
        return self.count(Status.FAILED)

    @property
    def attention_count(self) -> int:
        return sum(len(f.attention) for f in self.files)

    def api_counts(self) -> Counter[str]:
        return sum((f.api_counts for f in self.files), Counter())

    def unconverted(self) -> Counter[str]:
        return sum((f.unconverted for f in self.files), Counter())

    @property
    def conversion_rate(self) -> float | None:
        done, left = sum(self.api_counts().values()), sum(self.unconverted().values())
        return done / (done + left) if done + left else None

    def render_text(self, *, show_info: bool = False) -> str:
        lines = [f"Converted {self.converted_files} files, {self.attention_count} items need attention"]
        extra = [
            f"{n} {s.value}"
            for s in (Status.UNCHANGED, Status.FAILED, Status.SKIPPED)
            if (n := self.count(s))
        ]
        if extra:
            lines[0] += f" ({', '.join(extra)})"
        for result in self.files:
            lines.extend(str(d) for d in result.diagnostics if show_info or d.needs_attention)
        counts, left = self.api_counts(), self.unconverted()
        if counts or left:
            lines.append("")
            apis = sorted(set(counts) | set(left))
            width = max(len(api) for api in apis)
            lines.append(f"{'Paddle API uses:':<{width + 2}} {'converted':>9} {'left':>5}")
            for api in apis:
                lines.append(f"  {api:<{width}} {counts[api]:>9} {left[api]:>5}")
        rate = self.conversion_rate
        if rate is not None:
            total = sum(counts.values()) + sum(left.values())
            lines.append(f"Conversion rate: {rate:.1%} ({sum(counts.values())} of {total} Paddle API uses)")
        return "\n".join(lines) + "\n"

    def render_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False) + "\n"

    def to_dict(self) -> dict:
        return {
            "summary": {
                "converted_files": self.converted_files,
                "attention": self.attention_count,
                "statuses": {s.value: self.count(s) for s in Status},
                "conversion_rate": self.conversion_rate,
            },
            "files": [
                {
                    "path": f.path,
                    "status": f.status.value,
                    "diagnostics": [{**asdict(d), "severity": d.severity.value} for d in f.diagnostics],
                    "api_counts": dict(f.api_counts),
                    "unconverted": dict(f.unconverted),
                    "helpers": list(f.helpers),
                }
                for f in self.files
            ],
        }

    @classmethod
    def from_dict(cls, data: dict) -> Report:
        """A report read back from ``to_dict`` (the JSON report): everything but the files' text."""
        try:
            files = [
                FileResult(
                    item["path"],
                    Status(item["status"]),
                    "",
                    "",
                    [Diagnostic(**{**d, "severity": Severity(d["severity"])}) for d in item["diagnostics"]],
                    Counter(item["api_counts"]),
                    Counter(item["unconverted"]),
                    tuple(item["helpers"]),
                )
                for item in data["files"]
            ]
        except (KeyError, TypeError, ValueError) as error:
            raise ReportError(f"not a porter convert JSON report ({type(error).__name__}: {error})") from None
        return cls(files)

    @classmethod
    def merge(cls, reports: Iterable[Report]) -> Report:
        """The reports of disjoint shards of one tree as the report of one run: files in tree order."""
        files: dict[str, FileResult] = {}
        for report in reports:
            for result in report.files:
                if result.path in files:
                    raise ReportError(f"{result.path} is in two reports: the shards overlap")
                files[result.path] = result
        return cls(sorted(files.values(), key=lambda result: PurePath(result.path).parts))
