"""Reading the cue lexicon files: the bundled ones load, and mistakes point at file and line."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.core.errors import LexiconError
from bot.core.moves import AFTERSALE_MOVES, ALL_MOVES, PRESALE_MOVES
from bot.core.scenario import CONCESSIONS
from bot.nlp.lexicon_loader import default_detector, load_lexicon
from bot.services.paths import rubric_dir

BUNDLED = rubric_dir() / "lexicon"

GOOD_CUES = """\
version: 1
negators: [不, 没有]
polite: [您]
words: [在的]
moves:
  greet: [您好, 在的]
  negotiate: [包邮]
concessions:
  包邮: [包邮]
"""

GOOD_VIOLATIONS = """\
version: 1
violations:
  - phrase: 不知道
    unless: [帮您]
  - phrase: 加微信
    category: red_line
"""


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A lexicon folder with small valid files, for a test to spoil one of them."""
    (tmp_path / "cues.yaml").write_text(GOOD_CUES, encoding="utf-8")
    (tmp_path / "violations.yaml").write_text(GOOD_VIOLATIONS, encoding="utf-8")
    return tmp_path


def problem(folder: Path) -> str:
    with pytest.raises(LexiconError) as caught:
        load_lexicon(folder)
    return str(caught.value)


# --- the bundled lexicon ---------------------------------------------------------------------


def test_bundled_lexicon_covers_every_move():
    lexicon = load_lexicon()
    assert set(lexicon.moves) == set(ALL_MOVES)
    assert all(lexicon.moves[m] for m in PRESALE_MOVES + AFTERSALE_MOVES)


def test_bundled_concessions_are_the_kinds_scripts_may_allow():
    assert set(load_lexicon().concessions) == set(CONCESSIONS)


def test_bundled_violations_cover_the_red_lines():
    lexicon = load_lexicon()
    red = {v.phrase for v in lexicon.violations if v.category == "red_line"}
    assert {"好评返现", "加微信", "银行转账", "全网最低"} <= red
    courtesy = {v.phrase for v in lexicon.violations if v.category == "courtesy"}
    assert {"不知道", "你自己看", "爱买不买", "嫌贵别买", "这不归我管"} <= courtesy


def test_bundled_cues_have_no_empty_parts():
    lexicon = load_lexicon()
    cues = [c for cs in (*lexicon.moves.values(), *lexicon.concessions.values()) for c in cs]
    cues += [p for v in lexicon.violations for p in (v.phrase, *v.variants, *v.unless)]
    for cue in cues:
        assert cue.strip() == cue and all(cue.split("*")), cue


def test_default_detector_reads_another_folder(folder):
    for other in BUNDLED.iterdir():  # files other modules keep beside the cue lexicon
        if not (folder / other.name).exists():
            shutil.copy(other, folder / other.name)
    detector = default_detector(folder)
    assert detector is default_detector(folder)
    analysis = detector.analyze("在的，您好，可以包邮")
    assert set(analysis.moves) == {"greet", "negotiate"}
    assert set(analysis.concessions) == {"包邮"}


def test_small_valid_folder_loads(folder):
    lexicon = load_lexicon(folder)
    assert lexicon.moves == {"greet": ("您好", "在的"), "negotiate": ("包邮",)}
    assert lexicon.negators == ("不", "没有")
    assert lexicon.user_words == ("在的",)
    assert [(v.phrase, v.unless, v.category) for v in lexicon.violations] == [
        ("不知道", ("帮您",), "courtesy"),
        ("加微信", (), "red_line"),
    ]


# --- mistakes in cues.yaml -------------------------------------------------------------------


def test_unknown_move_names_the_line_and_the_known_moves(folder):
    cues = folder / "cues.yaml"
    cues.write_text(GOOD_CUES.replace("  negotiate:", "  negotiat:"), encoding="utf-8")
    assert problem(folder) == (f"{cues}:7: 未知的动作“negotiat”（可用：{', '.join(ALL_MOVES)}）")


BAD_CUES = [
    # (what is wrong, text of cues.yaml, line, start of the message after "path:line: ")
    ("cue list is a string", GOOD_CUES.replace("[您好, 在的]", "您好"), 6, "“greet”应为列表"),
    (
        "cue is a number",
        GOOD_CUES.replace("[包邮]\nconcessions", "[包邮, 3]\nconcessions"),
        7,
        "“negotiate”第 2 项应为文字",
    ),
    ("misspelt key", GOOD_CUES.replace("moves:", "movs:"), 1, "缺少必填项“moves”"),
    (
        "wrong version",
        GOOD_CUES.replace("version: 1", "version: 2"),
        1,
        "“version”的取值 2 不被允许",
    ),
    (
        "unclosed bracket",
        GOOD_CUES.replace("[包邮]\nconcessions", "[包邮\nconcessions"),
        8,
        "YAML 格式错误",
    ),
    ("tab indent", GOOD_CUES.replace("  greet:", "\tgreet:"), 6, "YAML 格式错误"),
]


@pytest.mark.parametrize(
    ("text", "line", "start"),
    [pytest.param(text, line, start, id=why) for why, text, line, start in BAD_CUES],
)
def test_malformed_cues_file(folder, text, line, start):
    cues = folder / "cues.yaml"
    cues.write_text(text, encoding="utf-8")
    assert problem(folder).startswith(f"{cues}:{line}: {start}")


def test_every_problem_is_reported(folder):
    cues = folder / "cues.yaml"
    cues.write_text(GOOD_CUES.replace("moves:", "movs:"), encoding="utf-8")
    assert problem(folder).splitlines() == [
        f"{cues}:1: 缺少必填项“moves”",
        f"{cues}:5: 未知的字段“movs”（可用：version, negators, polite, polite_anywhere, words, moves, concessions, topics, stopwords）。"
        "是不是想写“moves”？",
    ]


def test_file_not_in_utf8(folder):
    cues = folder / "cues.yaml"
    cues.write_bytes(GOOD_CUES.encode("gbk"))
    assert problem(folder).startswith(f"{cues}:1: 文件不是 UTF-8 编码")


def test_missing_file(tmp_path):
    assert problem(tmp_path).startswith(f"{tmp_path / 'cues.yaml'}:1: 无法读取文件")


# --- mistakes in violations.yaml -------------------------------------------------------------


def test_unknown_category(folder):
    bad = folder / "violations.yaml"
    bad.write_text(GOOD_VIOLATIONS.replace("red_line", "red"), encoding="utf-8")
    assert problem(folder) == (
        f"{bad}:6: “category”的取值 'red' 不被允许（应为 'courtesy' or 'red_line'）"
    )


def test_unknown_finder_names_the_line_and_the_known_ones(folder):
    bad = folder / "violations.yaml"
    bad.write_text(GOOD_VIOLATIONS + "    detect: [电话]\n", encoding="utf-8")
    said = problem(folder)
    assert said.startswith(f"{bad}:7:") and "手机号" in said


def test_an_entry_with_a_finder_is_found_by_it_not_by_its_name(folder):
    (folder / "violations.yaml").write_text(
        GOOD_VIOLATIONS
        + "  - phrase: 泄露顾客信息\n    detect: [手机号]\n    category: red_line\n",
        encoding="utf-8",
    )
    cue = next(v for v in load_lexicon(folder).violations if v.phrase == "泄露顾客信息")
    assert cue.detect == ("手机号",) and cue.cues == ()
    assert "泄露顾客信息" not in load_lexicon(folder).all_phrases()


def test_empty_phrase(folder):
    bad = folder / "violations.yaml"
    bad.write_text(GOOD_VIOLATIONS.replace("phrase: 不知道", 'phrase: ""'), encoding="utf-8")
    assert problem(folder) == f"{bad}:3: “phrase”不能是空文字"


def test_bundled_files_copied_elsewhere_still_load(tmp_path):
    for name in ("cues.yaml", "violations.yaml", "userdict.txt"):
        shutil.copy(BUNDLED / name, tmp_path / name)
    assert load_lexicon(tmp_path) == load_lexicon()
