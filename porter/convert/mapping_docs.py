"""Render docs/mappings.md from the mapping table: ``python -m porter.convert.mapping_docs`` rewrites it.

The page is generated so it can never drift from the table; a test compares it with ``render(default_table())``.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from pathlib import Path

from porter.convert.engine import default_table
from porter.convert.table import ApiMapping, Category, MappingTable, Safety

OUTPUT = Path(__file__).resolve().parents[2] / "docs" / "mappings.md"

CATEGORY_MEANING = {
    Category.SAME: "only the module path changes",
    Category.RENAME: "the name changes, arguments are identical",
    Category.ARGS_RENAMED: "keyword names (and maybe order) differ",
    Category.DEFAULTS_DIFFER: "a default differs and is spelled out in the torch call",
    Category.COMPOSITE: "rewritten by a named transform",
    Category.NO_EQUIVALENT: "no sound translation: left as is with a TODO comment",
}
SAFETY_MEANING = {
    Safety.SAFE: "same semantics",
    Safety.REVIEW: "same for common use; the assumption is reported",
}


def render(table: MappingTable) -> str:
    lines = [
        "# Paddle → PyTorch API mappings",
        "",
        "<!-- Generated from porter/convert/mappings.toml by `python -m porter.convert.mapping_docs`; do not edit. -->",
        "",
        f"{len(table)} Paddle APIs. How to read and extend the table: [mapping-table.md](mapping-table.md).",
        "",
        *_summary(table),
    ]
    groups: dict[str, list[ApiMapping]] = defaultdict(list)
    for entry in table:
        groups[_module(entry)].append(entry)
    for module in sorted(groups):
        lines += [
            "",
            f"## {module}",
            "",
            "| Paddle | PyTorch | Category | Safety | Argument changes | Notes |",
        ]
        lines.append("|---|---|---|---|---|---|")
        lines += [_row(entry) for entry in sorted(groups[module], key=lambda e: e.paddle)]
    return "\n".join(lines) + "\n"


def _summary(table: MappingTable) -> list[str]:
    categories = Counter(entry.category for entry in table)
    safety = Counter(entry.safety for entry in table if entry.safety is not None)
    lines = ["| Category | APIs | Meaning |", "|---|---|---|"]
    lines += [f"| {c.value} | {categories[c]} | {CATEGORY_MEANING[c]} |" for c in Category]
    lines += ["", "| Safety | APIs | Meaning |", "|---|---|---|"]
    lines += [f"| {s.value} | {safety[s]} | {SAFETY_MEANING[s]} |" for s in Safety]
    return lines


def _module(entry: ApiMapping) -> str:
    return entry.paddle.rsplit(".", 1)[0]


def _row(entry: ApiMapping) -> str:
    paddle = f"`{entry.name}`"
    if entry.aliases:
        paddle += " (also " + ", ".join(f"`{alias}`" for alias in entry.aliases) + ")"
    torch = f"`{entry.torch}`" if entry.torch else "—"
    notes = entry.doc if entry.note is None else f"{entry.doc} *{entry.note}*"
    safety = entry.safety.value if entry.safety is not None else "—"
    cells = [paddle, torch, entry.category.value, safety, _changes(entry), notes]
    return "| " + " | ".join(_cell(cell) for cell in cells) + " |"


def _changes(entry: ApiMapping) -> str:
    parts = [f"`{source}`→`{target}`" for source, target in entry.rename.items()]
    parts += [f"`{arg}`: {name}" for arg, name in entry.values.items()]
    parts += [
        f"`{arg}` ∈ {{{', '.join(f'`{v}`' for v in accepted)}}}" for arg, accepted in entry.accept.items()
    ]
    parts += [f"+`{key}={value}`" for key, value in entry.defaults.items()]
    dropped = sorted(entry.drop - {"name"})
    if dropped:
        parts.append("drop " + ", ".join(f"`{arg}`" for arg in dropped))
    if entry.transform:
        parts.append(f"transform `{entry.transform}`")
    return "; ".join(parts)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def main() -> int:
    table = default_table()
    OUTPUT.write_text(render(table), encoding="utf-8")
    print(f"wrote {OUTPUT} ({len(table)} APIs)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
