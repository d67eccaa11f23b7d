"""An exam drawn in kefu, taken on Telegram: the drawn code opens the pinned script, and the
finished chat's score lands on the candidate's result sheet."""

from __future__ import annotations

import json
from pathlib import Path

from fake_bot_api import FakeBotApi
from telegram_harness import DRESS_TURNS, KefuBot, kefu

from bot.channels.telegram import texts
from bot.services.paths import dialogues_dir

ADMIN = "王主任"


def test_a_drawn_code_opens_the_pinned_script_and_scores_into_the_sheet(
    kefu_bot: KefuBot, fake_api: FakeBotApi, db_url: str, tmp_path: Path
) -> None:
    # Only the dress script in the library at draw time, so the one customer-service candidate
    # gets it; the trainer then retitles the script, which the exam must not see.
    scripts = tmp_path / "scripts"
    scripts.mkdir()
    source = next(dialogues_dir().rglob("dress-size.yaml"))
    (scripts / source.name).write_text(source.read_text(encoding="utf-8"), encoding="utf-8")
    only_dress = {"KEFU_DIALOGUES": str(scripts), "KEFU_USER": ADMIN}
    roster = tmp_path / "roster.csv"
    roster.write_text(
        "准考证号,姓名,班级,学校\n"
        + "".join(f"2026{i:04d},考生{i},电商1班,职院\n" for i in range(3)),
        encoding="utf-8",
    )
    assert kefu(db_url, "user", "add", ADMIN, "--role", "admin").returncode == 0
    for args in (
        ("exam", "create", "--name", "A", "--date", "2026-06-10", "--service", "presale"),
        ("exam", "roster", "1", str(roster)),
    ):
        assert kefu(db_url, *args, env=only_dress).returncode == 0
    drawn = kefu(db_url, "exam", "draw", "--exam", "1", "--seed", "1", "--json", env=only_dress)
    assert drawn.returncode == 0, drawn.stderr
    (candidate,) = [c for c in json.loads(drawn.stdout)["candidates"] if c["code"]]
    script = scripts / source.name
    script.write_text(
        script.read_text(encoding="utf-8").replace(
            "title: 纠结尺码的连衣裙顾客", "title: 改过的标题"
        ),
        encoding="utf-8",
    )

    kefu_bot.start(KEFU_DIALOGUES=str(scripts))
    chat = 301
    update = fake_api.push_text(chat, f"/exam {candidate['code']}")
    opening = fake_api.wait_for(3, chat_id=chat, after=update, timeout=30)
    assert "纠结尺码的连衣裙顾客" in opening[1] and "改过的标题" not in opening[1]
    for line in DRESS_TURNS[:-1]:
        fake_api.wait_for(1, chat_id=chat, after=fake_api.push_text(chat, line), timeout=10)
    last = fake_api.wait_for(
        2, chat_id=chat, after=fake_api.push_text(chat, DRESS_TURNS[-1]), timeout=10
    )
    assert last[1] == texts.EXAM_OVER

    sheet = kefu(db_url, "exam", "sheet", "1", candidate["exam_number"], "--json", env=only_dress)
    assert sheet.returncode == 0, sheet.stderr
    data = json.loads(sheet.stdout)
    assert data["conversation"] and data["chat_total"] is not None
    assert [r["id"] for r in data["rows"] if r["auto"] is not None] == [
        "cs_presale.p3",
        "cs_presale.p4",
        "cs_presale.p5",
        "cs_presale.p8",
    ]
