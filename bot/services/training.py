"""Train the learned reader (``kefu train``): a linear model per move over character n-grams.

Needs the optional extra ``kefu[train]`` (scikit-learn); scoring never does, since the model is
written as plain JSON weights (``bot.core.learned`` applies them). For each move, training also
decides by cross-validation how the model is used beside the cues: ``fill`` (only messages the
cues found nothing in), ``add`` (beside the cues' findings) or ``off`` (the cues do better alone),
and at which probability threshold. It also trains one more model, for 服务禁用语: whether a
message breaks a rule the cues did not find, read only where they found none, at the threshold
where cross-validated precision and recall are both highest (the break-even point: a false
accusation weighs as much as a missed one). The file records the labelled data it was trained on (the
folders, the number of files and messages, and a SHA-256 of their contents), so a model is
always traceable to its data.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.core.errors import KefuError
from bot.core.learned import FORMAT, features
from bot.core.moves import ALL_MOVES, moves_for
from bot.services.evaluation import read_labelled_folders

SIZES = (1, 2, 3)
CONTEXT_SIZES = (2,)
THRESHOLDS = (0.3, 0.4, 0.5, 0.6, 0.7)
# A false 禁用语 costs a candidate points: the violation model is tried only at high thresholds.
VIOLATION_THRESHOLDS = (0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95)
MIN_SUPPORT = 5  # a move labelled fewer times than this is left to the cues
KEEP_WEIGHT = 0.08  # smaller weights are dropped from the file: they barely move a decision
FOLDS = 5


@dataclass
class Example:
    """One labelled agent message, with what the cues alone found in it."""

    text: str
    context: str | None
    kind: str
    labels: set[str]
    cues: set[str]
    group: int  # the transcript it comes from: folds never split a chat
    violated: bool = False  # the human marked a violation in it
    cue_violated: bool = False  # the cues found one in it


def collect(folders: list[Path], detector) -> tuple[list[Example], dict[str, Any]]:
    """Read every labelled agent message of the folders; the detector must read cues only."""
    examples: list[Example] = []
    digest = hashlib.sha256()
    files = 0
    for path, data, transcript in read_labelled_folders(folders):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
        files += 1
        context = None
        allowed = set(moves_for(transcript.kind))
        for raw, msg in zip(data["messages"], transcript.messages, strict=True):
            if msg.role == "customer":
                context = msg.text
                continue
            read = detector.analyze(msg.text)
            labelled = raw.get("labels") or {}
            labels = set(labelled.get("moves", [])) & allowed
            examples.append(
                Example(
                    msg.text,
                    context,
                    transcript.kind,
                    labels,
                    set(read.moves) & allowed,
                    files,
                    violated=bool(labelled.get("violations")),
                    cue_violated=bool(read.violations),
                )
            )
    if not examples:
        raise KefuError("标注文件里没有客服消息")
    meta = {
        "folders": [f.as_posix() for f in folders],
        "files": files,
        "messages": len(examples),
        "sha256": digest.hexdigest(),
    }
    return examples, meta


def _vectorise(examples: list[Example], context: bool = True):
    """The examples' n-gram features; ``context`` adds the answered customer message's."""
    from sklearn.feature_extraction.text import CountVectorizer

    vec = CountVectorizer(
        analyzer=lambda e: sorted(
            features(e.text, e.context if context else None, SIZES, CONTEXT_SIZES)
        ),
        binary=True,
        min_df=2,
    )
    return vec, vec.fit_transform(examples)


def _fit(x, y, c: float):
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=c, class_weight="balanced", max_iter=2000).fit(x, y)


def _combined(use: str, threshold: float, prob: float, move: str, ex: Example) -> bool:
    if move in ex.cues:
        return True
    if use == "off" or prob < threshold:
        return False
    return use == "add" or not ex.cues


def _f1(tp: int, fp: int, fn: int) -> float:
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def train(folders: list[Path], detector, c: float = 1.0) -> tuple[dict[str, Any], list[str]]:
    """Train on the folders; return the model file's content and a report, one line a move."""
    import numpy as np
    from sklearn.model_selection import GroupKFold

    examples, meta = collect(folders, detector)
    groups = np.array([e.group for e in examples])
    folds = list(
        GroupKFold(n_splits=min(FOLDS, len(set(groups.tolist())))).split(examples, groups=groups)
    )
    out_moves: dict[str, Any] = {}
    report = []
    for move in ALL_MOVES:
        pool = [i for i, e in enumerate(examples) if move in moves_for(e.kind)]
        y_all = np.array([move in e.labels for e in examples])
        support = int(y_all[pool].sum())
        if support < MIN_SUPPORT:
            report.append(f"{move:<10} 标注 {support} 条，太少，只用提示词")
            continue
        probs = _out_of_fold(examples, pool, y_all, folds, c)
        best = ("off", 1.0, -1.0)
        for use in ("off", "fill", "add"):
            for threshold in THRESHOLDS if use != "off" else (1.0,):
                tp = fp = fn = 0
                for i in pool:
                    got = _combined(use, threshold, probs[i], move, examples[i])
                    tp += got and y_all[i]
                    fp += got and not y_all[i]
                    fn += not got and y_all[i]
                f1 = _f1(tp, fp, fn)
                if f1 > best[2] + 1e-9:
                    best = (use, threshold, f1)
        cues_f1 = _f1(
            sum(1 for i in pool if move in examples[i].cues and y_all[i]),
            sum(1 for i in pool if move in examples[i].cues and not y_all[i]),
            sum(1 for i in pool if move not in examples[i].cues and y_all[i]),
        )
        use, threshold, f1 = best
        report.append(
            f"{move:<10} 标注 {support:3d}  交叉验证 F1：只用提示词 {cues_f1:.3f}，"
            f"加学习模型（{use}，阈值 {threshold:g}）{f1:.3f}"
        )
        if use == "off":
            continue
        bias, weights = _final([examples[i] for i in pool], y_all[pool], c)
        out_moves[move] = {
            "bias": bias,
            "threshold": threshold,
            "use": use,
            "cv_f1": round(f1, 4),
            "cues_cv_f1": round(cues_f1, 4),
            "weights": weights,
        }
    violation, line = _train_violation(examples, folds, c)
    report.append(line)
    content = {
        "format": FORMAT,
        "about": "kefu 学习模型：字符 n-gram 线性模型，由 kefu train 生成，请勿手改。",
        "ngram_sizes": list(SIZES),
        "context_sizes": list(CONTEXT_SIZES),
        "data": meta,
        "moves": out_moves,
    }
    if violation is not None:
        content["violation"] = violation
    return content, report


def _out_of_fold(
    examples: list[Example], pool: list[int], y_all, folds, c: float, context: bool = True
):
    """Out-of-fold probabilities: every message is scored by a model that never saw its chat."""
    import numpy as np

    probs = np.zeros(len(examples))
    in_pool = set(pool)
    for train_idx, test_idx in folds:
        tr = [i for i in train_idx if i in in_pool]
        if len({bool(y_all[i]) for i in tr}) < 2:
            continue
        vec, x = _vectorise([examples[i] for i in tr], context)
        model = _fit(x, y_all[tr], c)
        test = [examples[i] for i in test_idx]
        probs[test_idx] = model.predict_proba(vec.transform(test))[:, 1]
    return probs


def _final(examples: list[Example], y, c: float, context: bool = True):
    """The model fitted on all ``examples``: its bias and the weights worth keeping, by n-gram."""
    vec, x = _vectorise(examples, context)
    model = _fit(x, y, c)
    names = vec.get_feature_names_out()
    weights = {
        str(g): round(float(w), 3)
        for g, w in zip(names, model.coef_[0], strict=True)
        if abs(w) >= KEEP_WEIGHT
    }
    return round(float(model.intercept_[0]), 4), dict(sorted(weights.items()))


def _train_violation(examples: list[Example], folds, c: float) -> tuple[dict | None, str]:
    """The 禁用语 model: read on messages where the cues found no violation, over the message's
    own n-grams (the customer's words say nothing about the agent's), at the threshold where the
    smaller of cross-validated precision and recall is largest; None when the cues do as well."""
    import numpy as np

    y_all = np.array([e.violated for e in examples])
    support = int(y_all.sum())
    if support < MIN_SUPPORT:
        return None, f"禁用语      标注 {support} 条，太少，只用提示词"
    probs = _out_of_fold(examples, list(range(len(examples))), y_all, folds, c, context=False)

    def balance(threshold: float) -> tuple[float, float, float]:
        found = [e.cue_violated or p >= threshold for e, p in zip(examples, probs, strict=True)]
        tp = sum(1 for f, y in zip(found, y_all, strict=True) if f and y)
        precision = tp / max(1, sum(found))
        recall = tp / support
        return min(precision, recall), precision, recall

    cues = balance(2.0)  # no probability reaches it: the cues alone
    threshold = max(VIOLATION_THRESHOLDS, key=lambda t: (balance(t)[0], t))
    best = balance(threshold)
    line = (
        f"禁用语      标注 {support:3d}  交叉验证 精确率/召回率：只用提示词 {cues[1]:.3f}/{cues[2]:.3f}，"
        f"加学习模型（阈值 {threshold:g}）{best[1]:.3f}/{best[2]:.3f}"
    )
    if best[0] <= cues[0]:
        return None, line + "，不用"
    bias, weights = _final(examples, y_all, c, context=False)
    model = {
        "bias": bias,
        "threshold": threshold,
        "use": "fill",
        "cv_precision": round(best[1], 4),
        "cv_recall": round(best[2], 4),
        "cues_cv_precision": round(cues[1], 4),
        "cues_cv_recall": round(cues[2], 4),
        "weights": weights,
    }
    return model, line


def write_model(content: dict[str, Any], path: Path) -> None:
    path.write_text(json.dumps(content, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
