"""The terminal's hold on an exam code: taken on entry, renewed by the heartbeat, let go on exit."""

import time

from sqlalchemy.orm import Session

from bot.channels import code_hold
from bot.storage import open_database
from bot.storage.telegram import create_codes
from bot.storage.telegram_models import ExamCodeRow


def test_the_heartbeat_renews_the_hold_until_the_chat_closes(tmp_path, monkeypatch):
    engine = open_database(f"sqlite:///{tmp_path / 'kefu.db'}")
    code = create_codes(engine, "presale-dress-size", 1)[0]
    monkeypatch.setattr(code_hold, "INTERVAL", 0.2)  # beat fast, as it does every 20 s

    def hold():
        with Session(engine) as session:
            row = session.get(ExamCodeRow, code)
            return row.holder, row.held_at_utc

    with code_hold.CodeHold(engine, code) as held:
        holder, first = hold()
        assert holder == held.holder
        time.sleep(0.7)
        again, later = hold()
        assert again == holder and later > first  # renewed from the heartbeat thread
    assert hold() == (None, None)
    engine.dispose()
