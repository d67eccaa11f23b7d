"""Measure the analyser against transcripts labelled by a careful human (``kefu eval DIR``).

Labelled files are ordinary transcripts with extra keys that other tools ignore: each agent
message has ``labels: {moves, violations}`` and the transcript has ``labels: {resolved, band}``.
This module reads them and computes per-move precision/recall/F1, macro-F1, violation precision
and recall, resolution accuracy, band agreement and the rank correlation of totals with the
human bands.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.core.errors import TranscriptError
from bot.core.moves import ALL_MOVES
from bot.core.scoring import ScoreSheet
from bot.core.transcript import transcript_from_dict

BAND_RANK = {"fail": 0, "pass": 1, "excellent": 2}


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
    resolved_right: int = 0
    band_right: int = 0
    files: int = 0
    spearman: float = 0.0
    mistakes: list[str] = field(default_factory=list)

    @property
    def macro_f1(self) -> float:
        used = [c for c in self.moves.values() if c.tp + c.fn]
        return sum(c.f1 for c in used) / len(used) if used else 0.0

    def to_json(self) -> dict[str, Any]:
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
            },
            "resolution_accuracy": self.resolved_right / self.files if self.files else 0.0,
            "band_agreement": self.band_right / self.files if self.files else 0.0,
            "spearman_total_vs_band": self.spearman,
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


def evaluate(items: list[Labelled]) -> Report:
    """Compare kefu's findings with the human labels."""
    report = Report(moves={m: Counts() for m in ALL_MOVES})
    totals, bands = [], []
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
            if want != got:
                report.mistakes.append(
                    f"{item.path.name}#{index} 动作 多:{sorted(got - want)} 少:{sorted(want - got)}  {raw['text']}"
                )
            text = raw["text"]
            hits = (*found[index].violations, *found[index].red_lines) if index in found else ()
            wanted = list(labels.get("violations", []))
            matched = set()
            for hit in hits:
                k = next(
                    (
                        k
                        for k, w in enumerate(wanted)
                        if k not in matched and _overlaps(text, w, hit.start, hit.end)
                    ),
                    None,
                )
                if k is None:
                    report.violations.fp += 1
                    report.mistakes.append(
                        f"{item.path.name}#{index} 误报禁用语“{hit.words}”  {text}"
                    )
                else:
                    matched.add(k)
                    report.violations.tp += 1
            for k, w in enumerate(wanted):
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
        if label.get("band") == item.sheet.band:
            report.band_right += 1
        else:
            report.mistakes.append(
                f"{item.path.name} 等级：人工 {label.get('band')}，kefu {item.sheet.band}（{item.sheet.total:g} 分）"
            )
        totals.append(item.sheet.total)
        bands.append(BAND_RANK.get(label.get("band"), 0))
    report.moves = {m: c for m, c in report.moves.items() if c.tp + c.fp + c.fn}
    report.spearman = spearman(totals, bands)
    return report


def format_report(report: Report) -> str:
    """A plain-text table of the figures."""
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
