"""``kefu train`` for real: scikit-learn fits a model on labelled chats, the JSON file names
its data, and the pure-Python reader applies exactly the weights the library learned."""

import json
import shutil
from pathlib import Path

import pytest

from bot.core.learned import LearnedModel, features
from bot.nlp.lexicon_loader import default_detector
from bot.services import training

pytest.importorskip("sklearn")
DEV = Path(__file__).parents[2] / "transcripts" / "dev"
EMPTY_MODEL = {"format": 1, "ngram_sizes": list(training.SIZES), "context_sizes": [], "moves": {}}


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    folder = tmp_path_factory.mktemp("labelled")
    for path in sorted(DEV.glob("*.json"))[:20]:
        shutil.copy(path, folder)
    content, lines = training.train([folder], default_detector().cues_only())
    return folder, content, lines


def test_the_model_file_names_its_data(trained):
    folder, content, _ = trained
    assert content["data"]["files"] == 20 and len(content["data"]["sha256"]) == 64
    assert content["data"]["folders"] == [folder.as_posix()]
    again, _ = training.collect([folder], default_detector().cues_only())
    assert content["data"]["messages"] == len(again)


def test_every_move_with_enough_labels_is_reported_with_its_cross_validated_f1(trained):
    _, content, lines = trained
    assert any(line.startswith("explain") and "交叉验证" in line for line in lines)
    for move in content["moves"].values():
        assert move["use"] in {"fill", "add"} and move["cv_f1"] >= move["cues_cv_f1"]


def test_the_pure_reader_reproduces_the_librarys_decision(trained, tmp_path):
    from sklearn.linear_model import LogisticRegression

    folder, _, _ = trained
    examples, _ = training.collect([folder], default_detector().cues_only())
    vec, x = training._vectorise(examples)
    y = [("explain" in e.labels) for e in examples]
    fitted = LogisticRegression(max_iter=2000).fit(x, y)
    weights = dict(zip(vec.get_feature_names_out(), fitted.coef_[0].tolist(), strict=True))
    model = LearnedModel.from_json(
        {
            "format": 1,
            "ngram_sizes": list(training.SIZES),
            "context_sizes": list(training.CONTEXT_SIZES),
            "moves": {
                "explain": {
                    "bias": float(fitted.intercept_[0]),
                    "threshold": 0.5,
                    "weights": weights,
                }
            },
        }
    )
    for e, p in zip(examples[:30], fitted.predict_proba(x[:30])[:, 1], strict=False):
        assert model.scores(e.text, e.context)["explain"][0] == pytest.approx(p, abs=1e-6)
        assert features(e.text, e.context, training.SIZES, training.CONTEXT_SIZES)


def test_the_written_file_loads(trained, tmp_path):
    from bot.nlp.lexicon_loader import load_learned

    _, content, _ = trained
    path = tmp_path / "learned.json"
    training.write_model(content, path)
    assert load_learned(path).data["sha256"] == content["data"]["sha256"]
    path.write_text("{", encoding="utf-8")
    from bot.core.errors import LexiconError

    with pytest.raises(LexiconError, match="kefu train"):
        load_learned(path)
    assert json.loads(json.dumps(content))  # plain JSON, nothing numpy left in it


def test_the_violation_model_is_kept_only_where_it_balances_precision_and_recall_better(trained):
    _, content, lines = trained
    [line] = [line for line in lines if line.startswith("禁用语")]
    violation = content.get("violation")
    if violation is None:
        assert "不用" in line or "太少" in line
        return
    assert violation["threshold"] in training.VIOLATION_THRESHOLDS
    found = min(violation["cv_precision"], violation["cv_recall"])
    assert found > min(violation["cues_cv_precision"], violation["cues_cv_recall"])
    assert not any(g.startswith("c:") for g in violation["weights"])  # the agent's words only


def test_the_violation_model_learns_from_the_messages_the_humans_marked(tmp_path):
    # Rude replies the cues miss, marked by hand: the model learns their words, and reads
    # them where the cues found nothing.
    chats = []
    for n in range(12):
        rude = n % 2 == 0
        said = f"{'你眼神不好使吗' if rude else '亲这款很好看'}，第{n}号"
        chats.append(
            {
                "kind": "presale",
                "messages": [
                    {"role": "customer", "text": "这个怎么样"},
                    {
                        "role": "agent",
                        "text": said,
                        "labels": {"moves": [], "violations": ["你眼神不好使吗"] if rude else []},
                    },
                ],
                "labels": {"resolved": False, "band": "fail"},
            }
        )
    for n, chat in enumerate(chats):
        (tmp_path / f"chat-{n:02d}.json").write_text(json.dumps(chat, ensure_ascii=False))
    examples, _ = training.collect([tmp_path], default_detector().cues_only())
    assert [e.violated for e in examples] == [n % 2 == 0 for n in range(12)]
    assert not any(e.cue_violated for e in examples)
    model, line = training._train_violation(examples, [(list(range(6, 12)), list(range(6)))], 1.0)
    assert model is not None, line
    assert model["weights"]["眼神"] > 0 > model["weights"].get("好看", -1)
    reader = LearnedModel.from_json({**EMPTY_MODEL, "violation": model})
    assert reader.violation("你眼神不好使吗") is not None
    assert reader.violation("亲这款很好看") is None
