"""Parsed lexicons kept in the cache folder, read afresh when a trainer edits a file."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.nlp.lexicon_loader import load_lexicon, load_signal_lexicon
from bot.services.paths import rubric_dir


@pytest.fixture
def folder(tmp_path: Path, monkeypatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    copy = tmp_path / "lexicon"
    shutil.copytree(rubric_dir() / "lexicon", copy)
    return copy


def cached(tmp_path: Path, kind: str) -> list[Path]:
    return sorted((tmp_path / "cache" / "kefu").glob(f"lexicon-{kind}-*.pickle"))


def test_the_second_read_comes_from_the_cache_and_equals_the_first(folder, tmp_path):
    first = load_lexicon(folder)
    assert len(cached(tmp_path, "cues")) == 1
    assert load_lexicon(folder) == first
    signals = load_signal_lexicon(folder / "customer.yaml")
    assert load_signal_lexicon(folder / "customer.yaml") == signals
    assert len(cached(tmp_path, "signals")) == 1


def test_an_edited_lexicon_is_read_afresh(folder, tmp_path):
    before = load_lexicon(folder)
    cues = folder / "cues.yaml"
    text = cues.read_text(encoding="utf-8")
    assert "\n  greet:\n" in text  # a block list under the move
    cues.write_text(
        text.replace("\n  greet:\n", "\n  greet:\n    - 超级欢迎您\n", 1), encoding="utf-8"
    )
    after = load_lexicon(folder)
    assert "超级欢迎您" in after.moves["greet"] and "超级欢迎您" not in before.moves["greet"]
    assert len(cached(tmp_path, "cues")) == 2


def test_a_damaged_cache_file_is_parsed_again(folder, tmp_path):
    first = load_lexicon(folder)
    for path in cached(tmp_path, "cues"):
        path.write_bytes(b"not a pickle")
    assert load_lexicon(folder) == first


def test_the_learned_model_is_kept_and_reads_as_the_one_built_from_its_file(folder, tmp_path):
    from bot.nlp.lexicon_loader import load_learned

    built = load_learned(folder / "learned.json")
    assert len(cached(tmp_path, "learned")) == 1
    kept = load_learned(folder / "learned.json")
    assert kept is not built
    for text, context in [("帮您催下哦", "快递怎么还没到"), ("亲 这款有现货的", "有货吗")] * 2:
        assert kept.scores(text, context) == built.scores(text, context)


def test_a_retrained_model_is_read_afresh(folder, tmp_path):
    import json

    from bot.nlp.lexicon_loader import load_learned

    path = folder / "learned.json"
    before = load_learned(path)
    data = json.loads(path.read_text(encoding="utf-8"))
    move = next(iter(data["moves"]))
    data["moves"][move]["bias"] += 5
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    after = load_learned(path)
    assert after.moves[move].bias == before.moves[move].bias + 5
    assert len(cached(tmp_path, "learned")) == 2
