"""``kefu rubric list`` and ``kefu rubric check`` as a grader or trainer runs them."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

from bot.services.paths import rubric_dir

KEFU = Path(sys.executable).parent / "kefu"


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(KEFU), "rubric", *args], capture_output=True, text=True, cwd=cwd, timeout=120
    )


def test_list_json_follows_the_contract(tmp_path):
    result = run("list", "--json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    forms = json.loads(result.stdout)
    assert isinstance(forms, list) and len(forms) == 10
    for form in forms:
        assert {"id", "module", "project", "max", "items"} <= set(form)
        assert form["max"] == 100
        assert sum(item["max"] for item in form["items"]) == form["max"]
        for item in form["items"]:
            assert {"id", "title", "max"} <= set(item)
    by_id = {f["id"]: f for f in forms}
    assert {"chat.presale", "chat.objection", "chat.complaint"} <= set(by_id)
    assert [len(by_id[i]["items"]) for i in PROJECT_IDS] == [8, 9, 9, 10, 10, 9, 7]
    assert {f["module"] for f in forms} == {
        "customer_service",
        "visual_design",
        "platform_operations",
        "search_promotion",
        "new_media",
    }


PROJECT_IDS = [
    "form.cs_presale",
    "form.cs_aftersale",
    "form.vd_web_page",
    "form.vd_shop_design",
    "form.po_b2c_c2c",
    "form.sp_search_engine",
    "form.nm_mobile",
]


def test_list_without_json_is_a_table(tmp_path):
    result = run("list", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("表 id")
    assert len(lines) == 11
    assert any("form.po_b2c_c2c" in line and "B2C/C2C 平台运营" in line for line in lines)


def test_check_the_bundled_folder(tmp_path):
    result = run("check", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "10 个评分表检查通过" in result.stdout


def test_check_reports_a_wrong_sum_and_an_unknown_chat_row(tmp_path):
    copy = tmp_path / "rubric"
    shutil.copytree(rubric_dir(), copy)
    form = copy / "forms" / "cs_presale.yaml"
    text = form.read_text(encoding="utf-8")
    assert text.count("    max: 25\n") == 1 and "from_chat: [presale.needs]" in text
    form.write_text(
        text.replace("    max: 25\n", "    max: 20\n").replace(
            "from_chat: [presale.needs]", "from_chat: [presale.need]"
        ),
        encoding="utf-8",
    )
    lines = text.splitlines()
    items_line = lines.index("items:") + 1
    ref_line = lines.index("    from_chat: [presale.needs]") + 1
    result = run("check", str(copy), cwd=tmp_path)
    assert result.returncode == 2
    assert "Traceback" not in result.stdout + result.stderr
    out = result.stdout.splitlines()
    assert out[0] == f"{form}:{items_line}: 各行满分之和是 95，应等于表的满分 100"
    assert out[1].startswith(
        f"{form}:{ref_line}: from_chat 引用的聊天评分行“presale.need”不存在（可用："
    )
    assert len(out) == 2
    assert "发现 2 个问题。" in result.stderr


def test_check_one_project_form_resolves_against_the_bundled_chat_forms(tmp_path):
    form = tmp_path / "mine.yaml"
    shutil.copy(rubric_dir() / "forms" / "cs_aftersale.yaml", form)
    assert run("check", str(form), cwd=tmp_path).returncode == 0
    missing = tmp_path / "missing.yaml"
    result = run("check", str(missing), cwd=tmp_path)
    assert result.returncode == 2
    assert result.stdout.startswith(f"{missing}:1: 无法读取文件")
    assert "Traceback" not in result.stderr


def test_check_a_duplicate_form_id(tmp_path):
    first = rubric_dir() / "forms" / "new_media.yaml"
    second = tmp_path / "copy.yaml"
    shutil.copy(first, second)
    result = run("check", str(first), str(second), cwd=tmp_path)
    assert result.returncode == 2
    line = second.read_text(encoding="utf-8").splitlines().index("id: form.nm_mobile") + 1
    assert result.stdout.splitlines() == [
        f"{second}:{line}: 表 id “form.nm_mobile”重复（已用于 {first}）"
    ]
