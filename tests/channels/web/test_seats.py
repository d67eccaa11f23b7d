"""The web seat's behaviour over a real SQLite file, without a browser or a server.

Two ``SeatService`` objects on one database stand for two server processes: the customer's
state must follow the conversation from one to the other, and a clock must fire once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.channels.web.seats import SeatRefused, SeatService, new_token
from bot.scripts.conversation_tests import load_cases
from bot.services.app import App
from bot.services.paths import dialogues_dir
from bot.services.settings import Settings
from bot.storage import add_message, load_conversation
from bot.storage import web as store
from bot.storage.telegram import create_codes

GOOD = [
    t.agent
    for t in load_cases(dialogues_dir() / "presale" / "dress-size.test.yaml")[1]
    .conversations[0]
    .turns
]


@pytest.fixture
def services(db: str) -> Iterator[Callable[..., SeatService]]:
    """Make seat services on the test's database (each one a server process); close them all."""
    made: list[App] = []

    def make(**settings) -> SeatService:
        made.append(make_app(db, **settings))
        return SeatService(made[-1])

    yield make
    for app in made:
        app.db.dispose()


def make_app(db: str, **settings) -> App:
    return App(Settings.resolve({"db": db, **settings}))


@pytest.fixture
def db(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'kefu.db'}"


@pytest.fixture
def service(services) -> SeatService:
    return services(max_message_chars=50)


def exam_seat(service: SeatService, code: str | None = None, address: str = "10.0.0.5"):
    code = code or create_codes(service.db, "presale-dress-size", 1)[0]
    return service.open_exam(code, "2026001", new_token(), address)


def agent_texts(service: SeatService, conversation_id: str) -> list[str]:
    return [
        m.text for m in load_conversation(service.db, conversation_id).messages if m.role == "agent"
    ]


def test_start_then_a_good_agent_orders(service):
    seat = exam_seat(service)
    assert service.view(seat).state.started is False
    seat = service.start(seat)
    assert service.start(seat).conversation_id == seat.conversation_id  # a second click: no-op
    opening = service.view(seat).messages
    assert [m["role"] for m in opening] == ["customer"]
    for i, line in enumerate(GOOD):
        view = service.say(seat, line, f"m{i}")
        assert view.messages[0]["text"] == line
        assert any(m["role"] == "customer" for m in view.messages[1:])
        assert "moves" not in view.messages[0]  # an exam shows no feedback
    assert view.state.finished and view.state.outcome == "ordered"
    assert store.get_clocks(service.db, seat.conversation_id).closed_by == "customer"
    with pytest.raises(SeatRefused, match="对话已经结束"):
        service.say(seat, "还在吗", "late")


def test_a_message_sent_twice_is_stored_once(service):
    seat = service.start(exam_seat(service))
    first = service.say(seat, GOOD[0], "same-id")
    again = service.say(seat, GOOD[0], "same-id")
    assert [m["seq"] for m in again.messages] == [m["seq"] for m in first.messages]
    assert agent_texts(service, seat.conversation_id) == [GOOD[0]]


def test_a_turn_cut_by_a_crash_is_finished_by_the_resend(services):
    dying = services()
    seat = dying.start(exam_seat(dying))
    # The message was committed, then the process died before the customer reacted.
    add_message(dying.db, seat.conversation_id, role="agent", text=GOOD[0], client_id="cut")
    restarted = services()
    view = restarted.say(seat, GOOD[0], "cut")
    assert [m["role"] for m in view.messages] == ["agent", "customer"]
    assert agent_texts(restarted, seat.conversation_id) == [GOOD[0]]


def test_two_processes_share_one_conversation(services):
    one, two = services(), services()
    seat = one.start(exam_seat(one))
    for i, line in enumerate(GOOD):
        view = (one if i % 2 == 0 else two).say(seat, line, f"m{i}")
    assert view.state.outcome == "ordered"
    stored = load_conversation(one.db, seat.conversation_id)
    assert [m.text for m in stored.messages if m.role == "agent"] == GOOD
    assert stored.snapshot.turn == len(GOOD)


def test_empty_and_overlong_messages_are_refused_with_the_limit(service):
    seat = service.start(exam_seat(service))
    with pytest.raises(SeatRefused, match="消息是空的"):
        service.say(seat, "   ", "a")
    with pytest.raises(SeatRefused, match="51 个字，超过了 50 字的上限"):
        service.say(seat, "好" * 51, "b")
    assert agent_texts(service, seat.conversation_id) == []


def test_wrong_codes_say_the_same_and_slow_the_seat_down(service):
    real = create_codes(service.db, "presale-dress-size", 1)[0]
    for _ in range(store.FREE_TRIES):
        with pytest.raises(SeatRefused, match=r"^考试码或准考证号不正确"):
            service.open_exam("NOSUCH", "2026001", new_token(), "10.0.0.9")
    with pytest.raises(SeatRefused, match="尝试次数太多"):
        service.open_exam(real, "2026001", new_token(), "10.0.0.9")
    # Another seat is not slowed down by this one's mistakes.
    assert service.open_exam(real, "2026001", new_token(), "10.0.0.10").code == real


def test_one_code_is_open_on_one_seat_at_a_time(service):
    code = create_codes(service.db, "presale-dress-size", 1)[0]
    first = exam_seat(service, code)
    with pytest.raises(SeatRefused, match="正在另一台电脑上使用"):
        exam_seat(service, code, address="10.0.0.6")
    service.let_go(first)  # the first page was closed
    second = exam_seat(service, code, address="10.0.0.6")
    assert second.code == code and second.token != first.token


def test_a_finished_exam_code_cannot_be_reopened(service):
    code = create_codes(service.db, "presale-dress-size", 1)[0]
    seat = service.start(exam_seat(service, code))
    service.end(seat)
    service.let_go(seat)
    with pytest.raises(SeatRefused, match="已经结束"):
        exam_seat(service, code)


def test_a_new_seat_resumes_the_code_chat(service):
    code = create_codes(service.db, "presale-dress-size", 1)[0]
    seat = service.start(exam_seat(service, code))
    service.say(seat, GOOD[0], "m0")
    service.let_go(seat)  # that PC failed
    moved = exam_seat(service, code, address="10.0.0.7")
    assert moved.conversation_id == seat.conversation_id
    assert service.view(moved).messages == service.view(seat).messages


def test_practice_shows_the_moves(service):
    seat = service.start(service.open_practice("presale-dress-size", new_token()))
    view = service.say(seat, GOOD[0], "m0")
    assert view.messages[0]["moves"] == ["招呼"]
    with pytest.raises(SeatRefused, match="没有剧本"):
        service.open_practice("no-such-scenario", new_token())


def test_the_nudge_fires_once_whichever_process_looks(services):
    one, two = services(), services()
    seat = one.start(exam_seat(one))
    past = store.utc_now() - timedelta(seconds=1)
    store.set_nudge(one.db, seat.conversation_id, past)
    assert one.act_on_clocks() + two.act_on_clocks() == [seat.conversation_id]
    messages = one.view(seat).messages
    assert [m["role"] for m in messages] == ["customer", "customer"]
    assert store.get_clocks(one.db, seat.conversation_id).nudge_at is None


def test_time_up_ends_the_exam_chat_once(services):
    one, two = services(), services()
    seat = one.start(exam_seat(one))
    clocks = store.get_clocks(one.db, seat.conversation_id)
    assert clocks.ends_at is not None  # KEFU_EXAM_MINUTES' default applies from 开始接待
    store.start_clocks(one.db, seat.conversation_id, None, store.utc_now() - timedelta(seconds=1))
    assert one.act_on_clocks() + two.act_on_clocks() == [seat.conversation_id]
    state = one.view(seat).state
    assert state.finished and state.outcome == "unfinished" and state.closed_by == "time"
