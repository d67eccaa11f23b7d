"""The organiser's exam-day pages: create an exam, upload its roster, draw, print, watch the room.

Everything goes through the functions ``kefu exam create/roster/draw/show`` use, acting as the
logged-in admin: the roster reader lists every bad row and imports nothing until the file is
right, the draw refuses a second run. Only admins open these pages.
"""

from __future__ import annotations

import datetime as dt
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path, PureWindowsPath
from typing import Any

from starlette.datastructures import UploadFile
from starlette.responses import Response

from bot.console.auth import ORGANISERS, Viewer
from bot.console.site import Console, Page
from bot.core.draw import NAMES_ZH, SERVICES
from bot.core.errors import KefuError
from bot.core.outcomes import outcome_title
from bot.services.exam_grading import acting_user, draw_exam
from bot.services.results_export import PROJECT_ZH
from bot.services.roster_files import COLUMNS, read_roster
from bot.storage.audit import utc_now
from bot.storage.exams import Exam, create_exam, get_exam, import_roster, roster
from bot.storage.room import RoomSeat, room
from bot.storage.sheets import sheets

# What an uploaded roster may be: the roster reader knows CSV and XLSX by the file's suffix.
ROSTER_SUFFIXES = (".csv", ".xlsx", ".xlsm")
NAME_MAX = 200  # exams.name
SEED_LIMIT = 2**63  # exams.seed is a BIGINT
REFRESH_SECONDS = 10
CHANNEL_TITLES = {"web": "网页", "terminal": "终端", "telegram": "Telegram"}


def register(console: Console) -> None:
    console.actions.append(_actions)
    console.exam_links.append(_exam_links)

    @console.page("/exams/new", roles=ORGANISERS)
    def new_exam(page: Page) -> Response:
        return _new_exam_form(page)

    @console.page("/exams/new", roles=ORGANISERS, methods=["POST"])
    def create(page: Page) -> Response:
        actor = acting_user(page.app, "admin")
        name, day, service = page.field("name"), page.field("date"), page.field("service")
        problem = _exam_problem(name, day, service)
        if problem:
            return _new_exam_form(page, problem, 400)
        threshold = page.app.settings.double_mark_threshold
        exam_id = create_exam(page.app.db, name, day, service, actor.name, threshold)
        return page.redirect(
            f"/exams/{exam_id}/roster",
            f"已创建考试 {exam_id}：{name}（{day}）；客服项目：{SERVICES[service]}；"
            f"双评分差阈值 {threshold:g} 分。下一步：导入名单。",
        )

    @console.page("/exams/{exam_id:int}/roster", roles=ORGANISERS)
    def roster_page(page: Page) -> Response:
        return _roster_page(page, _exam(page))

    @console.page("/exams/{exam_id:int}/roster", roles=ORGANISERS, methods=["POST"])
    def upload(page: Page) -> Response:
        actor = acting_user(page.app, "admin")
        exam = _exam(page)
        upload = page.form.get("roster") if page.form is not None else None
        if not isinstance(upload, UploadFile) or not upload.filename:
            return _roster_page(page, exam, status=400, notice="请选择名单文件（CSV 或 XLSX）。")
        shown = _file_name(upload.filename)
        suffix = Path(shown).suffix.lower()
        if suffix not in ROSTER_SUFFIXES:
            text = f"{shown}: 只能导入 CSV 或 XLSX 文件（Excel 的 .xls 请先另存为 .xlsx 或 CSV）。"
            return _roster_page(page, exam, status=400, notice=text)
        content = upload.file.read()
        with tempfile.TemporaryDirectory(prefix="kefu-roster-") as folder:
            path = Path(folder) / ("roster" + suffix)
            path.write_bytes(content)
            try:
                candidates = read_roster(path)
                count = import_roster(page.app.db, exam.id, candidates, actor.name, shown)
            except KefuError as error:
                problems = _problems(str(error), (str(path), shown), shown)
                return _roster_page(page, exam, status=400, problems=problems, file=shown)
        return page.redirect(
            f"/exams/{exam.id}/roster", f"已从 {shown} 导入 {count} 名考生到考试 {exam.id}。"
        )

    @console.page("/exams/{exam_id:int}/draw", roles=ORGANISERS)
    def draw_page(page: Page) -> Response:
        exam = _exam(page)
        if not exam.drawn:
            return page.render("exam_draw.html.j2", exam=exam, services=SERVICES)
        return page.render("exam_draw.html.j2", exam=exam, **_draw_table(page, exam))

    @console.page("/exams/{exam_id:int}/draw", roles=ORGANISERS, methods=["POST"])
    def draw(page: Page) -> Response:
        exam = _exam(page)
        seed = _seed(page.field("seed"))
        draw_exam(page.app, exam.id, seed)  # refuses a second draw, with the seed it was given
        return page.redirect(f"/exams/{exam.id}/draw", f"考试 {exam.id} 已抽考（种子 {seed}）。")

    @console.page("/exams/{exam_id:int}/draw/print", roles=ORGANISERS)
    def draw_print(page: Page) -> Response:
        exam = _drawn_exam(page)
        with_codes = page.query.get("codes") != "0"
        return page.render(
            "exam_print.html.j2",
            exam=exam,
            with_codes=with_codes,
            printed=_local_now(),
            **_draw_table(page, exam),
        )

    @console.page("/exams/{exam_id:int}/slips", roles=ORGANISERS)
    def slips(page: Page) -> Response:
        exam = _drawn_exam(page)
        chosen = [s for s in sheets(page.app.db, exam.id) if s.code]
        return page.render(
            "exam_slips.html.j2", exam=exam, slips=chosen, address=str(page.request.base_url)
        )

    @console.page("/exams/{exam_id:int}/room", roles=ORGANISERS)
    def live(page: Page) -> Response:
        exam = _exam(page)
        at = utc_now()
        nudge = page.app.settings.nudge_seconds
        seats = [_live_row(seat, at, nudge) for seat in room(page.app.db, exam.id, at)]
        counts = {
            "waiting": sum(1 for s in seats if s.state == "waiting"),
            "chatting": sum(1 for s in seats if s.state == "chatting"),
            "idle": sum(1 for s in seats if s.idle),
            "finished": sum(1 for s in seats if s.state == "finished"),
        }
        return page.render(
            "exam_room.html.j2",
            exam=exam,
            seats=seats,
            counts=counts,
            nudge=nudge,
            refresh=REFRESH_SECONDS,
            checked=_local_now(),
        )


# ---------------------------------------------------------------------------- offers


def _actions(viewer: Viewer) -> list[tuple[str, str]]:
    return [("新建考试", "/exams/new")] if viewer.role in ORGANISERS else []


def _exam_links(viewer: Viewer, exam: Exam) -> list[tuple[str, str]]:
    if viewer.role not in ORGANISERS:
        return []
    return [
        ("名单", f"/exams/{exam.id}/roster"),
        ("抽考", f"/exams/{exam.id}/draw"),
        ("考场", f"/exams/{exam.id}/room"),
    ]


# ---------------------------------------------------------------------------- creating


def _new_exam_form(page: Page, notice: str = "", status: int = 200) -> Response:
    return page.render(
        "exam_new.html.j2",
        status,
        services=SERVICES,
        threshold=page.app.settings.double_mark_threshold,
        values={
            "name": page.field("name"),
            "date": page.field("date"),
            "service": page.field("service") or "both",
        },
        notice=notice,
    )


def _exam_problem(name: str, day: str, service: str) -> str:
    """What is wrong with a new exam's fields (the CLI's rules), or ""."""
    if not name:
        return "请填写考试名称。"
    if len(name) > NAME_MAX:
        return f"考试名称最多 {NAME_MAX} 个字。"
    try:  # exactly YYYY-MM-DD, as kefu exam create --date wants it
        if dt.date.fromisoformat(day).isoformat() != day:
            raise ValueError(day)
    except ValueError:
        return f"日期“{day}”格式不对（应为 YYYY-MM-DD，如 2026-06-10）"
    if service not in SERVICES:
        return "请选择客服模块考哪个项目。"
    return ""


# ---------------------------------------------------------------------------- the roster


@dataclass(frozen=True)
class Problem:
    """One line of a refused roster: the row number (None: the whole file) and what is wrong."""

    row: int | None
    text: str


def _roster_page(
    page: Page,
    exam: Exam,
    status: int = 200,
    notice: str = "",
    problems: list[Problem] | None = None,
    file: str = "",
) -> Response:
    return page.render(
        "exam_roster.html.j2",
        status,
        exam=exam,
        candidates=roster(page.app.db, exam.id),
        columns=COLUMNS,
        problems=problems or [],
        file=file,
        notice=notice,
    )


def _file_name(uploaded: str) -> str:
    """The uploaded file's own name, without any folder a browser may send (Windows too)."""
    return PureWindowsPath(uploaded).name.strip() or "名单"


def _problems(message: str, prefixes: tuple[str, ...], shown: str) -> list[Problem]:
    """The roster reader's ``FILE:ROW: problem`` lines as rows of a table.

    A line about the whole file (``FILE: …``, or no file at all) has no row number.
    """
    out = []
    for line in message.splitlines():
        line = line.strip()
        if not line:
            continue
        for prefix in prefixes:
            if line.startswith(prefix + ":"):
                line = line[len(prefix) + 1 :]
                break
        found = re.match(r"(\d+):\s*(.*)", line)
        if found:
            out.append(Problem(int(found.group(1)), found.group(2)))
        else:
            out.append(Problem(None, line.lstrip(": ").replace(prefixes[0], shown)))
    return out


# ---------------------------------------------------------------------------- the draw


def _seed(text: str) -> int:
    try:
        seed = int(text)
    except ValueError:
        raise KefuError(
            f"种子“{text}”不是整数。请填一个整数（建议用考试日期，如 20260610）。"
        ) from None
    if not -SEED_LIMIT <= seed < SEED_LIMIT:
        raise KefuError("种子太大了。请填一个不超过 18 位的整数（建议用考试日期，如 20260610）。")
    return seed


def _draw_table(page: Page, exam: Exam) -> dict[str, Any]:
    drawn = sheets(page.app.db, exam.id)
    counts = [(title, sum(1 for s in drawn if s.module == m)) for m, title in NAMES_ZH.items()]
    return {"drawn": drawn, "counts": counts, "modules": NAMES_ZH, "projects": PROJECT_ZH}


# ---------------------------------------------------------------------------- the room


@dataclass(frozen=True)
class LiveRow:
    """A room row as the page shows it."""

    seat: RoomSeat
    state: str  # waiting, chatting, finished
    state_title: str
    ran: str = ""  # how long the chat has run
    last_ago: str = ""  # how long since the last message
    idle: bool = False
    silent: str = ""  # how long since the candidate's last message (or the start)
    channel: str = ""

    @property
    def project(self) -> str:
        return PROJECT_ZH.get(self.seat.project, self.seat.project)


def _live_row(seat: RoomSeat, at_utc: dt.datetime, nudge: float) -> LiveRow:
    channel = CHANNEL_TITLES.get(seat.channel or "", seat.channel or "")
    if seat.finished:
        return LiveRow(seat, "finished", f"已结束：{outcome_title(seat.outcome)}", channel=channel)
    if not seat.started:
        title = "已进入，阅读说明中" if seat.held else "未开始"
        return LiveRow(seat, "waiting", title)
    started = seat.started_at_utc or at_utc
    last = seat.last_message_utc
    answered = seat.last_agent_utc or started
    silence = max(0.0, (at_utc - answered).total_seconds())
    return LiveRow(
        seat,
        "chatting",
        "进行中",
        ran=_duration((at_utc - started).total_seconds()),
        last_ago="" if last is None else _duration((at_utc - last).total_seconds()) + "前",
        idle=nudge > 0 and silence > nudge,
        silent=_duration(silence),
        channel=channel,
    )


def _duration(seconds: float) -> str:
    seconds = max(0, int(seconds))
    if seconds < 60:
        return f"{seconds} 秒"
    minutes, rest = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} 分 {rest} 秒"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} 小时 {minutes} 分"


# ---------------------------------------------------------------------------- helpers


def _exam(page: Page) -> Exam:
    return get_exam(page.app.db, int(page.request.path_params["exam_id"]))


def _drawn_exam(page: Page) -> Exam:
    exam = _exam(page)
    if not exam.drawn:
        raise KefuError(f"考试 {exam.id} 还没有抽考。请先在“抽考”页输入种子抽考。")
    return exam


def _local_now() -> dt.datetime:
    return dt.datetime.now().astimezone()
