"""``kefu transcripts list``: the latest 50 for people (with how to see more), all as JSON.

The JSON array is written as the rows come from the database; it must stay byte for byte what
``json.dumps(list, ensure_ascii=False, indent=2)`` printed before (contract section 2).
"""

import json

from bot.storage import list_conversations, open_database

COUNT = 55


def store_transcripts(run, tmp_path, count=COUNT):
    files = []
    for i in range(count):
        path = tmp_path / f"t{i:02d}.json"
        at = f"2026-06-10T09:{i:02d}:00+08:00"
        path.write_text(
            json.dumps(
                {
                    "id": f"t{i:02d}",
                    "kind": "presale",
                    "scenario": "presale-dress-size",
                    "messages": [
                        {"role": "customer", "text": "在吗？", "at": at},
                        {"role": "agent", "text": "亲，在的～\n请问有什么可以帮您？", "at": at},
                    ][: 1 + i % 2],
                },
                ensure_ascii=False,
            ),
            encoding="utf-8",
        )
        files.append(str(path))
    result = run("transcripts", "import", *files)
    assert result.returncode == 0, result.stderr
    return [f"t{i:02d}" for i in reversed(range(count))]  # newest first


def test_people_see_the_latest_50_and_how_to_see_more(run, tmp_path):
    newest_first = store_transcripts(run, tmp_path)
    lines = run("transcripts", "list").stdout.splitlines()
    assert [line.split()[0] for line in lines[:-1]] == newest_first[:50]
    assert "只列出了最新的 50 条" in lines[-1] and "--all" in lines[-1]
    assert "t54  2026-06-10T09:54:00  presale" in lines[0] and " 2 条" in lines[1]
    lines = run("transcripts", "list", "--limit", "3").stdout.splitlines()
    assert len(lines) == 4 and "最新的 3 条" in lines[-1]
    lines = run("transcripts", "list", "--all").stdout.splitlines()
    assert [line.split()[0] for line in lines] == newest_first
    lines = run("transcripts", "list", "--limit", str(COUNT)).stdout.splitlines()
    assert [line.split()[0] for line in lines] == newest_first  # all of them: no hint


def test_json_lists_every_conversation_as_before(run, tmp_path):
    newest_first = store_transcripts(run, tmp_path)
    result = run("transcripts", "list", "--json")
    assert result.returncode == 0, result.stderr
    engine = open_database(f"sqlite:///{tmp_path / 'kefu.db'}")
    try:
        expected = [c.to_json() for c in list_conversations(engine)]
    finally:
        engine.dispose()
    assert result.stdout == json.dumps(expected, ensure_ascii=False, indent=2) + "\n"
    rows = json.loads(result.stdout)
    assert [r["id"] for r in rows] == newest_first
    assert {"id", "scenario", "kind", "outcome", "started_at", "messages"} <= set(rows[0])
    assert [r["messages"] for r in rows[:2]] == [1, 2]
    two = json.loads(run("transcripts", "list", "--json", "--limit", "2").stdout)
    assert two == rows[:2]


def test_an_empty_database(run):
    assert run("transcripts", "list", "--json").stdout == "[]\n"
    assert "还没有对话记录" in run("transcripts", "list").stdout
    refused = run("transcripts", "list", "--limit", "-1")
    assert refused.returncode == 2 and "--limit" in refused.stderr
