"""The sensitivity battery (issue 9): every planted bug fails under the default verdict, with the culprit
named first and the check that caught it stated; the same nets without the bug pass.

The default verdict is what `porter verify` and `assert_parity` give without options: the float64 proof
and the float32 rounding check. The float64 proof must catch every bug on every machine (each is 1e-6
or more of its output, the bound 1e-10); whether the float32 check catches a subtle one too depends on
the machine's rounding, so it is reported, not asserted. torch's oneDNN is tried on and off: the verdict
must not depend on it (docs/verify.md). The environment variables that change BLAS rounding must be set
before the process starts: tests/verify/test_environments.py runs this battery under them.
"""

import textwrap

import pytest
import torch

from porter.verify.parity import verify_pair
from tests.verify.battery import BUGS, correct_pairs


@pytest.fixture(params=[True, False], ids=["onednn-on", "onednn-off"])
def onednn(request):
    with torch.backends.mkldnn.flags(enabled=request.param):
        yield request.param


@pytest.mark.parametrize("bug", BUGS, ids=lambda bug: bug.id)
def test_a_planted_bug_fails_with_the_culprit_named_first(bug, onednn):
    result = verify_pair(*bug.build(), bug.input_shape, name=bug.id, **bug.options)
    assert not result.passed
    rendered = result.render()
    assert rendered.startswith(f"{bug.id}: FAIL")
    if "train_steps" in bug.options:  # only training shows it: the culprit is the first failing tensor
        assert result.section("forward").passed
        caught = "train float64"
        train = result.section("train").get("float64")
        assert [m.name for m in train.failures()] == [bug.culprit]
        assert (
            rendered.split("train float64, failing tensors first:\n")[1].splitlines()[1].split()[0]
            == bug.culprit
        )
    else:
        caught = "forward float64"
        assert result.divergence.first.key == bug.culprit
        assert result.divergence.ranked()[0].key == bug.culprit
        assert result.divergence.located_in == "float64"
        assert f"\nfirst divergent layer: {bug.culprit} (" in rendered
    assert caught in result.failed_checks()
    assert f"verdict   FAIL, caught by {caught}" in rendered


@pytest.mark.parametrize("pair", correct_pairs(), ids=lambda pair: pair.id)
def test_the_same_nets_without_the_bug_pass(pair, onednn):
    result = verify_pair(*pair.build(), pair.input_shape, name=pair.id, **pair.options)
    assert result.passed, result.render()
    assert "verdict   PASS, held by the float64 proof and float32 rounding check" in result.render()


ISSUE_EXAMPLE = textwrap.dedent(
    """
    from tests.verify.battery import _conv_bn_net

    def net():
        return _conv_bn_net()[0]

    def net_eps():  # the torch twin with BatchNorm epsilon 1.2e-5 instead of Paddle's 1e-5
        return _conv_bn_net(torch_eps=1.2e-5)[1]
    """
)


def test_the_issue_s_batch_norm_epsilon_fails_under_the_default_command(tmp_path, capsys):
    """The issue's `porter verify --paddle NET --torch NET_EPS` (conv-BN-pool-linear): a pass under the old
    fixed float32 bound (1.4e-6 < 1e-5), now a failure naming bn and the check that caught it."""
    from porter.cli import main

    (tmp_path / "nets.py").write_text(ISSUE_EXAMPLE)
    code = main(
        ["verify", "--paddle", f"{tmp_path}/nets.py:net", "--torch", f"{tmp_path}/nets.py:net_eps",
         "--input-shape", "2,3,8,8"]
    )  # fmt: skip
    out = capsys.readouterr().out
    assert code == 1, out
    assert "verdict   FAIL, caught by forward float64" in out
    assert "\nfirst divergent layer: bn (paddle BatchNorm2D, torch BatchNorm2d)" in out
