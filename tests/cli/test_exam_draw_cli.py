"""``kefu exam draw`` as an exam organiser runs it (contract section 8)."""

import json

import pytest


def test_one_hundred_candidates_json(run):
    result = run("exam", "draw", "--count", "100", "--seed", "1", "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert list(data) == ["counts", "assignments"]
    assert list(data["counts"].items()) == [
        ("customer_service", 40),
        ("visual_design", 15),
        ("platform_operations", 15),
        ("search_promotion", 15),
        ("new_media", 15),
    ]
    assert len(data["assignments"]) == 100
    assert {a: data["assignments"].count(a) for a in data["counts"]} == data["counts"]
    again = run("exam", "draw", "--count", "100", "--seed", "1", "--json")
    assert again.stdout == result.stdout


def test_the_table_is_in_chinese(run):
    result = run("exam", "draw", "--count", "10", "--seed", "1")
    assert result.returncode == 0, result.stderr
    for name in [
        "网络客户服务与管理",
        "网站（店）美工",
        "电商平台运营",
        "企业网络推广",
        "移动新媒体推广",
    ]:
        assert name in result.stdout
    assert "考生 → 模块" in result.stdout
    lines = result.stdout.splitlines()
    assert lines[-1].split()[0] == "10"


@pytest.mark.parametrize("count", ["0", "-3"])
def test_no_candidates_is_a_clean_usage_error(run, count):
    result = run("exam", "draw", "--count", count, "--seed", "1", "--json")
    assert result.returncode == 2
    assert "考生人数" in result.stderr
    assert "Traceback" not in result.stderr and "Traceback" not in result.stdout
    assert result.stdout == ""


def test_the_seed_is_required(run):
    result = run("exam", "draw", "--count", "10")
    assert result.returncode == 2
    assert "--seed" in result.stderr and "Traceback" not in result.stderr
