"""``kefu exam sheets/sheet/grade/finalise/unlock/rescore/audit/export``: what graders run.

Each command acts as the user named by ``kefu --as NAME`` (or ``KEFU_USER``); what a user may
see and do follows their role and the blind-marking rule (``bot.core.marking``).
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from bot.cli.table import table
from bot.core.draw import NAMES_ZH
from bot.core.errors import KefuError
from bot.core.marking import (
    BAND_ZH,
    ROLES,
    ROUND_TITLES,
    SENIOR,
    SheetResult,
    visible_rounds,
)
from bot.core.outcomes import outcome_title
from bot.core.sheet_state import sees_all, state_label
from bot.core.text_safety import printable
from bot.services import exam_grading as grading
from bot.services.app import App
from bot.services.results_export import PROJECT_ZH, export
from bot.storage import sheets as store
from bot.storage.audit import ACTIONS, entries


def _num(value: float | None) -> str:
    return "—" if value is None else f"{value:g}"


def status(sheet: store.Sheet, result: SheetResult) -> str:
    """A sheet's state in a few words (the rule is ``bot.core.sheet_state``)."""
    return state_label(sheet, result)


def _parse_values(values: tuple[str, ...]) -> dict[str, float]:
    parsed = {}
    for item in values:
        row, sep, points = item.partition("=")
        try:
            if not sep:
                raise ValueError
            parsed[row.strip()] = float(points)
        except ValueError:
            raise KefuError(
                f"“{item}”格式不对：应为 行id=分数，如 cs_presale.p1=8 或 p1=8.5"
            ) from None
    if not parsed:
        raise KefuError("没有给出分数。用法：kefu --as 姓名 exam grade 考试 准考证号 p1=8 p2=7.5 …")
    return parsed


@click.command("sheets")
@click.argument("exam_id", type=int)
@click.option("--json", "as_json", is_flag=True, help="输出 JSON。")
@click.pass_obj
def sheets_cmd(app: App, exam_id: int, as_json: bool) -> int:
    """列出一场考试的全部评分表及其状态。"""
    user = grading.acting_user(app, *ROLES)
    grading.collect_chats(app, exam_id)
    rows = []
    for sheet in store.sheets(app.db, exam_id):
        result = grading.evaluate_sheet(app, sheet)
        seen = visible_rounds(user.role, sheet.round_of(user.name), set(sheet.markers), sheet.final)
        show_total = sees_all(sheet, seen)
        rows.append(
            {
                "exam_number": sheet.exam_number,
                "name": sheet.name,
                "class": sheet.class_name,
                "module": sheet.module,
                "project": sheet.project,
                "status": status(sheet, result),
                "markers": len(sheet.markers),
                "mine": sheet.round_of(user.name),
                "total": result.total if show_total else None,
            }
        )
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    header = ["准考证号", "姓名", "班级", "项目", "评分员数", "总分", "状态"]
    click.echo(
        table(
            header,
            [
                [
                    r["exam_number"],
                    r["name"],
                    r["class"],
                    PROJECT_ZH.get(r["project"], r["project"]),
                    str(r["markers"]),
                    _num(r["total"]),
                    r["status"] + (f"（你是第 {r['mine']} 评）" if r["mine"] else ""),
                ]
                for r in rows
            ],
        )
    )
    return 0


def sheet_json(sheet: store.Sheet, result: SheetResult, seen: set[int]) -> dict:
    """A sheet as the user may see it: the other graders' rounds hidden while marking is blind."""
    complete = sees_all(sheet, seen)
    return {
        "exam_number": sheet.exam_number,
        "name": sheet.name,
        "class": sheet.class_name,
        "school": sheet.school,
        "module": sheet.module,
        "project": sheet.project,
        "form": sheet.form_id,
        "scenario": sheet.scenario_id,
        "scenario_version": sheet.scenario_hash,
        "code": sheet.code,
        "conversation": sheet.conversation_id,
        "chat_outcome": sheet.chat_outcome,
        "chat_total": sheet.auto_total,
        "status": status(sheet, result),
        "final": sheet.final,
        "markers": {str(r): g for r, g in sorted(sheet.markers.items()) if r in seen},
        "signoffs": sheet.signoffs,
        "flagged": result.flagged if complete else [],
        "rows": [
            {
                "id": row.row.id,
                "point": row.row.point,
                "title": row.row.title,
                "max": row.row.max,
                "auto": None if row.auto is None else row.auto.points,
                "evidence": [] if row.auto is None else list(row.auto.evidence),
                "auto_comment": "" if row.auto is None else row.auto.comment,
                "rounds": {str(r): v for r, v in row.rounds.items() if r in seen},
                "reasons": {
                    str(r): m.reason for r, m in row.marks.items() if r in seen and m.reason
                },
                # The rounds whose mark replaces the automatic value: their reason is an
                # override's (改分原因); any other reason explains a mark (说明).
                "overrides": [str(r) for r in sorted(row.overrides) if r in seen],
                "final": row.final if complete else None,
            }
            for row in result.rows
        ],
        "total": result.total if complete else None,
        "band": result.band if complete else None,
    }


@click.command("sheet")
@click.argument("exam_id", type=int)
@click.argument("exam_number")
@click.option("--json", "as_json", is_flag=True, help="输出 JSON。")
@click.pass_obj
def sheet_cmd(app: App, exam_id: int, exam_number: str, as_json: bool) -> int:
    """查看一位考生的评分表：自动分（聊天评分折算）、各评分员的分数、最终分。

    双评是盲评：评分员只看到自动分和自己的分数；主评分员、管理员和仲裁人看到全部。
    """
    user = grading.acting_user(app, *ROLES)
    sheet = grading.load_sheet(app, exam_id, exam_number)
    result = grading.evaluate_sheet(app, sheet)
    seen = visible_rounds(user.role, sheet.round_of(user.name), set(sheet.markers), sheet.final)
    data = sheet_json(sheet, result, seen)
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return 0
    who = f"{sheet.exam_number}  {sheet.name}  {sheet.class_name}  {sheet.school}"
    click.echo(f"准考证号 {printable(who)}")
    click.echo(
        f"模块：{NAMES_ZH[sheet.module]} · 项目：{PROJECT_ZH.get(sheet.project, sheet.project)}"
        f"（评分表 {sheet.form_id}）"
    )
    if sheet.scenario_id:
        chat = "未开始"
        if sheet.conversation_id:
            ending = data["chat_outcome"]
            ended = "进行中" if ending is None else f"结果：{outcome_title(ending)}"
            chat = f"对话 {sheet.conversation_id}，{ended}"
        click.echo(
            f"剧本：{sheet.scenario_id}（版本 {sheet.scenario_hash}）  考试码 {sheet.code}  {chat}"
            + (f"  聊天自动评分 {sheet.auto_total:g}/100" if sheet.auto_total is not None else "")
        )
    rounds = sorted(int(r) for r in data["markers"])
    names = "；".join(f"{ROUND_TITLES[r]} {sheet.markers[r]}" for r in rounds)
    hidden = len(sheet.markers) - len(rounds)
    if hidden:
        names += ("；" if names else "") + f"另有 {hidden} 位评分员（盲评，不显示）"
    click.echo(f"状态：{data['status']}  评分员：{names or '无'}")
    header = [
        "要点",
        "行 id",
        "内容",
        "满分",
        "自动",
        *(ROUND_TITLES[r][:3] for r in rounds),
        "最终",
    ]
    lines = [
        [
            row["point"],
            row["id"],
            row["title"],
            _num(row["max"]),
            _num(row["auto"]),
            *(_num(row["rounds"].get(str(r))) for r in rounds),
            _num(row["final"]) + (" ⚑" if row["id"] in data["flagged"] else ""),
        ]
        for row in data["rows"]
    ]
    total = data["total"]
    lines.append(["", "合计", "", "100", "", *("" for _ in rounds), _num(total)])
    click.echo(table(header, lines))
    if total is not None:
        click.echo(f"总分 {total:g}，等级：{BAND_ZH[data['band']]}")
    if sheet.conversation_id and any(r["evidence"] for r in data["rows"]):
        click.echo(
            f"自动分的依据（消息编号与触发词）：kefu report {sheet.conversation_id}；"
            "JSON 中每行的 evidence 为消息编号。"
        )
    if data["flagged"]:
        done = "需仲裁（第三评）" if result.awaiting_third else "已由第三评定分"
        click.echo(f"⚑ 两评分差超过 {sheet.threshold:g} 分的行，{done}。")
    for row in data["rows"]:
        for r, reason in row["reasons"].items():
            label = "改分原因" if r in row["overrides"] else "说明"
            click.echo(f"{label}（{row['id']}，第 {r} 评）：{reason}")
    return 0


@click.command("grade")
@click.argument("exam_id", type=int)
@click.argument("exam_number")
@click.argument("values", nargs=-1)
@click.option(
    "--reason", default="", help="改动自动评分的原因（必填），或手工给分的说明；记入审计日志。"
)
@click.option("--second", is_flag=True, help="作为第二评分员盲评（双评）。")
@click.pass_obj
def grade_cmd(
    app: App, exam_id: int, exam_number: str, values: tuple[str, ...], reason: str, second: bool
) -> int:
    """给考生评分：VALUES 为 行id=分数（如 p1=8 p3=20.5；行 id 可省略表名前缀）。

    分数是整分或半分，在 0 到该行满分之间。改动自动评分的行必须用 --reason 说明原因；
    自动值保留，评分表上与你的分数并列显示。每次改动都记入审计日志。
    双评中两评分差超过阈值的行（⚑）只能由主评分员或管理员仲裁（第三评），第一评、第二评不能再改。
    """
    round_, changed = grading.grade(
        app, exam_id, exam_number, _parse_values(values), reason, second
    )
    click.echo(f"已保存 {changed} 行（{ROUND_TITLES[round_]}，准考证号 {exam_number}）。")
    return 0


@click.command("finalise")
@click.argument("exam_id", type=int)
@click.argument("exam_number")
@click.pass_obj
def finalise_cmd(app: App, exam_id: int, exam_number: str) -> int:
    """签字定稿。单评一人签字即定稿；双评需两人签字（评分员不能独自定稿自己双评的表）。

    定稿后评分表锁定，任何改动都被拒绝；主评分员可用 kefu exam unlock 解锁（记入审计日志）。
    """
    locked, result = grading.finalise(app, exam_id, exam_number)
    if locked:
        click.echo(
            f"准考证号 {exam_number} 已定稿：总分 {result.total:g}，等级 {BAND_ZH[result.band or 'fail']}。"
        )
    else:
        click.echo(f"已签字；双评的评分表还需另一位评分员签字才能定稿（准考证号 {exam_number}）。")
    return 0


@click.command("unlock")
@click.argument("exam_id", type=int)
@click.argument("exam_number")
@click.option("--reason", required=True, help="解锁原因（必填，记入审计日志）。")
@click.pass_obj
def unlock_cmd(app: App, exam_id: int, exam_number: str, reason: str) -> int:
    """解锁已定稿的评分表（主评分员或管理员；签字作废，改完需重新签字定稿）。"""
    grading.unlock(app, exam_id, exam_number, reason)
    click.echo(f"准考证号 {exam_number} 的评分表已解锁。")
    return 0


@click.command("rescore")
@click.argument("exam_id", type=int)
@click.option("--dry-run", is_flag=True, help="只显示哪些评分表会变、变多少，不写入。")
@click.option("--json", "as_json", is_flag=True, help="输出 JSON。")
@click.pass_obj
def rescore_cmd(app: App, exam_id: int, dry_run: bool, as_json: bool) -> int:
    """分析器、提示词或评分表改动后，重新给本场考试的聊天评分。

    评分员改过的行保持评分员的分数；已定稿的评分表不改（先解锁）。先用 --dry-run 看结果。
    """
    changes = grading.rescore(app, exam_id, dry_run)
    if as_json:
        data = [
            {
                "exam_number": c.sheet.exam_number,
                "rows": [{"id": r, "before": b, "after": a} for r, b, a in c.rows],
                "total_before": c.total_before,
                "total_after": c.total_after,
                "kept": c.kept,
                "finals": {r: {"before": b, "after": a} for r, (b, a) in c.finals.items()},
                "skipped": c.skipped,
            }
            for c in changes
        ]
        click.echo(json.dumps({"dry_run": dry_run, "sheets": data}, ensure_ascii=False, indent=2))
        return 0
    if not changes:
        click.echo("没有评分表会因重新评分而改变。")
        return 0
    for c in changes:
        diff = ""
        if c.total_before is not None and c.total_after is not None:
            diff = f"  总分 {c.total_before:g} → {c.total_after:g}（{c.total_after - c.total_before:+g}）"
        click.echo(
            f"{printable(c.sheet.exam_number + ' ' + c.sheet.name)}{diff}{'  ' + c.skipped if c.skipped else ''}"
        )
        for row, before, after in c.rows:
            final_before, final_after = c.finals[row]
            if row in c.kept:
                final = f"；最终分 {_num(final_after)} 不变（评分员的分数）"
            else:
                final = f"；最终分 {_num(final_before)} → {_num(final_after)}"
            click.echo(f"    {row}: 自动 {_num(before)} → {_num(after)}{final}")
    verb = "将改变" if dry_run else "已重新评分"
    click.echo(
        f"{verb} {sum(1 for c in changes if not c.skipped)} 张评分表"
        + ("（演练，未写入）" if dry_run else "")
        + "。"
    )
    return 0


@click.command("audit")
@click.argument("exam_id", type=int, required=False)
@click.option("--json", "as_json", is_flag=True, help="输出 JSON。")
@click.option(
    "--verify",
    is_flag=True,
    help="检查整个审计日志的哈希链、保护触发器和已定稿的分数；被篡改时列出问题并以退出码 2 结束。",
)
@click.pass_obj
def audit_cmd(app: App, exam_id: int | None, as_json: bool, verify: bool) -> int:
    """显示本场考试的审计日志：谁、何时、改了哪一行、改前改后、原因。只能追加，不能修改或删除。

    主评分员和管理员可看（日志里有各评分员的分数，评分员看了就不再是盲评）。日志是一条哈希链：
    每条记录含前一条的哈希，定稿记录还含锁定分数的哈希，用 --verify 检查。
    """
    from bot.storage.audit_chain import verify as verify_chain

    grading.acting_user(app, *SENIOR)
    verdict = verify_chain(app.db)
    for problem in verdict.problems:
        click.echo(f"✗ 审计日志被篡改：{problem}", err=True)
    if verify:
        if verdict.ok:
            click.echo(
                f"✓ 审计日志完整：{verdict.checked} 条记录，哈希链、保护触发器和已定稿的分数都没有被改动。\n"
                f"  链头哈希：{verdict.head}（可记在成绩单上，日后对照）"
            )
            return 0
        click.echo(f"审计日志不可信：发现 {len(verdict.problems)} 处问题。", err=True)
        return 2
    if exam_id is None:
        raise click.UsageError("请给出考试编号，或用 --verify 检查整个审计日志。")
    log = entries(app.db, exam_id)
    if as_json:
        click.echo(
            json.dumps(
                [
                    {
                        "id": e.id,
                        "at": e.at_utc.isoformat() + "Z",
                        "actor": e.actor,
                        "action": e.action,
                        "exam_number": e.exam_number,
                        "row": e.row_id,
                        "before": e.before,
                        "after": e.after,
                        "reason": e.reason,
                    }
                    for e in log
                ],
                ensure_ascii=False,
                indent=2,
            )
        )
        return 2 if verdict.problems else 0
    click.echo(
        table(
            ["#", "时间（UTC）", "谁", "操作", "准考证号", "行", "改前", "改后", "原因"],
            [
                [
                    str(e.id),
                    f"{e.at_utc:%Y-%m-%d %H:%M:%S}",
                    e.actor,
                    ACTIONS.get(e.action, e.action),
                    e.exam_number or "",
                    e.row_id or "",
                    e.before or "",
                    e.after or "",
                    e.reason,
                ]
                for e in log
            ],
        )
    )
    return 2 if verdict.problems else 0


@click.command("export")
@click.argument("exam_id", type=int)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("."),
    show_default=True,
    help="写入哪个文件夹。",
)
@click.option("--draft", is_flag=True, help="有未定稿的评分表也导出（文件名带“草稿”）。")
@click.pass_obj
def export_cmd(app: App, exam_id: int, out: Path, draft: bool) -> int:
    """导出成绩（主评分员、管理员）：CSV 和 XLSX（准考证号、姓名、班级、模块、各要点得分、总分、等级、评分员）及汇总表。"""
    grading.acting_user(app, *SENIOR)
    for path in export(app, exam_id, out, draft):
        click.echo(f"已写入 {path}")
    return 0


COMMANDS = [
    sheets_cmd,
    sheet_cmd,
    grade_cmd,
    finalise_cmd,
    unlock_cmd,
    rescore_cmd,
    audit_cmd,
    export_cmd,
]
