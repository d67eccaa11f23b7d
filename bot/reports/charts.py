"""Charts drawn on the server as SVG text: data in, a complete ``<svg>`` element out.

No I/O, no database and no JavaScript: the exam-room LAN is offline and the pages forbid inline
scripts, so the console inlines these pictures as they are, and they print as they are shown.
Every text that comes in (class names, scenario titles …) is escaped here; the caller may mark
the result as safe markup. Each chart has a ``<title>``, a full text description as its
``aria-label`` (``role="img"``), and every bar is a ``<g>`` with ``data-label`` and the exact
``data-count`` (and ``data-total`` where there is one), so a test can read the numbers back.

The three pictures:

- ``histogram``: totals (0–100) in bins of 5 or 10 points, the count above each bar, and
  vertical lines at 60 (合格) and 85 (优秀). A bin is ``[low, high)``, the last one ``[95, 100]``,
  so a total of exactly 60 is in ``60–65``, on the 合格 side of the line.
- ``rate_chart``: for each group (a module, a class) two bars, 合格率 and 优秀率, with the
  percentage written at the end of each bar (one decimal, as the exported summary writes it).
- ``share_chart``: horizontal bars of a share (how many of how many), e.g. the steps of the
  chats, sorted by ``step_coverage`` with the most missed first;
- ``attempt_chart``: a candidate's practice attempts, one row each, a square per step (filled
  where the chat showed it) and how many of its steps it showed.

Sizes are in CSS pixels and 640 wide: on A4 paper that is the printable width at 96 dpi.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from html import escape

from bot.core.moves import MOVE_TITLES
from bot.core.results_summary import SummaryRow
from bot.core.scoring import EXCELLENT, PASS

WIDTH = 640
BIN_WIDTHS = (5, 10)
# System fonts with Chinese glyphs on Windows, macOS and Linux (no web fonts on an offline LAN).
FONT = (
    "'Microsoft YaHei', 'PingFang SC', 'Noto Sans CJK SC', 'Source Han Sans SC', "
    "'WenQuanYi Micro Hei', sans-serif"
)
INK, MUTED, GRID, TRACK = "#1f2329", "#5f6670", "#d9dce1", "#eceef1"
# By band: distinct in hue and in lightness, so that a black-and-white print still tells them apart.
BAND_FILL = {"fail": "#e8833a", "pass": "#4f81bd", "excellent": "#2f7d4f"}
RATE_FILL = {"pass": "#4f81bd", "excellent": "#2f7d4f"}
SHARE_FILL = "#4f81bd"
BAND_TITLE = {"fail": "不合格", "pass": "合格", "excellent": "优秀"}

# Characters XML does not allow (C0 controls other than tab and newlines).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# The name of a data-* attribute a caller may add.
_DATA_NAME = re.compile(r"[a-z][a-z0-9-]*")


# ------------------------------------------------------------------------ numbers


@dataclass(frozen=True)
class Bin:
    """One bar of a histogram: the totals ``low <= t < high`` (``<= high`` for the last)."""

    low: int
    high: int
    count: int

    @property
    def label(self) -> str:
        return f"{self.low}–{self.high}"

    @property
    def band(self) -> str:
        """The band of the bin's lowest total (a 10-point bin 80–90 is split by the 85 line)."""
        return "excellent" if self.low >= EXCELLENT else "pass" if self.low >= PASS else "fail"


def bins(totals: Iterable[float], width: int = 5) -> list[Bin]:
    """Count totals in bins of ``width`` points from 0 to 100; refuse totals outside 0–100."""
    if width not in BIN_WIDTHS:
        raise ValueError(f"bin width must be one of {BIN_WIDTHS}, not {width!r}")
    n = 100 // width
    counts = [0] * n
    for total in totals:
        if not 0 <= total <= 100:  # also refuses NaN
            raise ValueError(f"a total must be between 0 and 100, not {total!r}")
        counts[min(int(total // width), n - 1)] += 1
    return [Bin(i * width, (i + 1) * width, c) for i, c in enumerate(counts)]


def percent(rate: float) -> str:
    """A rate as the exported summary writes it: ``81.8%``."""
    return f"{rate * 100:.1f}%"


@dataclass(frozen=True)
class Share:
    """One horizontal bar: ``count`` of ``total`` (a step shown in 3 of 5 chats …)."""

    label: str
    count: int
    total: int
    data: Mapping[str, str] = field(default_factory=dict)  # more data-* attributes

    @property
    def rate(self) -> float:
        return self.count / self.total if self.total else 0.0


def step_coverage(covered: Iterable[Iterable[str]], moves: Sequence[str]) -> list[Share]:
    """For each move, in how many of the chats it was shown; the most missed first.

    ``covered`` holds one chat's moves each (a score sheet's ``moves_covered``); moves outside
    ``moves`` are ignored. Ties keep the order of ``moves`` (the order of the steps).
    """
    chats = [set(c) for c in covered]
    shares = [
        Share(
            MOVE_TITLES.get(move, move),
            sum(1 for c in chats if move in c),
            len(chats),
            data={"move": move},
        )
        for move in moves
    ]
    return sorted(shares, key=lambda s: s.count)  # stable: ties stay in step order


@dataclass(frozen=True)
class Attempt:
    """One practice chat: its label, the moves it showed, and the moves of its kind."""

    label: str
    covered: tuple[str, ...]
    moves: tuple[str, ...]

    @property
    def shown(self) -> list[str]:
        return [m for m in self.moves if m in self.covered]

    @property
    def missed(self) -> list[str]:
        return [m for m in self.moves if m not in self.covered]


# ------------------------------------------------------------------------ SVG pieces


def _clean(text: object) -> str:
    return _CONTROL.sub("", str(text))


def _esc(text: object) -> str:
    """Text or an attribute value, escaped for SVG inside HTML (quotes too)."""
    return escape(_clean(text), quote=True)


def _num(value: float) -> str:
    """A coordinate: at most one decimal, no trailing zeros."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _text_width(text: str, size: float) -> float:
    """About how wide a text is drawn: wide (CJK) characters a full em, others about half."""
    return sum(size if ord(ch) > 0x2E7F else size * 0.58 for ch in text)


def _fit(text: str, room: float, size: float) -> str:
    """The text, cut with … when it would be wider than ``room``."""
    text = _clean(text)
    if _text_width(text, size) <= room:
        return text
    while text and _text_width(text + "…", size) > room:
        text = text[:-1]
    return text + "…"


def _attrs(values: Mapping[str, object]) -> str:
    return "".join(f' {name}="{_esc(value)}"' for name, value in values.items())


def _text(x: float, y: float, text: str, size: float = 12, **attrs: object) -> str:
    extra = {k.replace("_", "-"): v for k, v in attrs.items()}
    return (
        f'<text x="{_num(x)}" y="{_num(y)}" font-size="{_num(size)}"'
        f"{_attrs(extra)}>{_esc(text)}</text>"
    )


def _line(x1: float, y1: float, x2: float, y2: float, stroke: str, **attrs: object) -> str:
    extra = {k.replace("_", "-"): v for k, v in attrs.items()}
    return (
        f'<line x1="{_num(x1)}" y1="{_num(y1)}" x2="{_num(x2)}" y2="{_num(y2)}"'
        f' stroke="{stroke}"{_attrs(extra)}/>'
    )


def _rect(x: float, y: float, w: float, h: float, fill: str) -> str:
    return (
        f'<rect x="{_num(x)}" y="{_num(y)}" width="{_num(max(w, 0))}"'
        f' height="{_num(max(h, 0))}" fill="{fill}"/>'
    )


def _svg(
    kind: str, title: str, description: str, height: float, body: list[str], ident: str
) -> str:
    head = {
        "xmlns": "http://www.w3.org/2000/svg",
        "class": f"chart chart-{kind}",
        "role": "img",
        "aria-label": description,
        "width": WIDTH,
        "height": _num(height),
        "viewBox": f"0 0 {WIDTH} {_num(height)}",
        "font-family": FONT,
        "fill": INK,
    }
    if ident:
        head = {"id": ident, **head}
    return (
        f"<svg{_attrs(head)}>"
        f"<title>{_esc(title)}</title><desc>{_esc(description)}</desc>"
        + _text(12, 22, _fit(title, WIDTH - 24, 15), 15, font_weight="bold")
        + "".join(body)
        + "</svg>"
    )


def _nice_top(largest: int) -> tuple[int, int]:
    """The top of a count axis and its tick step: at most about five ticks, whole numbers."""
    largest = max(largest, 1)
    raw = largest / 5
    magnitude = 10 ** math.floor(math.log10(raw)) if raw >= 1 else 1
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    step = max(int(step), 1)
    return step * math.ceil(largest / step), step


# ------------------------------------------------------------------------ the charts


def histogram(
    totals: Iterable[float], title: str, *, width: int = 5, ident: str = "", empty: str = ""
) -> str:
    """The distribution of totals, with the 合格 (60) and 优秀 (85) lines."""
    values = list(totals)
    counted = bins(values, width)
    passed = sum(1 for t in values if t >= PASS)
    excellent = sum(1 for t in values if t >= EXCELLENT)
    left, right, top, bottom = 52, WIDTH - 20, 62, 262
    height = bottom + 48
    scale = (right - left) / 100
    y_top, step = _nice_top(max((b.count for b in counted), default=0))

    def y_of(count: float) -> float:
        return bottom - (bottom - top) * count / y_top

    body = [_text(12, 44, "人数", 11, fill=MUTED)]
    for tick in range(0, y_top + 1, step):
        y = y_of(tick)
        body.append(_line(left, y, right, y, GRID if tick else MUTED))
        body.append(_text(left - 6, y + 4, str(tick), 11, text_anchor="end", fill=MUTED))
    for tick in range(0, 101, 10):
        x = left + tick * scale
        body.append(_line(x, bottom, x, bottom + 4, MUTED))
        body.append(_text(x, bottom + 18, str(tick), 11, text_anchor="middle", fill=MUTED))
    body.append(_text((left + right) / 2, bottom + 38, "总分", 12, text_anchor="middle"))
    for b in counted:
        x, w = left + b.low * scale + 1, (b.high - b.low) * scale - 2
        label = f"{b.label} 分：{b.count} 人"
        bar = [f"<title>{_esc(label)}</title>"]
        bar.append(_rect(x, y_of(b.count), w, y_of(0) - y_of(b.count), BAND_FILL[b.band]))
        if b.count:
            # A threshold line through the middle of the bar (85 in a 10-point bin): step aside.
            split = any(b.low < mark < b.high for mark in (PASS, EXCELLENT))
            at = x + w * (0.28 if split else 0.5)
            bar.append(_text(at, y_of(b.count) - 4, str(b.count), 11, text_anchor="middle"))
        data = {
            "class": f"bar band-{b.band}",
            "data-label": b.label,
            "data-low": b.low,
            "data-high": b.high,
            "data-count": b.count,
        }
        body.append(f"<g{_attrs(data)}>{''.join(bar)}</g>")
    for mark, name, key in ((PASS, "合格", "pass"), (EXCELLENT, "优秀", "excellent")):
        x = left + mark * scale
        body.append(
            f'<g class="threshold threshold-{key}" data-at="{_num(mark)}">'
            + _line(x, top - 12, x, bottom, INK, stroke_dasharray="5 3", stroke_width="1.5")
            + _text(x, top - 16, f"{name} {mark:g}", 11, text_anchor="middle")
            + "</g>"
        )
    if not values:
        body.append(
            _text(
                (left + right) / 2,
                (top + bottom) / 2,
                empty or "没有成绩",
                13,
                text_anchor="middle",
                fill=MUTED,
            )
        )
    shown = [f"{b.label} 分 {b.count} 人" for b in counted if b.count]
    description = (
        f"{title}：共 {len(values)} 人，合格（{PASS:g} 分及以上）{passed} 人，"
        f"优秀（{EXCELLENT:g} 分及以上）{excellent} 人。"
        + (
            f"各分数段（每段 {width} 分）：" + "；".join(shown) + "；其余分数段 0 人。"
            if shown
            else ""
        )
    )
    return _svg("histogram", title, description, height, body, ident)


def rate_chart(rows: Sequence[SummaryRow], title: str, *, ident: str = "") -> str:
    """合格率 and 优秀率 of each group, as two horizontal bars per group."""
    left, right, top = 190, WIDTH - 78, 70
    bar_h, gap = 14, 16
    group_h = 2 * bar_h + 4 + gap
    height = top + max(len(rows), 1) * group_h + 30
    bottom = top + len(rows) * group_h
    scale = right - left
    body = []
    for i, (key, name) in enumerate((("pass", "合格率"), ("excellent", "优秀率"))):
        x = left + i * 90
        body.append(_rect(x, 34, 12, 12, RATE_FILL[key]))
        body.append(_text(x + 16, 45, name, 12))
    for tick in range(0, 101, 20):
        x = left + scale * tick / 100
        body.append(_line(x, top - 8, x, bottom, GRID if tick else MUTED))
        body.append(_text(x, top - 12, f"{tick}%", 11, text_anchor="middle", fill=MUTED))
    for i, row in enumerate(rows):
        y = top + i * group_h + gap / 2
        body.append(
            _text(left - 10, y + bar_h, _fit(row.name, left - 22, 12), 12, text_anchor="end")
        )
        body.append(
            _text(
                left - 10, y + 2 * bar_h + 2, f"{row.count} 人", 11, text_anchor="end", fill=MUTED
            )
        )
        for j, (key, name, count, rate) in enumerate(
            (
                ("pass", "合格率", row.passed, row.pass_rate),
                ("excellent", "优秀率", row.excellent, row.excellence_rate),
            )
        ):
            by = y + j * (bar_h + 4)
            label = f"{row.name} {name} {percent(rate)}（{count}/{row.count} 人）"
            data = {
                "class": f"bar rate-{key}",
                "data-label": row.name,
                "data-series": name,
                "data-count": count,
                "data-total": row.count,
                "data-percent": percent(rate),
            }
            body.append(
                f"<g{_attrs(data)}><title>{_esc(label)}</title>"
                + _rect(left, by, scale * rate, bar_h, RATE_FILL[key])
                + _text(left + scale * rate + 4, by + bar_h - 3, percent(rate), 11)
                + "</g>"
            )
    if not rows:
        body.append(_text(WIDTH / 2, top + 30, "没有分组", 13, text_anchor="middle", fill=MUTED))
    parts = [
        f"{r.name}（{r.count} 人）合格率 {percent(r.pass_rate)}（{r.passed} 人），"
        f"优秀率 {percent(r.excellence_rate)}（{r.excellent} 人）"
        for r in rows
    ]
    description = f"{title}：" + ("；".join(parts) if parts else "没有分组") + "。"
    return _svg("rates", title, description, height, body, ident)


def share_chart(
    rows: Sequence[Share], title: str, *, ident: str = "", label_width: int = 110, empty: str = ""
) -> str:
    """Horizontal bars of shares (count of total) in the order given, each with % and n/N."""
    for row in rows:
        bad = [k for k in row.data if not _DATA_NAME.fullmatch(k)]
        if bad:
            raise ValueError(f"not a data attribute name: {bad[0]!r}")
    left, right = label_width, WIDTH - 120
    top, bar_h, gap = 58, 16, 10
    height = top + max(len(rows), 1) * (bar_h + gap) + 24
    bottom = top + max(len(rows), 1) * (bar_h + gap)
    scale = right - left
    body = []
    for tick in range(0, 101, 25):
        x = left + scale * tick / 100
        body.append(_line(x, top - 8, x, bottom, GRID if tick else MUTED))
        body.append(_text(x, top - 12, f"{tick}%", 11, text_anchor="middle", fill=MUTED))
    for i, row in enumerate(rows):
        y = top + i * (bar_h + gap) + gap / 2
        numbers = f"{percent(row.rate)}（{row.count}/{row.total}）"
        data = {
            "class": "bar share",
            "data-label": row.label,
            "data-count": row.count,
            "data-total": row.total,
            **{f"data-{k}": v for k, v in row.data.items()},
        }
        body.append(
            f"<g{_attrs(data)}><title>{_esc(f'{row.label}：{numbers}')}</title>"
            + _text(left - 8, y + bar_h - 3, _fit(row.label, left - 16, 12), 12, text_anchor="end")
            + _rect(left, y, scale, bar_h, TRACK)
            + _rect(left, y, scale * row.rate, bar_h, SHARE_FILL)
            + _text(right + 6, y + bar_h - 3, numbers, 11)
            + "</g>"
        )
    if not rows:
        body.append(
            _text(WIDTH / 2, top + 20, empty or "没有数据", 13, text_anchor="middle", fill=MUTED)
        )
    parts = [f"{r.label} {percent(r.rate)}（{r.count}/{r.total}）" for r in rows]
    description = f"{title}：" + ("；".join(parts) if parts else (empty or "没有数据")) + "。"
    return _svg("shares", title, description, height, body, ident)


def attempt_chart(
    attempts: Sequence[Attempt], title: str, *, ident: str = "", empty: str = ""
) -> str:
    """A candidate's attempts in order: a row each, a square per step (filled: shown)."""
    # The steps in their own order (the first attempt's kind first, then any other kind's).
    columns = list(dict.fromkeys(m for a in attempts for m in a.moves))
    cell, gap = 22, 6
    left = WIDTH - 90 - len(columns) * (cell + gap)
    left = max(left, 140)
    top, row_h = 66, cell + 10
    height = top + max(len(attempts), 1) * row_h + 20
    body = []
    for j, move in enumerate(columns):
        x = left + j * (cell + gap) + cell / 2
        body.append(_text(x, top - 10, MOVE_TITLES.get(move, move), 11, text_anchor="middle"))
    body.append(_text(WIDTH - 12, top - 10, "做到", 11, text_anchor="end", fill=MUTED))
    for i, attempt in enumerate(attempts):
        y = top + i * row_h
        shown, missed = attempt.shown, attempt.missed
        numbers = f"{len(shown)}/{len(attempt.moves)}"
        said = "、".join(MOVE_TITLES.get(m, m) for m in missed)
        label = f"{attempt.label}：做到 {numbers} 步" + (f"，缺{said}" if missed else "，全部做到")
        data = {
            "class": "attempt",
            "data-label": attempt.label,
            "data-count": len(shown),
            "data-total": len(attempt.moves),
        }
        squares = []
        for j, move in enumerate(columns):
            if move not in attempt.moves:
                continue  # not a step of this chat's kind
            x, done = left + j * (cell + gap), move in attempt.covered
            name = MOVE_TITLES.get(move, move)
            squares.append(
                f'<g class="step {"shown" if done else "missed"}" data-move="{_esc(move)}"'
                f' data-shown="{int(done)}"><title>{_esc(name + ("：做到" if done else "：缺"))}'
                f'</title><rect x="{_num(x)}" y="{_num(y)}" width="{cell}" height="{cell}"'
                f' rx="3" fill="{SHARE_FILL if done else "#ffffff"}"'
                f' stroke="{SHARE_FILL if done else MUTED}" stroke-width="1.5"/></g>'
            )
        body.append(
            f"<g{_attrs(data)}><title>{_esc(label)}</title>"
            + _text(
                left - 10, y + cell - 6, _fit(attempt.label, left - 22, 12), 12, text_anchor="end"
            )
            + "".join(squares)
            + _text(WIDTH - 12, y + cell - 6, numbers, 12, text_anchor="end")
            + "</g>"
        )
    if not attempts:
        body.append(
            _text(WIDTH / 2, top + 20, empty or "没有练习", 13, text_anchor="middle", fill=MUTED)
        )
    parts = []
    for a in attempts:
        missed = "、".join(MOVE_TITLES.get(m, m) for m in a.missed)
        parts.append(
            f"{a.label} 做到 {len(a.shown)}/{len(a.moves)} 步" + (f"，缺{missed}" if missed else "")
        )
    description = f"{title}：" + ("；".join(parts) if parts else (empty or "没有练习")) + "。"
    return _svg("attempts", title, description, height, body, ident)
