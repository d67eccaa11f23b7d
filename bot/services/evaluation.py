"""Measure the analyser against transcripts labelled by a careful human (``kefu eval DIR``).

Labelled files are ordinary transcripts with extra keys that other tools ignore: each agent
message has ``labels: {moves, violations}`` and the transcript has ``labels: {resolved, band}``
and, in newer files, ``score`` (the human grader's 0-100 holistic score). This module reads them
and computes per-move precision/recall/F1, macro- and micro-F1, the confusion between moves,
violation precision and recall, resolution accuracy, band agreement with the band confusion
matrix, and the rank correlation of totals with the human score (the band where no score is
given); the same figures per kind of chat.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.core.errors import KefuError, TranscriptError
from bot.core.learned import why
from bot.core.moves import ALL_MOVES
from bot.core.scoring import ScoreSheet
from bot.core.transcript import transcript_from_dict

BAND_RANK = {"fail": 0, "pass": 1, "excellent": 2}
BANDS = ("excellent", "pass", "fail")
# Where a file has no human score, its band stands for one at the middle of the band's range,
# so that files with and without scores rank together.
BAND_SCORE = {"fail": 40.0, "pass": 72.0, "excellent": 92.0}
# A labelled violation that mentions these words is a 好评返现 (cash or gifts for reviews); its
# recall is reported on its own, since it is the red line graders check first.
REVIEW_CASH_WORDS = ("好评", "返现", "差评", "五星", "晒图", "追评", "评价")


@dataclass
class Labelled:
    """One labelled transcript: the file, the human's labels, and kefu's score sheet."""

    path: Path
    data: dict[str, Any]
    sheet: ScoreSheet


@dataclass
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass
class Report:
    """Agreement figures, and the disagreements a developer should read."""

    moves: dict[str, Counts] = field(default_factory=dict)
    violations: Counts = field(default_factory=Counts)
    review_cash: Counts = field(default_factory=Counts)  # only tp and fn: a recall
    resolved_right: int = 0
    band_right: int = 0
    files: int = 0
    spearman: float = 0.0
    spearman_human: float = 0.0
    scored_files: int = 0  # files with a human score (the rest rank by band)
    mistakes: list[str] = field(default_factory=list)
    confusion: Counter = field(default_factory=Counter)  # (labelled move, found instead) pairs
    bands: Counter = field(default_factory=Counter)  # (human band, kefu band)
    kinds: dict[str, Report] = field(default_factory=dict)

    @property
    def macro_f1(self) -> float:
        used = [c for c in self.moves.values() if c.tp + c.fn]
        return sum(c.f1 for c in used) / len(used) if used else 0.0

    @property
    def micro(self) -> Counts:
        return Counts(
            sum(c.tp for c in self.moves.values()),
            sum(c.fp for c in self.moves.values()),
            sum(c.fn for c in self.moves.values()),
        )

    def to_json(self) -> dict[str, Any]:
        data = self._figures()
        data["move_confusion"] = [
            {"labelled": a, "found": b, "count": n} for (a, b), n in self.confusion.most_common()
        ]
        data["band_confusion"] = {h: {k: self.bands[(h, k)] for k in BANDS} for h in BANDS}
        data["kinds"] = {k: r._figures() for k, r in self.kinds.items()}
        return data

    def _figures(self) -> dict[str, Any]:
        return {
            "files": self.files,
            "moves": {
                m: {
                    "precision": c.precision,
                    "recall": c.recall,
                    "f1": c.f1,
                    "support": c.tp + c.fn,
                }
                for m, c in self.moves.items()
            },
            "macro_f1": self.macro_f1,
            "violations": {
                "precision": self.violations.precision,
                "recall": self.violations.recall,
                "review_cash_recall": self.review_cash.recall,
                "review_cash_support": self.review_cash.tp + self.review_cash.fn,
            },
            "resolution_accuracy": self.resolved_right / self.files if self.files else 0.0,
            "band_agreement": self.band_right / self.files if self.files else 0.0,
            "spearman_total_vs_band": self.spearman,
            "micro_f1": self.micro.f1,
            "spearman_total_vs_human": self.spearman_human,
            "human_scored_files": self.scored_files,
        }


def read_labelled(path: Path) -> tuple[dict[str, Any], Any]:
    """Read a labelled transcript file; raise ``TranscriptError`` when it has no labels."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise TranscriptError(f"{path}: 无法读取标注文件：{exc}") from None
    transcript = transcript_from_dict(data, str(path))
    if not isinstance(data.get("labels"), dict) or "band" not in data["labels"]:
        raise TranscriptError(f"{path}: 缺少整体标注 labels: {{resolved, band}}")
    return data, transcript


def read_labelled_folders(folders: Iterable[Path]) -> Iterator[tuple[Path, dict[str, Any], Any]]:
    """Every labelled transcript of the folders, in name order, with its raw data; an empty
    folder is an error (a mistyped path must not measure nothing)."""
    for folder in folders:
        paths = sorted(folder.glob("*.json"))
        if not paths:
            raise KefuError(f"{folder}: 没有 .json 标注文件")
        for path in paths:
            data, transcript = read_labelled(path)
            yield path, data, transcript


def _ranks(values: list[float]) -> list[float]:
    order = sorted(range(len(values)), key=values.__getitem__)
    ranks = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for k in range(i, j + 1):
            ranks[order[k]] = (i + j) / 2
        i = j + 1
    return ranks


def spearman(xs: list[float], ys: list[float]) -> float:
    """Spearman's rank correlation, with ties given their average rank."""
    rx, ry = _ranks(xs), _ranks(ys)
    n = len(xs)
    if n < 2:
        return 0.0
    mx, my = sum(rx) / n, sum(ry) / n
    cov = sum((a - mx) * (b - my) for a, b in zip(rx, ry, strict=True))
    vx = sum((a - mx) ** 2 for a in rx) ** 0.5
    vy = sum((b - my) ** 2 for b in ry) ** 0.5
    return cov / (vx * vy) if vx and vy else 0.0


def _overlaps(text: str, phrase: str, start: int, end: int) -> bool:
    at = text.find(phrase)
    return at >= 0 and at < end and start < at + len(phrase)


def human_score(label: dict[str, Any]) -> float | None:
    """The human's holistic score, or the band's middle where none is given."""
    score = label.get("score")
    if isinstance(score, (int, float)) and not isinstance(score, bool):
        return float(score)
    return BAND_SCORE.get(label.get("band"))


def evaluate(items: list[Labelled], by_kind: bool = True) -> Report:
    """Compare kefu's findings with the human labels (and, ``by_kind``, per kind of chat)."""
    report = Report(moves={m: Counts() for m in ALL_MOVES})
    totals, bands, humans = [], [], []
    for item in items:
        report.files += 1
        found = {m.index: m for m in item.sheet.messages}
        for index, raw in enumerate(item.data["messages"]):
            if raw.get("role") != "agent":
                continue
            labels = raw.get("labels") or {}
            want = set(labels.get("moves", []))
            got = set(found[index].moves) if index in found else set()
            for move in want | got:
                c = report.moves.setdefault(move, Counts())
                if move in want and move in got:
                    c.tp += 1
                elif move in got:
                    c.fp += 1
                else:
                    c.fn += 1
            for missed in want - got:
                for extra in got - want:
                    report.confusion[(missed, extra)] += 1
                if not got - want:
                    report.confusion[(missed, "-")] += 1
            for extra in got - want:
                if not want - got:
                    report.confusion[("-", extra)] += 1
            if want != got:
                report.mistakes.append(
                    f"{item.path.name}#{index} 动作 多:{sorted(got - want)} 少:{sorted(want - got)}  {raw['text']}"
                )
            text = raw["text"]
            hits = (*found[index].violations, *found[index].red_lines) if index in found else ()
            wanted = list(labels.get("violations", []))
            matched = set()
            for hit in hits:
                # Every labelled span the hit covers is found: a grader who underlined one
                # violation in two pieces (您给个五星好评… / 评完截图私发我) sees it found.
                ks = [
                    k
                    for k, w in enumerate(wanted)
                    if k not in matched and _overlaps(text, w, hit.start, hit.end)
                ]
                if not ks and any(_overlaps(text, wanted[j], hit.start, hit.end) for j in matched):
                    # A second cue inside one labelled span (详情页都写了，你自己看) is the same
                    # violation, found once already: neither right nor wrong again.
                    continue
                if not ks:
                    report.violations.fp += 1
                    report.mistakes.append(
                        f"{item.path.name}#{index} 误报禁用语“{hit.words}”{why(hit)}  {text}"
                    )
                else:
                    matched.update(ks)
                    report.violations.tp += len(ks)
            for k, w in enumerate(wanted):
                if any(word in w for word in REVIEW_CASH_WORDS):
                    if k in matched:
                        report.review_cash.tp += 1
                    else:
                        report.review_cash.fn += 1
                if k not in matched:
                    report.violations.fn += 1
                    report.mistakes.append(f"{item.path.name}#{index} 漏报禁用语“{w}”  {text}")
        label = item.data["labels"]
        if bool(label.get("resolved")) == item.sheet.resolved:
            report.resolved_right += 1
        else:
            report.mistakes.append(
                f"{item.path.name} 解决判断：人工 {label.get('resolved')}，kefu {item.sheet.resolved}"
                f"（{item.sheet.analysis.resolution.reason}）"
            )
        report.bands[(label.get("band"), item.sheet.band)] += 1
        if label.get("band") == item.sheet.band:
            report.band_right += 1
        else:
            report.mistakes.append(band_mistake(item))
        totals.append(item.sheet.total)
        bands.append(BAND_RANK.get(label.get("band"), 0))
        humans.append(human_score(label) or 0.0)
        report.scored_files += "score" in label
    report.moves = {m: c for m, c in report.moves.items() if c.tp + c.fp + c.fn}
    report.spearman = spearman(totals, bands)
    report.spearman_human = spearman(totals, humans)
    if by_kind:
        kinds = sorted({i.sheet.kind for i in items})
        report.kinds = {
            k: evaluate([i for i in items if i.sheet.kind == k], by_kind=False) for k in kinds
        }
    return report


def band_mistake(item: Labelled) -> str:
    """A band error with what caused it: each row's points and comment, and any cap."""
    label, sheet = item.data["labels"], item.sheet
    human = f"人工 {label.get('band')}" + (f" {label['score']}" if "score" in label else "")
    lines = [f"{item.path.name} 等级：{human}，kefu {sheet.band}（{sheet.total:g} 分）"]
    for row in sheet.items:
        lines.append(f"    {row.id:<28} {row.points:>5g}/{row.max:<4g} {row.comment}")
    lines.extend(f"    {line}" for line in sheet.adjustments())
    return "\n".join(lines)


def format_report(report: Report) -> str:
    """A plain-text table of the figures, then the per-kind figures and the confusions."""
    lines = [_figures_text(report)]
    micro = report.micro
    lines.append(f"micro-F1                 {micro.f1:.3f}")
    cash = report.review_cash
    lines.append(f"好评返现 recall           {cash.recall:.3f}  (support {cash.tp + cash.fn})")
    lines.append(
        f"Spearman (total vs human score; band where no score) {report.spearman_human:.3f}"
        f"  ({report.scored_files} files with a score)"
    )
    lines.append("\n按对话类型 (per kind):")
    lines.append(
        f"{'kind':<10} {'files':>5} {'macroF1':>7} {'microF1':>7} {'band':>6} {'resol':>6} {'rho':>6}"
    )
    for kind, r in report.kinds.items():
        data = r.to_json()
        lines.append(
            f"{kind:<10} {r.files:5d} {r.macro_f1:7.3f} {r.micro.f1:7.3f} "
            f"{data['band_agreement']:6.3f} {data['resolution_accuracy']:6.3f} {r.spearman_human:6.3f}"
        )
    lines.append("\n等级混淆矩阵 (rows human, columns kefu):")
    lines.append(f"{'':<10}" + "".join(f"{b:>10}" for b in BANDS))
    for h in BANDS:
        lines.append(f"{h:<10}" + "".join(f"{report.bands[(h, k)]:>10}" for k in BANDS))
    if report.confusion:
        lines.append("\n动作混淆 (labelled -> found instead; - = none):")
        for (a, b), n in report.confusion.most_common(15):
            lines.append(f"  {a:<10} -> {b:<10} {n}")
    return "\n".join(lines)


def _figures_text(report: Report) -> str:
    """The per-move table and the headline figures."""
    lines = [f"{'动作':<10} {'precision':>9} {'recall':>7} {'F1':>6} {'support':>7}"]
    for move, c in report.moves.items():
        lines.append(f"{move:<10} {c.precision:9.3f} {c.recall:7.3f} {c.f1:6.3f} {c.tp + c.fn:7d}")
    data = report.to_json()
    lines += [
        f"macro-F1                 {data['macro_f1']:.3f}",
        f"violations precision     {report.violations.precision:.3f}  recall {report.violations.recall:.3f}"
        f"  (tp {report.violations.tp}, fp {report.violations.fp}, fn {report.violations.fn})",
        f"resolution accuracy      {data['resolution_accuracy']:.3f}",
        f"band agreement           {data['band_agreement']:.3f}",
        f"rank correlation (total vs band, Spearman) {data['spearman_total_vs_band']:.3f}",
        f"files                    {report.files}",
    ]
    return "\n".join(lines)


def band_counts(items: list[Labelled]) -> Counter:
    return Counter((i.data["labels"].get("band"), i.sheet.band) for i in items)
