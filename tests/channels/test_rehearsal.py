"""Rehearsal (``kefu chat --watch``): an edited script is reloaded and the chat replayed."""

import io
import shutil
import time
from pathlib import Path

from bot.channels.rehearsal import rehearse
from bot.services.app import App
from bot.services.settings import Settings

TINY = Path(__file__).parents[1] / "data" / "scripts" / "tiny.yaml"


def setup(tmp_path):
    folder = tmp_path / "dialogues"
    folder.mkdir()
    script = folder / "tiny.yaml"
    shutil.copy(TINY, script)
    app = App(Settings.resolve({"db": f"sqlite:///{tmp_path / 'k.db'}", "dialogues": str(folder)}))
    return app, script


def edit(script: Path, old: str, new: str) -> None:
    time.sleep(0.01)  # a new modification time
    script.write_text(script.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")


def test_edit_is_reloaded_and_conversation_replayed(tmp_path):
    app, script = setup(tmp_path)

    def lines():
        yield "您好"
        edit(script, "能便宜点吗？", "能再便宜点吗？改过了")
        yield "亲，可以给您包邮"

    out = io.StringIO()
    convo = rehearse(app, app.library.get("tiny-shop"), lines=lines(), out=out)
    text = out.getvalue()
    assert "—— 剧本已重新载入，重放前 1 句 ——" in text
    assert "小王：能再便宜点吗？改过了" in text  # the replay used the edited line, by the persona
    assert "客户：" not in text
    assert "（结局：下单）" in text and "ordered" not in text
    assert "  ↳ 顾客：客服招呼，第 1 句" in text  # why the customer reacted so
    assert convo.outcome == "ordered"


def test_broken_edit_keeps_the_old_version(tmp_path):
    app, script = setup(tmp_path)

    def lines():
        yield "您好"
        edit(script, "go: bought", "go: bougth")
        yield "亲，可以给您包邮"

    out = io.StringIO()
    convo = rehearse(app, app.library.get("tiny-shop"), lines=lines(), out=out)
    text = out.getvalue()
    assert "剧本有错误，继续使用修改前的版本：" in text
    assert f"{script}:30: 转到了不存在的状态“bougth”" in text
    assert convo.outcome == "ordered"
