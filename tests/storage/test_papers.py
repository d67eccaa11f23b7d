"""Paper sittings in the database: answers saved as typed, submission, the clock running out."""

from __future__ import annotations

import pytest

from bot.storage import papers as store


def new(minutes: int = 45):
    return lambda: store.NewSitting("presale.tea", "v1", {"id": "presale.tea"}, minutes)


def test_answers_are_kept_as_typed_and_frozen_at_submission(backend):
    engine = backend
    sitting = store.open_sitting(engine, "CODE1", new())
    assert not sitting.submitted and 44 * 60 < sitting.remaining() <= 45 * 60
    store.save_answer(engine, "CODE1", "t1", "第一稿")
    store.save_answer(engine, "CODE1", "t4", {"basic": {"value": "26000"}})
    store.save_answer(engine, "CODE1", "t1", "第二稿")
    # Opening again (another tab, another PC) finds the same sitting and answers.
    again = store.open_sitting(engine, "CODE1", new(minutes=1))
    assert again.opened_at == sitting.opened_at and again.ends_at == sitting.ends_at
    assert again.answers == {"t1": "第二稿", "t4": {"basic": {"value": "26000"}}}
    done = store.submit_sitting(engine, "CODE1")
    assert done.submitted and done.closed_by == "candidate" and done.remaining() == 0
    with pytest.raises(store.PaperClosed, match="试卷已经提交"):
        store.save_answer(engine, "CODE1", "t1", "改")
    assert store.get_sitting(engine, "CODE1").answers["t1"] == "第二稿"
    assert store.submit_sitting(engine, "CODE1").submitted_at == done.submitted_at


def test_a_sitting_past_its_time_is_submitted_by_time(engine):
    store.open_sitting(engine, "CODE2", new(minutes=0))
    with pytest.raises(store.PaperClosed, match="考试时间已到"):
        store.save_answer(engine, "CODE2", "t1", "迟到的答案")
    sitting = store.get_sitting(engine, "CODE2")
    assert sitting.submitted and sitting.closed_by == "time" and sitting.answers == {}
    assert store.sittings(engine, ["CODE2", "NONE"])["CODE2"].closed_by == "time"
    assert not sitting.collected
    store.mark_collected(engine, "CODE2")
    assert store.get_sitting(engine, "CODE2").collected
