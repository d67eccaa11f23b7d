"""``kefu score``, ``kefu report`` and ``kefu eval`` as a user runs them."""

import json
from pathlib import Path

DATA = Path(__file__).parents[1] / "data"
SAMPLE = DATA / "transcripts" / "presale-sample.json"


def test_score_json_follows_the_contract(run):
    result = run("score", "--json", str(SAMPLE))
    assert result.returncode == 0, result.stderr
    [item] = json.loads(result.stdout)
    assert (
        item["file"] == str(SAMPLE)
        and item["kind"] == "presale"
        and item["band"] in ("excellent", "pass", "fail")
    )
    assert {"index", "role", "moves", "violations", "reply_seconds"} == set(item["messages"][0])


def test_malformed_files_are_reported_and_the_rest_scored(run, tmp_path):
    not_json = tmp_path / "a.json"
    not_json.write_text("hello", encoding="utf-8")
    no_text = tmp_path / "b.json"
    no_text.write_text(
        json.dumps({"kind": "presale", "messages": [{"role": "agent"}]}), encoding="utf-8"
    )
    huge = tmp_path / "c.json"
    huge.write_text(
        json.dumps(
            {"kind": "presale", "messages": [{"role": "agent", "text": "好" * 1_000_000}]},
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    result = run("score", "--json", str(not_json), str(SAMPLE), str(no_text), str(huge))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert f"{not_json}:1: 不是有效的 JSON" in result.stderr
    assert f"{no_text}: messages[0].text 缺失或不是文字" in result.stderr
    assert f"{huge}: messages[0].text 长 1000000 字，超过上限 2000 字" in result.stderr
    items = json.loads(result.stdout)
    assert [i["file"] for i in items] == [str(not_json), str(SAMPLE), str(no_text), str(huge)]
    assert "total" in items[1] and "error" in items[0]


def test_readable_score_and_stored_conversation(run):
    chat = run("transcripts", "import", str(SAMPLE))
    assert chat.returncode == 0
    result = run("score", "sample-presale-1")
    assert result.returncode == 0, result.stderr
    assert "总分" in result.stdout and "售前七步骤运用" in result.stdout


def test_report_writes_a_page(run, tmp_path):
    result = run("report", str(SAMPLE), "--out", str(tmp_path / "r.html"))
    assert result.returncode == 0, result.stderr
    assert "评分报告" in (tmp_path / "r.html").read_text(encoding="utf-8")


def test_eval_prints_the_figures(run):
    result = run("eval", str(DATA / "labelled"))
    assert result.returncode == 0, result.stderr
    for figure in (
        "macro-F1",
        "violations precision",
        "resolution accuracy",
        "band agreement",
        "Spearman",
    ):
        assert figure in result.stdout
