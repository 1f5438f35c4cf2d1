"""Each entry's ``returns`` (what provenance learns from a call) is held against the installed Paddle: the
return annotation of functions and methods, the base class of classes. An entry whose Paddle object says
what it returns must say it too, so a new entry cannot silently leave provenance blind."""

from __future__ import annotations

import inspect
import re

import paddle
import pytest

from porter.convert.engine import default_table
from porter.convert.table import Kind, Returns
from tests.convert.test_table import resolve

TABLE = default_table()

_TENSOR = r"(paddle\.)?Tensor"
_BY_ANNOTATION: list[tuple[str, Returns]] = [
    (rf"{_TENSOR}( \| None)?", Returns.TENSOR),
    (rf"(list|tuple)\[{_TENSOR}(, {_TENSOR})*\]|TopKRetType", Returns.TENSORS),
    (rf"Iterable\[tuple\[str, {_TENSOR}\]\]", Returns.NAMED_TENSORS),
    (r"Layer|Self", Returns.LAYER),  # Self only on Layer methods (train, to ...): see _classify
    (r"(Iterable|list)\[Layer\]", Returns.LAYERS),
    (r"Iterable\[tuple\[str, Layer\]\]", Returns.NAMED_LAYERS),
    (
        r"None|bool|int|float|str|float \| bool \| complex|NestedList\[.*\]|_StateDict|dict\[.*\]"
        r"|HookRemoveHelper|TensorHookRemoveHelper|TypeGuard\[.*\]|str \| int|_DTypeLiteral",
        Returns.OTHER,
    ),
    (r"npt\..*", Returns.NUMPY),
]
_BY_BASE: list[tuple[type, Returns]] = [
    (paddle.nn.Layer, Returns.LAYER),
    (paddle.optimizer.Optimizer, Returns.OPTIMIZER),
    (paddle.optimizer.lr.LRScheduler, Returns.LR_SCHEDULER),
    (paddle.io.DataLoader, Returns.DATALOADER),
    (paddle.io.Dataset, Returns.OTHER),
    (paddle.io.Sampler, Returns.OTHER),
    (paddle.nn.initializer.Initializer, Returns.OTHER),
]


def paddle_returns(entry) -> Returns | None:
    """What the installed Paddle says a call of ``entry`` returns; None when it does not say."""
    obj = resolve(entry.paddle)
    if entry.kind is Kind.CLASS:
        if not inspect.isclass(obj):
            return None
        return next((returns for base, returns in _BY_BASE if issubclass(obj, base)), None)
    try:
        annotation = inspect.signature(obj).return_annotation
    except (TypeError, ValueError):
        return None
    if annotation is inspect.Signature.empty:
        return None
    text = annotation if isinstance(annotation, str) else getattr(annotation, "__name__", str(annotation))
    if text == "Self" and not entry.paddle.startswith("paddle.nn.Layer."):
        return None
    return next((returns for pattern, returns in _BY_ANNOTATION if re.fullmatch(pattern, text)), None)


def _ids(entries) -> list[str]:
    return [entry.paddle for entry in entries]


RESOLVABLE = [e for e in TABLE if e.kind is not Kind.METHOD or e.paddle.count(".") >= 2]


@pytest.mark.parametrize("entry", RESOLVABLE, ids=_ids(RESOLVABLE))
def test_returns_matches_what_paddle_says(entry):
    said = paddle_returns(entry)
    if said is None:
        return  # Paddle does not say: a stated value is the table's own (documented in mapping-table.md)
    assert entry.returns is not None, f'{entry.paddle}: add returns = "{said.value}" (Paddle says so)'
    assert entry.returns is said, (
        f"{entry.paddle}: returns = {entry.returns.value!r}, Paddle says {said.value!r}"
    )


def test_tensor_methods_and_tensor_functions_mostly_say_what_they_return():
    """The vocabulary above must keep recognising Paddle's annotations (a Paddle upgrade that renames them
    would otherwise turn every check into a silent pass)."""
    recognised = [e for e in TABLE if paddle_returns(e) is not None]
    assert len(recognised) > 0.8 * len(TABLE)


def test_an_unknown_returns_value_is_refused():
    from porter.convert.table import TableError, parse_table
    from porter.convert.transforms.named import VOCABULARY

    text = (
        '[[api]]\npaddle = "paddle.abs"\ntorch = "torch.abs"\nkind = "function"\ncategory = "same"\n'
        'safety = "safe"\ndoc = "x"\nargs = ["x"]\ntorch_args = ["input"]\nreturns = "tensr"\n'
    )
    with pytest.raises(TableError, match="'returns'"):
        parse_table(text, vocabulary=VOCABULARY)
