"""The SVG charts as pure functions: bins and their edges, the counts on each bar, the rates as
the exported summary writes them, the steps most missed first, and escaping of what comes in.

Every chart is parsed as XML: a chart that is not well-formed fails here, and the numbers are
read back from the ``data-*`` attributes, as the console tests do on the served page.
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET

import pytest

from bot.core.moves import AFTERSALE_MOVES, PRESALE_MOVES
from bot.core.results_summary import SummaryRow
from bot.reports.charts import (
    Attempt,
    Share,
    attempt_chart,
    bins,
    histogram,
    rate_chart,
    share_chart,
    step_coverage,
)

SVG = "{http://www.w3.org/2000/svg}"


def parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    return root


def bars(root: ET.Element, cls: str = "bar") -> list[ET.Element]:
    return [g for g in root.iter(f"{SVG}g") if cls in g.get("class", "").split()]


def counts(root: ET.Element) -> dict[str, int]:
    return {g.get("data-label"): int(g.get("data-count")) for g in bars(root)}


# ------------------------------------------------------------------------ bins


def test_bins_of_five_cover_0_to_100_with_60_and_85_as_edges():
    found = bins([], 5)
    assert [(b.low, b.high) for b in found] == [(i, i + 5) for i in range(0, 100, 5)]
    assert {60, 85} <= {b.low for b in found}
    assert all(b.count == 0 for b in found)


@pytest.mark.parametrize(
    ("total", "label"),
    [
        (0, "0–5"),
        (4.5, "0–5"),
        (5, "5–10"),
        (59.5, "55–60"),
        (60, "60–65"),  # exactly 60 is 合格: right of the line
        (84.5, "80–85"),
        (85, "85–90"),  # exactly 85 is 优秀
        (99.5, "95–100"),
        (100, "95–100"),  # the last bin is closed
    ],
)
def test_each_total_falls_in_its_bin(total, label):
    found = [b for b in bins([total], 5) if b.count]
    assert [b.label for b in found] == [label]


def test_bins_of_ten():
    found = bins([60, 69.5, 70, 85, 89.5, 90, 100, 0], 10)
    assert len(found) == 10
    assert {b.label: b.count for b in found if b.count} == {
        "0–10": 1,
        "60–70": 2,
        "70–80": 1,
        "80–90": 2,
        "90–100": 2,
    }


@pytest.mark.parametrize("width", [0, 3, 7, 20])
def test_other_bin_widths_are_refused(width):
    with pytest.raises(ValueError, match="bin width"):
        bins([50], width)


@pytest.mark.parametrize("total", [-0.5, 100.5, math.nan])
def test_totals_outside_0_to_100_are_refused(total):
    with pytest.raises(ValueError, match="between 0 and 100"):
        bins([total])


# ------------------------------------------------------------------------ histogram


TOTALS = [0, 38, 59.5, 60, 60, 64.5, 72, 84.5, 85, 85, 91, 100]


def test_histogram_bars_carry_the_exact_counts():
    root = parse(histogram(TOTALS, "全部考生"))
    shown = counts(root)
    assert len(shown) == 20
    expected = {b.label: b.count for b in bins(TOTALS, 5)}
    assert shown == expected
    assert shown["60–65"] == 3 and shown["55–60"] == 1 and shown["85–90"] == 2
    assert sum(shown.values()) == len(TOTALS)
    # The count is written above each bar that has one.
    bar = next(g for g in bars(root) if g.get("data-label") == "60–65")
    assert [t.text for t in bar.iter(f"{SVG}text")] == ["3"]
    empty = next(g for g in bars(root) if g.get("data-label") == "10–15")
    assert list(empty.iter(f"{SVG}text")) == []


def test_histogram_bands_and_lines_at_60_and_85():
    root = parse(histogram(TOTALS, "全部考生"))
    band = {g.get("data-label"): g.get("class").split()[1] for g in bars(root)}
    assert band["55–60"] == "band-fail" and band["60–65"] == "band-pass"
    assert band["80–85"] == "band-pass" and band["85–90"] == "band-excellent"
    lines = {g.get("data-at"): g for g in root.iter(f"{SVG}g") if g.get("data-at")}
    assert set(lines) == {"60", "85"}
    assert "合格 60" in "".join(lines["60"].itertext())
    assert "优秀 85" in "".join(lines["85"].itertext())

    # Each line stands at the left edge of the bin starting there (bars are inset by 1).
    def x_of_line(at: str) -> float:
        return float(next(lines[at].iter(f"{SVG}line")).get("x1"))

    def x_of_bar(label: str) -> float:
        bar = next(g for g in bars(root) if g.get("data-label") == label)
        return float(next(bar.iter(f"{SVG}rect")).get("x"))

    assert x_of_line("60") == pytest.approx(x_of_bar("60–65") - 1, abs=0.1)
    assert x_of_line("85") == pytest.approx(x_of_bar("85–90") - 1, abs=0.1)


def test_histogram_says_what_it_shows():
    root = parse(histogram(TOTALS, "电商1班 · 总分分布"))
    assert root.get("role") == "img"
    assert root.find(f"{SVG}title").text == "电商1班 · 总分分布"
    label = root.get("aria-label")
    # 60 and above: 60, 60, 64.5, 72, 84.5, 85, 85, 91, 100; 85 and above: 85, 85, 91, 100.
    assert "共 12 人" in label and "合格（60 分及以上）9 人" in label
    assert "优秀（85 分及以上）4 人" in label and "60–65 分 3 人" in label
    assert root.find(f"{SVG}desc").text == label


def test_a_total_of_exactly_60_is_a_pass():
    root = parse(histogram([60], "x"))
    assert "合格（60 分及以上）1 人" in root.get("aria-label")
    assert counts(root)["60–65"] == 1
    assert "合格（60 分及以上）0 人" in parse(histogram([59.5], "x")).get("aria-label")


def test_histogram_of_ten_point_bins_and_of_nothing():
    root = parse(histogram(TOTALS, "x", width=10))
    assert counts(root) == {b.label: b.count for b in bins(TOTALS, 10)}
    nothing = parse(histogram([], "空", empty="还没有定稿的评分表"))
    assert set(counts(nothing).values()) == {0}
    assert "还没有定稿的评分表" in "".join(nothing.itertext())
    assert "共 0 人" in nothing.get("aria-label")


def test_histogram_sizes_print_on_a4():
    root = parse(histogram(TOTALS, "x"))
    assert root.get("width") == "640" and root.get("viewBox").startswith("0 0 640 ")
    assert "Noto Sans CJK SC" in root.get("font-family")  # Chinese glyphs without web fonts


# ------------------------------------------------------------------------ rates


ROWS = [
    SummaryRow("模块", "网络客户服务与管理", 7, 5, 2),
    SummaryRow("模块", "网站（店）美工", 3, 3, 0),
    SummaryRow("模块", "移动新媒体推广", 0, 0, 0),
]


def test_rate_chart_bars_and_percentages():
    root = parse(rate_chart(ROWS, "各模块合格率与优秀率"))
    found = {
        (g.get("data-label"), g.get("data-series")): (
            int(g.get("data-count")),
            int(g.get("data-total")),
            [t.text for t in g.iter(f"{SVG}text")],
        )
        for g in bars(root)
    }
    assert found == {
        ("网络客户服务与管理", "合格率"): (5, 7, ["71.4%"]),
        ("网络客户服务与管理", "优秀率"): (2, 7, ["28.6%"]),
        ("网站（店）美工", "合格率"): (3, 3, ["100.0%"]),
        ("网站（店）美工", "优秀率"): (0, 3, ["0.0%"]),
        ("移动新媒体推广", "合格率"): (0, 0, ["0.0%"]),
        ("移动新媒体推广", "优秀率"): (0, 0, ["0.0%"]),
    }
    # A full bar is as long as the 100% gridline is far.
    full = next(g for g in bars(root) if g.get("data-percent") == "100.0%")
    assert float(next(full.iter(f"{SVG}rect")).get("width")) > 300
    label = root.get("aria-label")
    assert "网络客户服务与管理（7 人）合格率 71.4%（5 人），优秀率 28.6%（2 人）" in label


# ------------------------------------------------------------------------ steps


def test_step_coverage_counts_chats_and_puts_the_most_missed_first():
    chats = [
        ["greet", "inquire", "recommend", "farewell"],
        ["greet", "inquire"],
        ["greet", "recommend", "negotiate", "apologize"],  # apologize is not a presale step
        [],
    ]
    shares = step_coverage(chats, PRESALE_MOVES)
    assert [(s.label, s.count, s.total) for s in shares] == [
        ("核实", 0, 4),
        ("跟进", 0, 4),
        ("议价", 1, 4),
        ("道别", 1, 4),
        ("询问", 2, 4),
        ("推荐", 2, 4),
        ("招呼", 3, 4),
    ]
    root = parse(share_chart(shares, "售前步骤"))
    read = [(g.get("data-label"), g.get("data-move"), int(g.get("data-count"))) for g in bars(root)]
    assert read[0] == ("核实", "verify", 0) and read[-1] == ("招呼", "greet", 3)
    assert "75.0%（3/4）" in "".join(bars(root)[-1].itertext())
    assert step_coverage([], AFTERSALE_MOVES)[0].total == 0


def test_a_share_chart_refuses_a_bad_data_name():
    with pytest.raises(ValueError, match="data attribute"):
        share_chart([Share("x", 1, 2, data={'a" onload="b': "1"})], "x")


def test_attempts_show_each_step_shown_or_missed():
    attempts = [
        Attempt("06-10 连衣裙", ("greet", "inquire"), PRESALE_MOVES),
        Attempt("06-11 茶叶", PRESALE_MOVES, PRESALE_MOVES),
    ]
    root = parse(attempt_chart(attempts, "练习"))
    rows = bars(root, "attempt")
    assert [(r.get("data-label"), r.get("data-count"), r.get("data-total")) for r in rows] == [
        ("06-10 连衣裙", "2", "7"),
        ("06-11 茶叶", "7", "7"),
    ]
    steps = {g.get("data-move"): g.get("data-shown") for g in bars(rows[0], "step")}
    assert steps == {m: "1" if m in ("greet", "inquire") else "0" for m in PRESALE_MOVES}
    assert "06-10 连衣裙 做到 2/7 步，缺推荐、议价、核实、道别、跟进" in root.get("aria-label")


def test_after_sale_attempts_keep_the_order_of_their_steps():
    root = parse(attempt_chart([Attempt("投诉", ("greet", "remedy"), AFTERSALE_MOVES)], "练习"))
    row = bars(root, "attempt")[0]
    assert [g.get("data-move") for g in bars(row, "step")] == list(AFTERSALE_MOVES)
    assert (row.get("data-count"), row.get("data-total")) == ("2", str(len(AFTERSALE_MOVES)))


# ------------------------------------------------------------------------ escaping


NASTY = "<script>alert(\"x\")</script> & '1'\x07"


def test_every_text_that_comes_in_is_escaped():
    charts = [
        histogram([70], NASTY, empty=NASTY),
        rate_chart([SummaryRow("班级", NASTY, 2, 1, 0)], NASTY),
        share_chart([Share(NASTY, 1, 2)], NASTY),
        attempt_chart([Attempt(NASTY, ("greet",), PRESALE_MOVES)], NASTY),
    ]
    for svg in charts:
        assert "<script" not in svg and "\x07" not in svg
        root = parse(svg)  # well-formed: nothing broke out of its attribute or element
        assert not list(root.iter(f"{SVG}script"))
        assert root.find(f"{SVG}title").text == NASTY.replace("\x07", "")
        assert NASTY.replace("\x07", "") in root.get("aria-label")
    labels = [g.get("data-label") for g in bars(parse(charts[1]))]
    assert labels == [NASTY.replace("\x07", "")] * 2
