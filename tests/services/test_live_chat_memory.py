"""A live chat's customer remembers across a restart: the memory goes through the database."""

from bot.services.app import App
from bot.services.live_chat import LiveChat
from bot.services.settings import Settings
from bot.storage import load_conversation, reply_reasons


def test_a_resumed_chat_remembers_what_it_was_told(tmp_path):
    settings = Settings.resolve({"db": f"sqlite:///{tmp_path / 'k.db'}"})
    app = App(settings)
    chat, _ = LiveChat.start(app, app.library.get("presale-tea-gift"), seed=1)
    for line in (
        "亲，您好～欢迎光临湘茗茶叶旗舰店",
        "请问叔叔平时喝茶口味浓还是淡？肠胃怎么样？",
        "推荐这款安化黑茶，茶性温和不伤胃；在干燥通风处可以长期存放，越陈越香",
    ):
        chat.handle(line)
    assert chat.convo.state == "packaging"
    app.engine_for(chat.scenario).release(chat.convo)

    again = App(settings)  # a new process: nothing but the database is left
    resumed = LiveChat.resume(again, chat.id)
    turn = resumed.handle("这款是红色烫金硬礼盒，配手提袋，送长辈很体面")
    assert turn.state == "delivery"  # the shelf life answered before the restart is not asked
    assert turn.replies[0] == "哦对，你说过能放很久，越陈越香。"
    assert "已回答：保质期，客服第 3 句（“长期存放”）" in turn.reasons
    stored = load_conversation(again.db, chat.id)
    assert stored.snapshot is not None and stored.snapshot.memory["answered"]["保质期"] == 3
    assert any(
        "已回答：保质期" in r for rs in reply_reasons(again.db, chat.id).values() for r in rs
    )
    app.db.dispose()
    again.db.dispose()
