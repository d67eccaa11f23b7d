"""One terminal at a time holds an exam code's chat; a hold whose terminal is gone is void."""

from datetime import timedelta

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from bot.core.errors import KefuError
from bot.storage import holds
from bot.storage.audit import utc_now
from bot.storage.telegram import create_codes
from bot.storage.telegram_models import ExamCodeRow

HERE = holds.this_terminal()


@pytest.fixture
def code(engine: Engine) -> str:
    return create_codes(engine, "presale-dress-size", 1)[0]


def held_by(engine: Engine, code: str, holder: str, ago: timedelta) -> None:
    with Session(engine) as session:
        row = session.get(ExamCodeRow, code)
        assert row is not None
        row.holder, row.held_at_utc = holder, utc_now() - ago
        session.commit()


def holder_of(engine: Engine, code: str) -> str | None:
    with Session(engine) as session:
        row = session.get(ExamCodeRow, code)
        assert row is not None
        return row.holder


def test_a_fresh_hold_of_another_computer_is_refused_and_kept(engine: Engine, code: str):
    held_by(engine, code, "exam-room-pc-07:4242", timedelta(seconds=5))
    with pytest.raises(KefuError, match="正在另一个终端打开（exam-room-pc-07:4242"):
        holds.take(engine, code, HERE)
    assert holder_of(engine, code) == "exam-room-pc-07:4242"


def test_a_hold_without_a_heartbeat_for_the_expiry_is_void(engine: Engine, code: str):
    held_by(engine, code, "exam-room-pc-07:4242", holds.EXPIRY + timedelta(seconds=1))
    holds.take(engine, code, HERE)
    assert holder_of(engine, code) == HERE


def test_a_hold_of_a_process_gone_from_this_computer_is_void_at_once(engine: Engine, code: str):
    host = HERE.rpartition(":")[0]
    gone = f"{host}:{2**22 + 12345}"  # above Linux's largest pid: no such process
    held_by(engine, code, gone, timedelta(seconds=1))
    holds.take(engine, code, HERE)
    assert holder_of(engine, code) == HERE


def test_the_holder_may_take_again_renew_and_release(engine: Engine, code: str):
    holds.take(engine, code, HERE)
    holds.take(engine, code, HERE)  # a resume in the same terminal
    holds.renew(engine, code, HERE)
    holds.release(engine, code, "someone-else:1")  # not theirs: nothing happens
    assert holder_of(engine, code) == HERE
    holds.release(engine, code, HERE)
    assert holder_of(engine, code) is None
