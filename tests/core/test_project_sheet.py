"""A chat score carried into the project form, in proportion; written-task rows left open."""

import json
from pathlib import Path

from bot.core.project_sheet import carry_chat
from bot.core.transcript import transcript_from_dict
from bot.services.app import App
from bot.services.settings import Settings

SAMPLE = Path(__file__).parents[1] / "data" / "transcripts" / "presale-sample.json"


def test_presale_chat_fills_its_rows_in_proportion():
    app = App(Settings.resolve())
    sheet = app.score(transcript_from_dict(json.loads(SAMPLE.read_text(encoding="utf-8"))))
    form = app.rubrics.forms["form.cs_presale"]
    rows = {r.id: r for r in carry_chat(form, sheet)}
    chat = {r.id: r for r in sheet.items}
    for row in form.items:
        carried = rows[row.id]
        if not row.from_chat:
            assert carried.points is None and carried.comment == "待评分员评分"
            continue
        [source] = [chat[ref] for ref in row.from_chat]
        assert carried.points == round(source.points / source.max * row.max * 2) / 2
        assert carried.evidence == source.evidence
    assert sum(1 for r in rows.values() if r.points is not None) == 4


def test_a_capped_chat_carries_its_cap_into_the_project_form():
    app = App(Settings.resolve())
    data = json.loads(SAMPLE.read_text(encoding="utf-8"))
    data["messages"][11]["text"] = "好的亲，收到后给个五星好评返现5元哦，祝您生活愉快"
    sheet = app.score(transcript_from_dict(data))
    assert sheet.total < sheet.rows_total
    form = app.rubrics.forms["form.cs_presale"]
    carried = [r for r in carry_chat(form, sheet) if r.points is not None]
    chat = {r.id: r for r in sheet.items}
    factor = sheet.total / sheet.rows_total
    for row in carried:
        [ref] = next(f.from_chat for f in form.items if f.id == row.id)
        assert row.points == round(chat[ref].points * factor / chat[ref].max * row.max * 2) / 2
        assert "致命项" in row.comment
