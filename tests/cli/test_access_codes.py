"""Issue 16, item 6: access codes are for admins; graders and nameless callers are refused."""

from __future__ import annotations

import json

import pytest

from tests.cli.test_exam_roster_cli import roster_rows, write_csv

pytestmark = pytest.mark.slow

GRADER = "李老师"


def test_only_an_admin_sees_or_makes_codes(run, admin, tmp_path):
    admin("user", "add", GRADER, "--role", "grader")
    admin("exam", "create", "--name", "期末考核", "--date", "2026-06-10")
    admin("exam", "roster", "1", str(write_csv(tmp_path / "r.csv", roster_rows(6))))
    admin("exam", "draw", "--exam", "1", "--seed", "3")
    made = admin("exam", "codes", "--scenario", "presale-dress-size", "--count", "2")
    assert made.returncode == 0 and len(made.stdout.split()) == 2
    codes = made.stdout.split()
    drawn = json.loads(admin("exam", "show", "1", "--json").stdout)["candidates"]
    codes += [c["code"] for c in drawn if c["code"]]
    assert len(codes) > 2

    attempts = [
        ("exam", "codes", "--list"),
        ("exam", "codes", "--list", "--json"),
        ("exam", "codes", "--scenario", "presale-dress-size", "--count", "3"),
        ("exam", "show", "1"),
        ("exam", "show", "1", "--json"),
    ]
    for args in attempts:
        for user, expected in [
            (GRADER, f"“{GRADER}”是评分员，这个操作需要管理员。"),
            (None, "这个操作需要说明你是谁。提示：用 kefu --as 姓名 …，或设置环境变量 KEFU_USER。"),
        ]:
            result = run(*args, user=user)
            assert result.returncode == 2, (args, user, result.stdout)
            assert result.stderr.strip() == expected, (args, user)
            assert not any(code in result.stdout + result.stderr for code in codes)
    listed = json.loads(admin("exam", "codes", "--list", "--json").stdout)
    assert len(listed) == len(codes)  # the refused attempts made none
