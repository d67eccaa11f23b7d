"""A live chat's turn: stored in one commit, and the candidate's message kept even on a failure."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import event

from bot.services.app import App
from bot.services.live_chat import LiveChat
from bot.services.settings import Settings
from bot.storage import load_conversation


@pytest.fixture
def app(tmp_path: Path):
    app = App(Settings.resolve({"db": f"sqlite:///{tmp_path / 'kefu.db'}"}, cwd=tmp_path))
    yield app
    app.db.dispose()


def test_a_turn_is_one_commit_and_is_stored_whole(app: App):
    chat, opening = LiveChat.start(app, app.library.get("presale-dress-size"), seed=1)
    commits = []
    event.listen(app.db, "commit", lambda conn: commits.append(1))
    turn = chat.handle("亲，您好～欢迎光临，有什么可以帮您？")
    assert len(commits) == 1
    stored = load_conversation(app.db, chat.id)
    agent = stored.messages[len(opening)]
    assert (agent.role, agent.text) == ("agent", "亲，您好～欢迎光临，有什么可以帮您？")
    assert "greet" in agent.moves
    assert [m.text for m in stored.messages[len(opening) + 1 :]] == list(turn.replies)


def test_the_message_is_kept_when_the_customer_cannot_react(app: App, monkeypatch):
    chat, opening = LiveChat.start(app, app.library.get("presale-dress-size"), seed=1)

    def broken(text, at=None):
        raise RuntimeError("a bug in the engine")

    monkeypatch.setattr(chat.convo, "handle", broken)
    with pytest.raises(RuntimeError):
        chat.handle("您好")
    stored = load_conversation(app.db, chat.id)
    assert [m.text for m in stored.messages[len(opening) :]] == ["您好"]
