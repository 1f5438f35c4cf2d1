"""The mapping table is only worth something if it is true: these tests hold every entry against the installed
paddle and torch, and make sure a malformed table fails loudly."""

from __future__ import annotations

import importlib
import inspect
import re
from pathlib import Path

import paddle
import pytest
import torch

from porter.convert import helpers
from porter.convert.engine import default_table
from porter.convert.mapping_docs import render
from porter.convert.table import Category, Kind, Safety, TableError, Vocabulary, load_table, parse_table
from porter.convert.transforms.named import VOCABULARY

TABLE = default_table()
ROOT = Path(__file__).resolve().parents[2]

# torch targets whose parameters neither inspect.signature nor a signature line in the docstring can give us.
# Keep this small: each one is a hole in the verification, listed with why.
UNVERIFIABLE_TORCH: dict[str, str] = {}

# torch methods whose Python arguments are bound by hand in C++, not taken from the native operator schema:
# their docstring is the only description of the keywords they accept.
HAND_BOUND_TORCH: dict[str, str] = {
    "torch.Tensor.cuda": "aten::cuda(Tensor self) lacks the device/non_blocking the Python method accepts",
}


def resolve(path: str) -> object:
    """Follow ``path`` the way user code does: attributes first, importing a submodule only when the attribute
    is missing (``paddle.amp.auto_cast`` is a function although a module of that name exists). A helper target
    (``porter_helpers.X``) is its source in porter/convert/helpers, the code written into the output."""
    if path in helpers.TARGETS:
        helper = helpers.HELPERS[path.rsplit(".", 1)[-1]]
        return getattr(importlib.import_module(f"{helpers.__name__}.{helper.source}"), helper.name)
    parts = path.split(".")
    obj = importlib.import_module(parts[0])
    for index, part in enumerate(parts[1:], start=2):
        try:
            obj = getattr(obj, part)
        except AttributeError:
            obj = importlib.import_module(".".join(parts[:index]))
    return obj


def _parameter_names(signature: inspect.Signature) -> list[str]:
    prefix = {inspect.Parameter.VAR_POSITIONAL: "*", inspect.Parameter.VAR_KEYWORD: "**"}
    return [prefix.get(p.kind, "") + p.name for p in signature.parameters.values()]


def signature_names(obj: object, kind: Kind) -> list[str]:
    """Parameter names as the table spells them: ``*args``/``**kwargs`` marked, the bound object dropped
    (a class's constructor without self; a method without its first parameter, whatever it is called)."""
    if inspect.isclass(obj):
        return _parameter_names(inspect.signature(obj))  # __init__ or __new__, already without self
    names = _parameter_names(inspect.signature(obj))
    return names[1:] if kind is Kind.METHOD and names and not names[0].startswith("*") else names


def _split_top_level(params: str) -> list[str]:
    parts, depth, current = [], 0, ""
    for char in params:
        depth += char in "([{"
        depth -= char in ")]}"
        if char == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += char
    return [*parts, current] if current.strip() else parts


def doc_signatures(obj: object, name: str) -> list[list[str]]:
    """Fallback for torch builtins without an introspectable signature: every ``name(...) ->`` line of the
    docstring (torch documents each overload as such a line, e.g. ``cat(tensors, dim=0, *, out=None) -> Tensor``;
    a few omit the ``-> ...`` part, and some escape the star as ``\\*``)."""
    pattern = re.compile(
        rf"^\s*(?:\.\. function:: )?(?:(?:torch|linalg|Tensor|nn|functional|special|fft)\.)*{re.escape(name)}\((.*?)\)\s*(?:->|$)"
    )
    overloads = []
    for line in (getattr(obj, "__doc__", None) or "").splitlines():
        match = pattern.match(line)
        if match:
            names = [
                p.split("=")[0].split(":")[0].strip().lstrip("\\") for p in _split_top_level(match.group(1))
            ]
            names = [n for n in names if n not in ("*", "/", "")]
            overloads.append(names[1:] if names[:1] == ["self"] else names)
    return overloads


def aten_signatures(target: str, kind: Kind) -> list[list[str]]:
    """Argument names of the native operator's schemas (``aten::mul.Tensor(Tensor self, Tensor other)``): the
    names a torch builtin really accepts as keywords. ``self`` is the bound tensor of a method and is spelled
    ``input`` by the Python bindings of a function. torch.linalg.det is the operator ``linalg_det``."""
    module, name = target.rsplit(".", 1)
    if module in ("torch.linalg", "torch.special", "torch.fft"):
        name = f"{module.rsplit('.', 1)[1]}_{name}"
    overloads = []
    for schema in torch._C._jit_get_schemas_for_operator(f"aten::{name}"):
        names = [argument.name for argument in schema.arguments]
        if kind is Kind.METHOD:
            if names[:1] != ["self"]:
                continue
            names = names[1:]
        overloads.append(["input" if n == "self" else n for n in names])
    return overloads


def torch_signatures(entry) -> list[list[str]]:
    """Every parameter list torch documents or implements for the target: inspect.signature where it works;
    for builtins the docstring's signature lines plus the native operator schemas."""
    obj = resolve(entry.torch)
    name = entry.torch.rsplit(".", 1)[-1]
    try:
        return [signature_names(obj, entry.kind)]
    except (ValueError, TypeError):
        return doc_signatures(obj, name) + aten_signatures(entry.torch, entry.kind)


def torch_keywords(entry) -> set[str] | None:
    """Names the target accepts as keywords; None when it takes any keyword (**kwargs).
    Docstrings are sometimes wrong about builtins (Tensor.mul documents ``value``, accepts ``other``), so the
    native schema decides when there is one."""
    obj = resolve(entry.torch)
    name = entry.torch.rsplit(".", 1)[-1]
    try:
        overloads = [signature_names(obj, entry.kind)]
    except (ValueError, TypeError):
        aten = [] if entry.torch in HAND_BOUND_TORCH else aten_signatures(entry.torch, entry.kind)
        overloads = aten or doc_signatures(obj, name)
    names = [n for overload in overloads for n in overload]
    if any(n.startswith("**") for n in names):
        return None
    # ``zeros(*size)`` / ``permute(*dims)`` also take ``size=`` / ``dims=``.
    return {n.lstrip("*") for n in names}


def _ids(entries) -> list[str]:
    return [entry.paddle for entry in entries]


MAPPED = [entry for entry in TABLE if entry.category is not Category.NO_EQUIVALENT]


# --- the packaged table ------------------------------------------------------------------------------------


def test_packaged_table_is_large_and_uses_every_category():
    assert len(TABLE) >= 300
    assert {entry.category for entry in TABLE} == set(Category)
    assert {entry.kind for entry in TABLE} == set(Kind)
    assert {entry.safety for entry in MAPPED} == set(Safety)
    assert {entry.safety for entry in TABLE if entry.category is Category.NO_EQUIVALENT} == {None}


def test_lookup_by_path_and_alias():
    conv = TABLE.lookup("paddle.nn.Conv2D")
    assert conv is not None and conv.torch == "torch.nn.Conv2d" and conv.name == "Conv2D"
    aliased = [entry for entry in TABLE if entry.aliases]
    assert aliased, "some entries should carry aliases"
    for entry in aliased:
        for alias in entry.aliases:
            assert TABLE.lookup(alias) is entry
    assert TABLE.lookup("paddle.no_such_api") is None


def test_methods_named_returns_only_methods():
    reshape = TABLE.methods_named("reshape")
    assert [entry.paddle for entry in reshape] == ["paddle.Tensor.reshape"]
    assert TABLE.methods_named("Conv2D") == ()


def test_load_table_from_a_path_and_cached_packaged_table(tmp_path):
    path = tmp_path / "mini.toml"
    path.write_text(_entry_toml(), encoding="utf-8")
    assert [entry.paddle for entry in load_table(path, vocabulary=VOCABULARY)] == ["paddle.concat"]
    assert load_table(vocabulary=VOCABULARY) is default_table()


def test_entries_are_read_only():
    entry = TABLE.lookup("paddle.concat")
    with pytest.raises(TypeError):
        entry.rename["x"] = "y"  # type: ignore[index]


# --- loud validation -----------------------------------------------------------------------------------------

GOOD = {
    "paddle": '"paddle.concat"',
    "torch": '"torch.cat"',
    "kind": '"function"',
    "category": '"args_renamed"',
    "safety": '"safe"',
    "doc": '"Concatenate."',
    "args": '["x", "axis", "name"]',
    "torch_args": '["tensors", "dim", "out"]',
    "rename": '{ x = "tensors", axis = "dim" }',
    "drop": '["name"]',
}
DELETE = object()


def _entry_toml(**changes: object) -> str:
    fields = {**GOOD, **changes}
    lines = [f"{key} = {value}" for key, value in fields.items() if value is not DELETE]
    return "[[api]]\n" + "\n".join(lines) + "\n"


def test_good_entry_loads():
    table = parse_table(_entry_toml(), vocabulary=VOCABULARY)
    assert len(table) == 1 and table.lookup("paddle.concat").rename == {"x": "tensors", "axis": "dim"}


BAD_ENTRIES = {
    "unknown_field": ({"colour": '"red"'}, "colour"),
    "missing_doc": ({"doc": DELETE}, "doc"),
    "missing_args": ({"args": DELETE}, "args"),
    "doc_two_lines": ({"doc": '"one\\ntwo"'}, "doc"),
    "bad_kind_enum": ({"kind": '"func"'}, "kind"),
    "bad_category_enum": ({"category": '"renamed"'}, "category"),
    "bad_safety_enum": ({"safety": '"maybe"'}, "safety"),
    "args_wrong_type": ({"args": '"x"'}, "args"),
    "args_item_wrong_type": ({"args": '["x", 1]'}, "args"),
    "args_duplicate": ({"args": '["x", "x", "axis", "name"]'}, "args"),
    "torch_missing": ({"torch": DELETE}, "torch"),
    "torch_args_missing": ({"torch_args": DELETE}, "torch_args"),
    "torch_not_torch": ({"torch": '"numpy.concatenate"'}, "torch"),
    "torch_for_no_equivalent": ({"category": '"no_equivalent"', "safety": DELETE}, "torch"),
    "safety_for_no_equivalent": (
        {"category": '"no_equivalent"', "torch": DELETE, "torch_args": DELETE, "rename": DELETE},
        "safety",
    ),
    "missing_safety": ({"safety": DELETE}, "safety"),
    "paddle_not_paddle": ({"paddle": '"concat"'}, "paddle"),
    "rename_key_not_in_args": ({"rename": '{ input = "tensors" }'}, "rename"),
    "rename_target_not_in_torch": ({"rename": '{ axis = "axis" }'}, "rename"),
    "renamed_and_dropped": ({"drop": '["axis"]'}, "rename"),
    "drop_not_in_args": ({"drop": '["out"]'}, "drop"),
    "accept_not_in_args": ({"accept": '{ mode = ["1"] }'}, "accept"),
    "accept_empty": ({"accept": "{ axis = [] }"}, "accept"),
    "accept_not_python": ({"accept": '{ axis = ["NCHW\'"] }'}, "accept"),
    "defaults_not_python": ({"defaults": '{ dim = "(0" }'}, "defaults"),
    "values_not_in_args": ({"values": '{ dim = "negate" }'}, "values"),
    "defaults_not_in_torch": ({"defaults": '{ axis = "0" }'}, "defaults"),
    "same_with_rename": ({"category": '"same"'}, "rename"),
    "composite_without_transform": ({"category": '"composite"'}, "transform"),
    "unknown_call_transform": ({"transform": '"no_such_transform"'}, "transform"),
    "unknown_value_transform": ({"values": '{ axis = "no_such_value" }'}, "values"),
    "alias_not_paddle": ({"aliases": '["torch.cat"]'}, "aliases"),
}


@pytest.mark.parametrize(("changes", "field"), BAD_ENTRIES.values(), ids=BAD_ENTRIES.keys())
def test_bad_entry_fails_naming_entry_and_field(changes, field):
    entry_name = "paddle.concat" if "paddle" not in changes else "concat"
    with pytest.raises(TableError, match=rf"entry '{re.escape(entry_name)}', field '{field}'"):
        parse_table(_entry_toml(**changes), vocabulary=VOCABULARY)


BAD_TABLES = {
    "duplicate_paddle": (_entry_toml() + _entry_toml(), "paddle"),
    "alias_repeats_path": (
        _entry_toml() + _entry_toml(paddle='"paddle.tensor.concat"', aliases='["paddle.concat"]'),
        "aliases",
    ),
}


@pytest.mark.parametrize(("text", "field"), BAD_TABLES.values(), ids=BAD_TABLES.keys())
def test_duplicates_fail(text, field):
    with pytest.raises(TableError, match=rf"field '{field}'.*already mapped by entry 'paddle.concat'"):
        parse_table(text, vocabulary=VOCABULARY)


@pytest.mark.parametrize(
    "text",
    ["[[api]\nbroken", "[meta]\nx = 1\n", "api = 3\n"],
    ids=["not_toml", "unknown_top_key", "api_not_array"],
)
def test_malformed_file_fails(text):
    with pytest.raises(TableError):
        parse_table(text, vocabulary=VOCABULARY)


def test_names_are_checked_against_the_vocabulary_passed_in():
    """The table imports no transform: what an entry may name is whatever the loader passes in."""
    text = _entry_toml(
        transform='"my_transform"', values='{ axis = "my_value" }', torch='"porter_helpers.Mine"'
    )
    mine = Vocabulary(
        frozenset({"my_transform"}), frozenset({"my_value"}), frozenset({"porter_helpers.Mine"})
    )
    entry = parse_table(text, vocabulary=mine).lookup("paddle.concat")
    assert (entry.transform, entry.values["axis"], entry.torch) == (
        "my_transform",
        "my_value",
        "porter_helpers.Mine",
    )
    with pytest.raises(TableError, match="'porter_helpers.Mine' must be"):
        parse_table(text, vocabulary=VOCABULARY)


def test_every_helper_target_in_the_table_is_declared():
    targets = {entry.torch for entry in MAPPED if not entry.torch.startswith("torch.")}
    assert targets and targets <= helpers.TARGETS


# --- every entry against the real APIs ---------------------------------------------------------------------


@pytest.mark.parametrize("entry", TABLE.entries, ids=_ids(TABLE.entries))
def test_paddle_path_and_aliases_resolve_to_the_same_object(entry):
    obj = resolve(entry.paddle)
    for alias in entry.aliases:
        assert resolve(alias) is obj, f"alias {alias} is a different object"
    if entry.kind is Kind.CLASS:
        assert inspect.isclass(obj)
    elif entry.paddle.startswith("paddle.Tensor."):
        assert entry.kind is Kind.METHOD and hasattr(paddle.Tensor, entry.name)


@pytest.mark.parametrize("entry", TABLE.entries, ids=_ids(TABLE.entries))
def test_args_are_the_paddle_signature(entry):
    assert list(entry.args) == signature_names(resolve(entry.paddle), entry.kind)


@pytest.mark.parametrize("entry", MAPPED, ids=_ids(MAPPED))
def test_torch_target_exists(entry):
    obj = resolve(entry.torch)
    if entry.kind is Kind.CLASS and entry.transform is None:
        assert inspect.isclass(obj), f"{entry.torch} should be a class like {entry.paddle}"
    if entry.torch.startswith("torch.Tensor."):
        assert hasattr(torch.Tensor, entry.torch.rsplit(".", 1)[-1])


@pytest.mark.parametrize("entry", MAPPED, ids=_ids(MAPPED))
def test_torch_args_are_a_torch_signature(entry):
    if entry.torch in UNVERIFIABLE_TORCH:
        pytest.skip(f"{entry.torch}: {UNVERIFIABLE_TORCH[entry.torch]}")
    overloads = torch_signatures(entry)
    assert overloads, (
        f"{entry.torch}: no signature and no docstring signature line; add to UNVERIFIABLE_TORCH"
    )
    assert list(entry.torch_args) in overloads


def test_unverifiable_list_is_small_and_current():
    assert len(UNVERIFIABLE_TORCH) + len(HAND_BOUND_TORCH) <= 10
    targets = {entry.torch for entry in MAPPED}
    assert set(UNVERIFIABLE_TORCH) <= targets
    for target in UNVERIFIABLE_TORCH:
        entry = next(entry for entry in MAPPED if entry.torch == target)
        assert not torch_signatures(entry), f"{target} is verifiable now: remove it from UNVERIFIABLE_TORCH"


@pytest.mark.parametrize("entry", MAPPED, ids=_ids(MAPPED))
def test_renames_go_from_a_real_paddle_parameter_to_a_real_torch_parameter(entry):
    paddle_params = signature_names(resolve(entry.paddle), entry.kind)
    for source in entry.rename:
        assert source in paddle_params
    if entry.torch in UNVERIFIABLE_TORCH:
        return
    keywords = torch_keywords(entry)
    if keywords is not None:
        for target in [*entry.rename.values(), *entry.defaults]:
            assert target in keywords, f"{entry.torch} does not take {target}= (takes {sorted(keywords)})"


# --- generated docs ------------------------------------------------------------------------------------------


def test_docs_mappings_md_is_current():
    expected = (ROOT / "docs" / "mappings.md").read_text(encoding="utf-8")
    assert render(TABLE) == expected, "regenerate with: python -m porter.convert.mapping_docs"


@pytest.mark.parametrize("entry", MAPPED, ids=_ids(MAPPED))
def test_a_name_torch_takes_is_never_dropped(entry):
    """``name`` only labels Paddle ops and is dropped, except where it is the API's subject
    (register_buffer('A', t) must keep 'A')."""
    assert not ("name" in entry.drop and "name" in entry.torch_args), entry.paddle
