"""Issue 15: a read-only command on SQLite reads with sqlite3 alone, and only when it may.

``open_sqlite_reader`` hands out a bare sqlite3 connection only for a plain SQLite file that
exists, has the current schema and passes the audit check made on every opening; anything else
goes the usual way (which makes, upgrades, repairs and warns). Both ways list the same rows
and find the same audit problems.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from contextlib import closing
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine

from bot.core.transcript import Message, Transcript
from bot.storage import import_transcript, list_conversations, open_database
from bot.storage.audit import add_user
from bot.storage.audit_chain import verify
from bot.storage.audit_verify import verify_with
from bot.storage.listing import summaries
from bot.storage.migrations import HEAD
from bot.storage.reader import SqliteReader, open_sqlite_reader, sqlite_file


def stored(engine: Engine, count: int = 3) -> None:
    for i in range(count):
        at = datetime.fromisoformat(f"2026-06-10T09:0{i}:00+08:00")
        import_transcript(
            engine,
            Transcript(
                kind="presale",
                messages=[Message("customer", "在吗？", at), Message("agent", "亲，在的～", at)][
                    : 1 + i % 2
                ],
                id=f"t{i}",
                scenario="presale-dress-size",
            ),
            source=f"t{i}.json",
        )


@pytest.mark.parametrize(
    ("url", "path"),
    [
        ("sqlite:///kefu.db", Path("kefu.db")),
        ("sqlite:////tmp/data/k.db", Path("/tmp/data/k.db")),
        ("sqlite+pysqlite:///k.db", Path("k.db")),
        ("sqlite://", None),
        ("sqlite:///:memory:", None),
        ("sqlite:///k.db?timeout=3", None),  # options: SQLAlchemy's reading is the reference
        ("sqlite:///a%20b.db", None),
        ("sqlite:///file:k.db?mode=ro&uri=true", None),
        ("postgresql+psycopg://kefu@127.0.0.1/kefu", None),
    ],
)
def test_only_a_plain_sqlite_file_url_is_read_directly(url: str, path: Path | None):
    assert sqlite_file(url) == path


def test_the_list_is_the_same_either_way(engine: Engine, db_url: str):
    stored(engine)
    add_user(engine, "王主任", "admin", "王主任")
    with closing(open_sqlite_reader(db_url)) as reader:
        assert reader is not None
        lean = [s.to_json() for s in summaries(reader)]
        assert [s.to_json() for s in summaries(reader, 2)] == lean[:2]
    assert lean == [s.to_json() for s in list_conversations(engine)]
    assert [(r["id"], r["messages"]) for r in lean] == [("t2", 1), ("t1", 2), ("t0", 1)]
    assert lean[0]["started_at"] == "2026-06-10T09:02:00+08:00"


def test_a_missing_file_or_an_older_schema_is_opened_the_usual_way(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'k.db'}"
    assert open_sqlite_reader(url) is None and not (tmp_path / "k.db").exists()
    open_database(url).dispose()
    reader = open_sqlite_reader(url)
    assert reader is not None
    reader.close()
    with closing(sqlite3.connect(tmp_path / "k.db")) as db, db:
        assert db.execute("SELECT version_num FROM alembic_version").fetchone() == (HEAD,)
        db.execute("UPDATE alembic_version SET version_num = '0005_audit_chain'")
    assert open_sqlite_reader(url) is None  # opening the usual way would upgrade it
    (tmp_path / "junk.db").write_text("not a database", encoding="utf-8")
    assert open_sqlite_reader(f"sqlite:///{tmp_path / 'junk.db'}") is None


def test_an_audit_problem_is_left_to_the_usual_way_which_finds_the_same(
    engine: Engine, db_url: str, tmp_path: Path
):
    for i in range(3):
        add_user(engine, f"用户{i}", "admin" if i == 0 else "grader", "用户0")
    with engine.begin() as connection:
        connection.exec_driver_sql("DROP TRIGGER audit_log_no_update")
        connection.exec_driver_sql("UPDATE audit_log SET actor = '别人' WHERE id = 2")
    assert open_sqlite_reader(db_url) is None
    with closing(sqlite3.connect(tmp_path / "data" / "kefu.db")) as db:
        for full in (True, False):
            direct = verify_with(SqliteReader(db), full)
            usual = verify(engine, full)
            assert (direct.problems, direct.checked, direct.head) == (
                usual.problems,
                usual.checked,
                usual.head,
            )
    assert direct.problems == [
        "审计日志的保护触发器 audit_log_no_update 被删除或停用了：日志曾可被改动或删除。",
        "审计日志第 2 条的内容与它的哈希不符：条目被改动过。",
    ]


def test_listing_imports_no_sqlalchemy(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'kefu.db'}"
    engine = open_database(url)
    stored(engine, 1)
    engine.dispose()
    code = (
        "import atexit, sys\n"
        "atexit.register(lambda: print(sorted(m for m in ('sqlalchemy', 'pydantic', 'jieba')"
        " if m in sys.modules), file=sys.stderr))\n"
        "from bot.cli import main\n"
        f"main(['--db', {url!r}, 'transcripts', 'list', '--json'])\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
    assert '"id": "t0"' in done.stdout
    assert done.stderr.strip() == "[]"
