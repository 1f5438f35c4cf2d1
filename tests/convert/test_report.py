"""Report: statuses, diagnostics with file:line:col, text and JSON renderings."""

import json

from porter.convert.engine import convert_source
from porter.convert.report import Report, Status

TODO_SOURCE = "import paddle\ny = paddle.concat([a], axis=0)\nz = paddle.not_an_api(y)\n"


def test_statuses():
    assert convert_source("x = 1\n").status is Status.UNCHANGED
    assert convert_source("import paddle\ny = paddle.concat([a], axis=0)\n").status is Status.CONVERTED
    assert convert_source(TODO_SOURCE).status is Status.NEEDS_ATTENTION
    failed = convert_source("def (:\n", path="bad.py")
    assert failed.status is Status.FAILED and failed.output == "def (:\n"
    assert failed.diagnostics[0].code == "parse-error"


def test_diagnostic_position_and_format():
    result = convert_source(TODO_SOURCE, path="m.py")
    stand_in, todo = result.attention
    assert str(todo) == "m.py:3:5: error unknown-api paddle.not_an_api is not in the mapping table"
    assert str(stand_in).startswith("m.py:1:8: warning helper uses porter_helpers.Unconverted")


def test_text_report():
    report = Report([convert_source(TODO_SOURCE, path="m.py"), convert_source("x = 1\n", path="n.py")])
    text = report.render_text()
    lines = text.splitlines()
    assert lines[0] == "Converted 1 files, 2 items need attention (1 unchanged)"
    assert lines[1].startswith("m.py:1:8: warning helper")
    assert lines[2].startswith("m.py:3:5: error unknown-api")
    assert any(line.split() == ["paddle.concat", "1", "0"] for line in lines)
    assert any(line.split() == ["paddle.not_an_api", "0", "1"] for line in lines)
    assert lines[-1] == "Conversion rate: 50.0% (1 of 2 Paddle API uses)"


def test_json_report():
    data = json.loads(Report([convert_source(TODO_SOURCE, path="m.py")]).render_json())
    assert data["summary"]["attention"] == 2 and data["summary"]["conversion_rate"] == 0.5
    (file,) = data["files"]
    assert file["status"] == "needs_attention" and file["helpers"] == ["Unconverted"]
    assert file["diagnostics"][1] == {
        "path": "m.py",
        "line": 3,
        "col": 5,
        "severity": "error",
        "code": "unknown-api",
        "message": "paddle.not_an_api is not in the mapping table",
        "safety": None,
    }
    assert file["api_counts"] == {"paddle.concat": 1}
