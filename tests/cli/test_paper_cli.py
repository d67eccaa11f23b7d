"""``kefu paper list/key/score --json`` (contract section 9) and ``kefu paper check``."""

import json


def test_list_follows_the_contract(run):
    result = run("paper", "list", "--json")
    assert result.returncode == 0, result.stderr
    papers = json.loads(result.stdout)
    assert {"presale", "aftersale"} == {p["project"] for p in papers}
    for p in papers:
        assert {"id", "project", "title", "minutes", "tasks"} <= set(p)
        for t in p["tasks"]:
            assert {"id", "kind", "title", "max", "auto"} <= set(t)


def test_every_paper_key_scores_full_marks_and_an_empty_file_zero(run, tmp_path):
    papers = json.loads(run("paper", "list", "--json").stdout)
    files = []
    for p in papers:
        key = run("paper", "key", p["id"], "--json")
        assert key.returncode == 0, key.stderr
        assert json.loads(key.stdout)["paper"] == p["id"]
        (tmp_path / f"{p['id']}.key.json").write_text(key.stdout, encoding="utf-8")
        (tmp_path / f"{p['id']}.empty.json").write_text(
            json.dumps({"paper": p["id"], "answers": {}}), encoding="utf-8"
        )
        files += [f"{p['id']}.key.json", f"{p['id']}.empty.json"]
    result = run("paper", "score", "--json", *files)
    assert result.returncode == 0, result.stderr
    scored = json.loads(result.stdout)
    assert [s["file"] for s in scored] == files
    for s in scored:
        auto = [t for t in s["tasks"] if t["auto"]]
        assert auto and s["max_auto"] == sum(t["max"] for t in auto)
        if s["file"].endswith(".key.json"):
            assert all(t["points"] == t["max"] for t in auto), s
            assert s["total_auto"] == s["max_auto"]
        else:
            assert all(t["points"] == 0 for t in s["tasks"]), s
            assert s["total_auto"] == 0
        for t in s["tasks"]:
            assert {"id", "points", "max", "auto", "evidence", "comment"} <= set(t)


def test_value_key_and_variant(run):
    key = json.loads(run("paper", "key", "presale.tea", "--json").stdout)["answers"]["t4"]
    assert [key[r]["value"] for r in ("basic", "satisfied", "lost")] == [26000, 26000, 52000]
    other = json.loads(run("paper", "key", "presale.tea", "--variant", "A017", "--json").stdout)
    assert other["variant"] == "A017"


def test_bad_files_exit_2_and_good_ones_are_scored(run, tmp_path):
    (tmp_path / "list.json").write_text("[]", encoding="utf-8")
    (tmp_path / "broken.json").write_text("{", encoding="utf-8")
    (tmp_path / "odd.json").write_text(
        json.dumps({"paper": "presale.tea", "answers": {"t4": 7, "t9": "x", "t6": {"C01": 3}}}),
        encoding="utf-8",
    )
    (tmp_path / "nopaper.json").write_text(json.dumps({"paper": "nope"}), encoding="utf-8")
    result = run("paper", "score", "--json", "list.json", "broken.json", "odd.json", "nopaper.json")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "list.json: 顶层应为 JSON 对象" in result.stderr
    assert "broken.json:1: 不是有效的 JSON" in result.stderr
    assert "nopaper.json: 没有试卷“nope”" in result.stderr
    odd = json.loads(result.stdout)[2]
    assert odd["unknown"] == ["t9"] and odd["total_auto"] == 0
    t6 = next(t for t in odd["tasks"] if t["id"] == "t6")
    assert t6["comment"].startswith("答案格式不对")


def test_check_names_file_and_line(run, tmp_path):
    bad = tmp_path / "mine.yaml"
    bad.write_text(
        "version: 1\nid: school.one\nproject: presale\nform: form.cs_presale\n"
        "title: 校内试卷\nminutes: 45\ntasks:\n"
        "  - id: t1\n    kind: customer_value\n    title: 价值\n    max: 8\n"
        "    row: cs_presale.p66\n",
        encoding="utf-8",
    )
    result = run("paper", "check", str(bad))
    assert result.returncode == 2
    assert f"{bad}:8: customer_value 题需要“value:”一节" in result.stderr
    assert f"{bad}:12: 评分表 form.cs_presale 没有行“cs_presale.p66”" in result.stderr
    assert "是不是“cs_presale.p6”" in result.stderr
    assert run("paper", "check").returncode == 0
