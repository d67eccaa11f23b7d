"""Everything the Telegram bot says that is not the customer: one place, all in Chinese."""

from __future__ import annotations

from bot.core.scoring import ScoreSheet

BAND_TITLES = {"excellent": "优秀", "pass": "合格", "fail": "不合格"}

# (command, description) for setMyCommands, in menu order.
COMMANDS = (
    ("start", "开始：使用说明"),
    ("help", "帮助：怎样练习和考试"),
    ("practice", "练习：选择一个情境，或 /practice 情境ID"),
    ("exam", "考试：/exam 考试码"),
    ("end", "结束当前对话"),
)

HELP = (
    "你好！这里是“网络客户服务”模拟练习与考试。你扮演网店的在线客服，我扮演顾客。\n\n"
    "· /practice：列出练习情境，点一个就开始；也可以直接发 /practice 情境ID。\n"
    "· /exam 考试码：用监考老师发给你的考试码开始考试（每个码只能用一次）。\n"
    "· /end：结束当前对话。\n\n"
    "对话开始后，你发的每一条文字消息都是客服对顾客说的话。只有文字有效，"
    "图片、贴纸、语音等不计入。练习结束后会显示得分和建议；考试不显示分数。"
)

PICK_SCENARIO = "请选择一个练习情境（点按钮开始）："
UNKNOWN_SCENARIO = "没有找到情境“{id}”。发 /practice 查看所有情境。"
BUSY = "你还有一段进行中的对话。请先继续聊完，或发 /end 结束它。"
BUSY_EXAM = "你正在考试中，考试结束前不能开始新的对话。"
EXAM_NEEDS_CODE = "请在 /exam 后面加上考试码，例如：/exam ABCD2345"
CODE_UNKNOWN = "考试码“{code}”无效。请核对后再试，或联系监考老师。"
CODE_USED = "考试码“{code}”已经使用过了，每个考试码只能用一次。如有疑问请联系监考老师。"
PRACTICE_START = "练习开始！请先阅读下面的情境说明，然后回复顾客。"
EXAM_START = "考试开始！限时 {minutes:g} 分钟。请先阅读下面的情境说明，然后回复顾客。"
END_CONFIRM = "确定要结束当前对话吗？"
END_YES, END_NO = "结束", "继续对话"
END_KEPT = "好的，对话继续。"
NOTHING_OPEN = "你现在没有进行中的对话。发 /practice 开始练习，或发 /exam 考试码 开始考试。"
NOT_STARTED = (
    "你现在没有进行中的对话，这条消息没有发给顾客。"
    + NOTHING_OPEN[len("你现在没有进行中的对话。") :]
)
ONLY_TEXT = (
    "只有文字消息会发给顾客（图片、贴纸、语音、文件、位置、联系人和投票都不计入）。请用文字回复。"
)
EDIT_IGNORED = "修改已记录，但顾客看到的仍是原来的消息。如需补充，请直接发一条新消息。"
TOO_LONG = "这条消息有 {n} 个字，超过了 {limit} 字的上限，没有发给顾客。请分成几条发送。"
ERROR = "抱歉，系统出了点问题，你的上一条消息可能没有处理。请稍后再发一次。"
EXAM_TIME_UP = "考试时间到，对话已结束。感谢参加考试，请等待监考老师的通知。"
EXAM_OVER = "考试对话已结束，感谢参加！成绩由监考老师统一公布。"
PRACTICE_OVER = "练习对话已结束（{outcome}）。"
UNKNOWN_COMMAND = "没有这个命令。发 /help 查看可以用的命令。"


def score_summary(sheet: ScoreSheet, outcome_title: str) -> str:
    """The practice result: total, band, and the main things to improve."""
    lines = [
        PRACTICE_OVER.format(outcome=outcome_title),
        f"总分：{sheet.total:g} / {sheet.max:g}（{BAND_TITLES[sheet.band]}）",
    ]
    weak = sorted(
        (row for row in sheet.items if row.points < row.max and row.comment != "待评分员评分"),
        key=lambda row: row.points / row.max if row.max else 1,
    )
    if weak:
        lines.append("主要改进：")
        for row in weak[:4]:
            lines.append(f"· {row.title}（{row.points:g}/{row.max:g}）：{row.comment}")
            lines.extend(f"  参考话术：{tip}" for tip in row.advice[:1])
    lines.append("发 /practice 再练一次。")
    return "\n".join(lines)
