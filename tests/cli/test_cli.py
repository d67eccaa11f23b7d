"""The real ``kefu`` command, end to end, in a subprocess, as a user would run it."""

import json
from pathlib import Path

DATA = Path(__file__).parents[1] / "data"
SAMPLE = DATA / "transcripts" / "presale-sample.json"

GOOD_AGENT = [
    "亲，您好～欢迎光临小鹿女装，有什么可以帮您的呢？",
    "请问您的身高体重大概是多少呢？",
    "根据您的身材推荐您M码，这款收腰A字版型，很显瘦哦",
    "亲，这已经是活动价了，不过下单送您运费险，还包邮哦",
    "感谢支持！跟您核对一下：雾蓝色M码一件，收货地址和电话对吗？",
    "48小时内给您发出，发货后会第一时间通知您，祝您生活愉快，欢迎下次光临～",
]
RUDE_AGENT = ["在", "不知道，你自己看详情页", "嫌贵别买"]


def test_list_json_shows_bundled_scenarios(run):
    result = run("chat", "--list", "--json")
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    presale = [r for r in rows if r["kind"] == "presale"]
    assert len(presale) >= 3
    assert all(set(r) == {"id", "kind", "title"} for r in rows)


def test_good_agent_orders_and_transcript_exports(run):
    result = run("chat", "presale-dress-size", "--seed", "1", stdin="\n".join(GOOD_AGENT) + "\n")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines and all(line.startswith("客户：") for line in lines)
    assert len(lines) == len(GOOD_AGENT) + 1
    assert "对话结束：下单。" in result.stderr and "ordered" not in result.stderr
    [row] = json.loads(run("transcripts", "list", "--json").stdout)
    assert row["outcome"] == "ordered" and row["scenario"] == "presale-dress-size"
    listed = run("transcripts", "list").stdout  # for people: the Chinese label only
    assert row["id"] in listed and "下单" in listed and "ordered" not in listed
    assert row["messages"] == 2 * len(GOOD_AGENT) + 1
    exported = json.loads(run("transcripts", "export", row["id"]).stdout)
    assert exported["outcome"] == "ordered" and exported["kind"] == "presale"
    roles = [m["role"] for m in exported["messages"]]
    assert roles[:3] == ["customer", "agent", "customer"]
    assert [m["text"] for m in exported["messages"] if m["role"] == "agent"] == GOOD_AGENT
    assert all("at" in m for m in exported["messages"])


def test_rude_agent_loses_the_sale(run):
    result = run("chat", "presale-dress-size", "--seed", "3", stdin="\n".join(RUDE_AGENT) + "\n")
    assert result.returncode == 0, result.stderr
    [row] = json.loads(run("transcripts", "list", "--json").stdout)
    assert row["outcome"] == "left"


def test_end_of_input_keeps_the_conversation_unfinished(run, tmp_path):
    result = run("chat", "presale-dress-size", stdin="亲，您好～\n")
    assert result.returncode == 0, result.stderr
    assert "对话结束：未完成。" in result.stderr
    [row] = json.loads(run("transcripts", "list", "--json").stdout)
    assert row["outcome"] == "unfinished" and row["messages"] == 3
    assert "未完成" in run("transcripts", "list").stdout
    out = tmp_path / "t.json"
    assert run("transcripts", "export", row["id"], "--out", str(out)).returncode == 0
    assert json.loads(out.read_text(encoding="utf-8"))["outcome"] == "unfinished"


def test_unknown_scenario_is_exit_2_with_hint(run):
    result = run("chat", "presale-dres-size")
    assert result.returncode == 2
    assert "没有 id 为“presale-dres-size”的剧本。是不是“presale-dress-size”？" in result.stderr
    assert "Traceback" not in result.stderr


def test_broken_scripts_give_file_line_messages(run):
    result = run("dialogues", "check", str(DATA / "scripts"))
    assert result.returncode == 2
    assert "Traceback" not in result.stdout + result.stderr
    broken = [line for line in result.stdout.splitlines() if "broken.yaml" in line]
    assert len(broken) == 4
    assert any(
        line.startswith(f"{DATA / 'scripts' / 'syntax.yaml'}:4: YAML 格式错误")
        for line in result.stdout.splitlines()
    )


def test_bundled_library_checks_and_tests_clean(run):
    result = run("dialogues", "check")
    assert result.returncode == 0, result.stdout
    result = run("dialogues", "test")
    assert result.returncode == 0, result.stdout
    assert result.stdout.strip().splitlines()[-1].endswith("0 failed")


def test_import_stores_good_files_and_reports_bad_ones(run, tmp_path):
    bad_json = tmp_path / "bad.json"
    bad_json.write_text("{not json", encoding="utf-8")
    bad_role = tmp_path / "role.json"
    bad_role.write_text(
        json.dumps({"kind": "presale", "messages": [{"role": "bot", "text": "hi"}]}),
        encoding="utf-8",
    )
    result = run("transcripts", "import", str(bad_json), str(SAMPLE), str(bad_role))
    assert result.returncode == 2
    assert f"{bad_json}:1: 不是有效的 JSON" in result.stderr
    assert f"{bad_role}: messages[0].role 应为 customer 或 agent，实际是 'bot'" in result.stderr
    assert "已导入" in result.stdout
    [row] = json.loads(run("transcripts", "list", "--json").stdout)
    assert row["id"] == "sample-presale-1" and row["messages"] == 12
    again = run("transcripts", "import", str(SAMPLE))
    assert again.returncode == 2 and "已存在" in again.stderr


def test_export_unknown_id_is_exit_2(run):
    result = run("transcripts", "export", "nope")
    assert result.returncode == 2 and "nope" in result.stderr and "Traceback" not in result.stderr


def test_db_flag_chooses_the_database(run, tmp_path):
    other = tmp_path / "sub" / "other.db"
    run("--db", f"sqlite:///{other}", "chat", "presale-dress-size", stdin="您好\n")
    assert other.exists()
    assert json.loads(run("transcripts", "list", "--json").stdout) == []


def test_help_is_chinese_first(run):
    for args in (
        ["--help"],
        ["chat", "--help"],
        ["transcripts", "--help"],
        ["dialogues", "check", "--help"],
    ):
        result = run(*args)
        assert result.returncode == 0
        assert any("\u4e00" <= ch <= "\u9fff" for ch in result.stdout.splitlines()[2])


def test_bad_usage_is_exit_2(run):
    assert run("chat", "--bogus").returncode == 2
