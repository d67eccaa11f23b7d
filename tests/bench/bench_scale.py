"""Benchmark: the graders' tables and the transcript list at scale, on one SQLite file.

Not a test (pytest does not collect it). Run it from the checkout:

    .venv/bin/python tests/bench/bench_scale.py [--candidates 400 4000]
        [--conversations 10000 100000] [--repeat 3]

It builds, in a temporary SQLite file, one exam per size in ``--candidates``: the roster
imported and the draw made by the normal path (``import_roster``, ``draw_exam``); every
customer-service candidate's chat finished and its score carried into the sheet; most sheets
marked (some double-marked, some of those flagged and arbitrated) and many finalised. Playing
and scoring thousands of chats, and marking thousands of sheets, one by one would take an hour,
so those rows are bulk-inserted, copied from what the normal path made: one chat per scenario
is played in process (``LiveChat``), its conversation and messages are copied for each
candidate given that scenario, its score is carried into the form once (``chat_auto``) and
stored on every such sheet with the audit entries ``set_auto`` writes; marks, markers,
sign-offs and the locked values are the rows ``set_marks`` and ``sign_off`` write, the final
values coming from the grading rules (``evaluate_sheet``). Then it stores more conversations
(copies of those chats, a few messages each) up to each size in ``--conversations``.

For each exam size it prints the median wall-clock and CPU time of ``--repeat`` runs (CPU time:
this process's, or the subprocess's; it moves much less than the wall clock when other work
shares the machine) of: ``kefu exam sheets EXAM``
(the whole command as a subprocess, as the chief grader; and the storage call
``sheets()`` in process), one page of 50 rows of the results table
(``bot.storage.results_table.results_page``: first page by exam number, the last page, sorted
by total, filtered by band, flagged), and, for each conversation count, ``kefu transcripts
list`` (whole command, human listing and ``--json``; and the storage call); and the start-up of
``kefu`` itself, which every whole command pays. The ratio column is largest size / smallest
size by CPU time (10 for 4,000/400: a linear step shows about 10, a constant one about 1). The
target for a page of 50 rows is under 0.5 s at every size. ``--keep DIR`` keeps the database.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

try:
    import resource  # CPU time of the subprocesses (not on Windows: counted as 0 there)
except ImportError:  # pragma: no cover
    resource = None

from sqlalchemy import bindparam, func, insert, select, update

from bot.core.marking import FIRST, SECOND, THIRD, half_up
from bot.scripts.yaml_source import read_yaml
from bot.services import exam_grading as grading
from bot.services.app import App
from bot.services.live_chat import LiveChat
from bot.services.paths import dialogues_dir
from bot.services.settings import Settings
from bot.storage import sheets as store
from bot.storage.audit import SYSTEM, add_user, utc_now
from bot.storage.exams import Candidate, create_exam, import_roster
from bot.storage.grading_models import AuditRow, MarkerRow, MarkRow, SheetRow, SignoffRow
from bot.storage.models import ConversationRow, MessageRow
from bot.storage.telegram_models import ExamCodeRow

try:
    from bot.storage.results_table import results_page
except ImportError:  # before the results table existed: those rows print as n/a
    results_page = None

ADMIN, GRADER, SECOND_GRADER, CHIEF = "admin", "grader", "grader2", "chief"
TARGET_PAGE = 0.5  # seconds for one page of 50 rows, at every size
KEFU = str(Path(sys.executable).with_name("kefu"))
CHUNK = 20_000  # rows per executemany


Timing = tuple[float, float]  # seconds: wall clock, CPU (this process's or the command's)


def median_time(step: Callable[[], object], repeat: int) -> Timing:
    """The median wall time and CPU time of ``repeat`` runs of ``step``.

    CPU time is this process's, or for a subprocess the child's (user + system): on a machine
    that other work keeps busy the wall time grows, the CPU time much less.
    """
    walls, cpus = [], []
    for _ in range(repeat):
        before = children_cpu()
        wall, cpu = time.perf_counter(), time.process_time()
        step()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu + children_cpu() - before)
    return statistics.median(walls), statistics.median(cpus)


def children_cpu() -> float:
    if resource is None:
        return 0.0
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def kefu(url: str, *args: str) -> Callable[[], None]:
    """A whole ``kefu`` command as a subprocess, output thrown away (it must succeed)."""
    env = {**os.environ, "KEFU_DB": url, "KEFU_USER": CHIEF}

    def run() -> None:
        subprocess.run([KEFU, *args], env=env, stdout=subprocess.DEVNULL, check=True)

    return run


def insert_many(app: App, table, rows: list[dict]) -> None:
    with app.db.begin() as connection:
        for i in range(0, len(rows), CHUNK):
            connection.execute(insert(table), rows[i : i + CHUNK])


# ------------------------------------------------------------------ template chats


def test_conversations() -> dict[str, tuple[int, list[str]]]:
    out = {}
    for path in dialogues_dir().rglob("*.test.yaml"):
        data = read_yaml(path).data
        case = data["conversations"][0]
        out[data["scenario"]] = (case.get("seed", 1), [t["agent"] for t in case["turns"]])
    return out


def play_templates(app: App) -> dict[str, str]:
    """Play each scenario's first test conversation in process (exam mode); id by scenario."""
    templates = {}
    for scenario_id, (seed, lines) in sorted(test_conversations().items()):
        scenario = app.library.get(scenario_id)
        chat, _ = LiveChat.start(app, scenario, seed=seed, channel="web", mode="exam")
        for line in lines:
            if chat.finished:
                break
            chat.handle(line)
        chat.abandon()
        templates[scenario_id] = chat.id
    return templates


def copy_chats(
    app: App, copies: list[tuple[str, str, datetime, dict]], max_messages: int | None = None
) -> None:
    """Store copies of template conversations: (template id, new id, start, changed columns).

    Each copy keeps the template's columns and messages (the first ``max_messages`` of them,
    if given), with its own id and times shifted to its own start.
    """
    with app.db.connect() as connection:
        ids = {t for t, _, _, _ in copies}
        convos = {
            r["id"]: dict(r)
            for r in connection.execute(
                select(ConversationRow.__table__).where(ConversationRow.id.in_(ids))
            ).mappings()
        }
        messages: dict[str, list[dict]] = {i: [] for i in ids}
        for r in connection.execute(
            select(MessageRow.__table__)
            .where(MessageRow.conversation_id.in_(ids))
            .order_by(MessageRow.conversation_id, MessageRow.seq)
        ).mappings():
            messages[r["conversation_id"]].append(dict(r))
    convo_rows, message_rows = [], []
    for template, new, start, changes in copies:
        base = convos[template]
        shift = start - base["started_at_utc"]
        row = {**base, **changes, "id": new, "started_at_utc": start}
        if base["ended_at_utc"] is not None:
            row["ended_at_utc"] = base["ended_at_utc"] + shift
        convo_rows.append(row)
        kept = messages[template][:max_messages]
        for m in kept:
            at = None if m["at_utc"] is None else m["at_utc"] + shift
            message_rows.append(
                {**m, "id": None, "conversation_id": new, "at_utc": at, "client_id": None}
            )
    for m in message_rows:
        del m["id"]
    insert_many(app, ConversationRow.__table__, convo_rows)
    insert_many(app, MessageRow.__table__, message_rows)


def chat_id(start: datetime, n: int) -> str:
    return f"{start:%Y%m%d-%H%M%S}-{n % 65536:04x}"


# ------------------------------------------------------------------ an exam


def build_exam(app: App, n: int, templates: dict[str, str], serial: list[int]) -> int:
    """An exam of n candidates: roster, draw, chats, scores, marks, sign-offs. Return its id."""
    exam_id = create_exam(app.db, f"bench {n}", "2026-06-10", "both", ADMIN)
    people = [
        Candidate(f"{exam_id:02d}{i:06d}", f"考生{i}", f"电商{2301 + i % 12}班", "学校", i + 2)
        for i in range(n)
    ]
    import_roster(app.db, exam_id, people, ADMIN, "bench")
    grading.draw_exam(app, exam_id, 2026 + n)
    drawn = store.sheets(app.db, exam_id)

    # Finished chats: a copy of the scenario's template chat per customer-service candidate.
    start = datetime(2026, 6, 10, 1, 0, 0)
    copies, used = [], []
    for i, sheet in enumerate(s for s in drawn if s.code is not None):
        at = start + timedelta(seconds=7 * i)
        serial[0] += 1
        new = chat_id(at, serial[0])
        copies.append(
            (
                templates[sheet.scenario_id or ""],
                new,
                at,
                {"candidate": sheet.exam_number, "scenario_hash": sheet.scenario_hash},
            )
        )
        used.append({"c": sheet.code, "conversation_id": new, "used_at_utc": at})
    copy_chats(app, copies)
    codes = ExamCodeRow.__table__
    with app.db.begin() as connection:
        connection.execute(
            update(codes)
            .where(codes.c.code == bindparam("c"))
            .values(
                conversation_id=bindparam("conversation_id"), used_at_utc=bindparam("used_at_utc")
            ),
            used,
        )

    # Scores into sheets: each scenario's chat scored and carried into its form once.
    drawn = store.sheets(app.db, exam_id)
    carried: dict[tuple[str, str], tuple[dict, float]] = {}
    auto_updates, audit = [], []
    now = utc_now()
    for sheet in drawn:
        if sheet.conversation_id is None:
            continue
        key = (sheet.scenario_id or "", sheet.form_id)
        if key not in carried:
            result = grading.chat_auto(app, sheet)
            assert result is not None
            carried[key] = result
        auto, total = carried[key]
        auto_updates.append(
            {
                "sid": sheet.id,
                "auto": {k: [v.points, list(v.evidence), v.comment] for k, v in auto.items()},
                "auto_total": total,
            }
        )
        audit += [
            audit_row(
                sheet, SYSTEM, "auto", now, row_id=k, after=v.points, reason="对话结束，自动评分"
            )
            for k, v in auto.items()
        ]
    sheets_table = SheetRow.__table__
    with app.db.begin() as connection:
        connection.execute(
            update(sheets_table)
            .where(sheets_table.c.id == bindparam("sid"))
            .values(auto=bindparam("auto"), auto_total=bindparam("auto_total")),
            auto_updates,
        )
    insert_many(app, AuditRow.__table__, audit)

    # Marks: 90% marked in round 1 (5% of those partly), 30% of the rest double-marked, a third
    # of those flagged on one row, half of the flagged arbitrated.
    rng = random.Random(n)
    drawn = store.sheets(app.db, exam_id)
    markers, marks, audit = [], [], []
    threshold = drawn[0].threshold
    for sheet in drawn:
        if rng.random() < 0.10:
            continue
        form = grading.form_of(app, sheet)
        auto = sheet.auto or {}
        rows = [r for r in form.items if r.id not in auto]
        if not rows:
            continue
        level = rng.uniform(0.35, 1.0)
        first = {r.id: half_up(r.max * min(1.0, level * rng.uniform(0.85, 1.1))) for r in rows}
        if rng.random() < 0.05:
            first = dict(list(first.items())[: len(first) // 2])
        rounds = {FIRST: (GRADER, first)}
        if len(first) == len(rows) and rng.random() < 0.30:
            second = {k: max(0.0, v - 0.5 * rng.randint(0, 2)) for k, v in first.items()}
            if rng.random() < 1 / 3:
                flagged = next(iter(second))
                second[flagged] = max(0.0, first[flagged] - threshold - 1)
                if second[flagged] == first[flagged]:
                    second[flagged] = first[flagged] + threshold + 1  # a row marked 0 first
                if rng.random() < 0.5:
                    rounds[THIRD] = (CHIEF, {flagged: first[flagged]})
            rounds[SECOND] = (SECOND_GRADER, second)
        for round_, (grader, values) in sorted(rounds.items()):
            markers.append({"sheet_id": sheet.id, "round": round_, "grader": grader})
            audit.append(audit_row(sheet, grader, "marker", now, after=f"第 {round_} 评"))
            for row_id, points in values.items():
                marks.append(
                    {
                        "sheet_id": sheet.id,
                        "round": round_,
                        "row_id": row_id,
                        "points": points,
                        "reason": "",
                    }
                )
                audit.append(
                    audit_row(sheet, grader, "mark", now, row_id=f"{row_id}@{round_}", after=points)
                )
    insert_many(app, MarkerRow.__table__, markers)
    insert_many(app, MarkRow.__table__, marks)
    insert_many(app, AuditRow.__table__, audit)

    # Sign-offs: of the complete sheets, 60% finalised, 10% with one of two signatures.
    signoffs, finals, audit = [], [], []
    for sheet in store.sheets(app.db, exam_id):
        result = grading.evaluate_sheet(app, sheet)
        if result.total is None or rng.random() < 0.3:
            continue
        needed = result.signoffs_needed
        signers = [GRADER, SECOND_GRADER if THIRD not in sheet.markers else CHIEF][:needed]
        if needed == 2 and rng.random() < 0.15:
            signers = signers[:1]
        locked = {r.row.id: r.final for r in result.rows if r.final is not None}
        total = sum(locked.values())
        for who in signers:
            signoffs.append({"sheet_id": sheet.id, "grader": who, "at_utc": now})
            audit.append(audit_row(sheet, who, "signoff", now, after=total))
        if len(signers) == needed:
            finals.append({"sid": sheet.id, "locked": locked})
            audit.append(
                audit_row(
                    sheet,
                    signers[-1],
                    "finalise",
                    now,
                    after=total,
                    reason=f"签字：{'、'.join(signers)}",
                )
            )
    insert_many(app, SignoffRow.__table__, signoffs)
    with app.db.begin() as connection:
        connection.execute(
            update(sheets_table)
            .where(sheets_table.c.id == bindparam("sid"))
            .values(final=True, locked=bindparam("locked")),
            finals,
        )
    insert_many(app, AuditRow.__table__, audit)
    return exam_id


def audit_row(sheet: store.Sheet, actor: str, action: str, at: datetime, **fields) -> dict:
    after = fields.get("after")
    return {
        "at_utc": at,
        "actor": actor,
        "action": action,
        "exam_id": sheet.exam_id,
        "sheet_id": sheet.id,
        "exam_number": sheet.exam_number,
        "row_id": fields.get("row_id"),
        "before": None,
        "after": f"{after:g}"
        if isinstance(after, float)
        else None
        if after is None
        else str(after),
        "reason": fields.get("reason", ""),
    }


def add_conversations(app: App, templates: dict[str, str], upto: int, serial: list[int]) -> None:
    """Store practice conversations (copies, 3 to 8 messages) until there are ``upto``."""
    with app.db.connect() as connection:
        have = connection.scalar(select(func.count()).select_from(ConversationRow))
    rng = random.Random(upto)
    sources = list(templates.values())
    start = datetime(2026, 3, 1)
    by_length: dict[int, list[tuple[str, str, datetime, dict]]] = {}
    for _ in range(upto - have):
        serial[0] += 1
        at = start + timedelta(seconds=61 * serial[0])
        changes = {"mode": "practice", "channel": rng.choice(["terminal", "web", "telegram"])}
        changes["candidate"] = None
        by_length.setdefault(rng.randint(3, 8), []).append(
            (rng.choice(sources), chat_id(at, serial[0]), at, changes)
        )
    for length, copies in by_length.items():
        copy_chats(app, copies, max_messages=length)


# ------------------------------------------------------------------ main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--candidates", type=int, nargs="+", default=[400, 4000])
    parser.add_argument("--conversations", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--keep", metavar="DIR", type=Path, help="build the database in DIR and keep it there"
    )
    args = parser.parse_args()
    results: dict[str, dict[int, Timing | None]] = {}

    def put(step: str, size: int, timing: Timing | None) -> None:
        results.setdefault(step, {})[size] = timing
        shown = "n/a" if timing is None else f"{timing[0]:.3f} s (CPU {timing[1]:.3f} s)"
        print(f"  {step:<44} {size:>7}: {shown}", flush=True)

    with tempfile.TemporaryDirectory() as temporary:
        folder = args.keep or temporary
        if args.keep:
            args.keep.mkdir(parents=True, exist_ok=True)
            (args.keep / "scale.db").unlink(missing_ok=True)
        url = f"sqlite:///{Path(folder) / 'scale.db'}"
        settings = Settings.resolve({"db": url})
        app = App(replace(settings, user=ADMIN))
        for name, role in (
            (ADMIN, "admin"),
            (GRADER, "grader"),
            (SECOND_GRADER, "grader"),
            (CHIEF, "chief_grader"),
        ):
            add_user(app.db, name, role, ADMIN)
        print(f"load average at the start: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
        start = time.perf_counter()
        templates = play_templates(app)
        serial = [0]
        exams = {}
        for n in args.candidates:
            exams[n] = build_exam(app, n, templates, serial)
            print(f"built the exam of {n} ({time.perf_counter() - start:.0f} s)", flush=True)
        chief = App(replace(settings, user=CHIEF))
        for n, exam_id in exams.items():
            print(f"exam of {n} candidates (exam {exam_id}):")
            put(
                "kefu exam sheets (subprocess)",
                n,
                median_time(kefu(url, "exam", "sheets", str(exam_id)), args.repeat),
            )
            put(
                "sheets() (storage, in process)",
                n,
                median_time(lambda e=exam_id: store.sheets(chief.db, e), args.repeat),
            )
            if results_page is None:
                for step in ("first", "last", "by total", "band=pass", "flagged"):
                    put(f"results page of 50: {step}", n, None)
                continue

            def page(e=exam_id, **query):
                return lambda: results_page(
                    chief.db, e, lambda s: grading.evaluate_sheet(chief, s), limit=50, **query
                )

            put("results page of 50: first, by exam number", n, median_time(page(), args.repeat))
            put(
                "results page of 50: last, by exam number",
                n,
                median_time(page(offset=n - 50), args.repeat),
            )
            put(
                "results page of 50: by total, descending",
                n,
                median_time(page(sort="total", descending=True), args.repeat),
            )
            put("results page of 50: band=pass", n, median_time(page(band="pass"), args.repeat))
            put("results page of 50: flagged", n, median_time(page(flagged=True), args.repeat))
        from bot.storage import list_conversations

        for count in args.conversations:
            add_conversations(app, templates, count, serial)
            print(f"{count} conversations stored ({time.perf_counter() - start:.0f} s):")
            put(
                "kefu transcripts list (subprocess)",
                count,
                median_time(kefu(url, "transcripts", "list"), args.repeat),
            )
            put(
                "kefu transcripts list --json (subprocess)",
                count,
                median_time(kefu(url, "transcripts", "list", "--json"), args.repeat),
            )
            put(
                "list_conversations() (storage, all)",
                count,
                median_time(lambda: list_conversations(app.db), args.repeat),
            )
            put(
                "list_conversations(limit=50) (storage)",
                count,
                median_time(lambda: list_conversations(app.db, limit=50), args.repeat),
            )
        put("kefu --version (start-up, subprocess)", 0, median_time(kefu(url, "--version"), 3))
        app.db.dispose()
        chief.db.dispose()

    print()
    print("wall clock (CPU) in seconds; ratio of the largest size to the smallest, by CPU time")
    print(f"{'step':<44}{'smallest':>18}{'largest':>18}{'ratio':>7}  target")
    for step, sizes in results.items():
        if len(sizes) < 2:
            continue
        small, large = sizes[min(sizes)], sizes[max(sizes)]
        shown = [
            f"{'n/a':>18}" if t is None else f"{t[0]:>9.3f} ({t[1]:.3f})" for t in (small, large)
        ]
        ratio = f"{large[1] / small[1]:7.1f}" if small and large and small[1] else f"{'':>7}"
        target = ""
        if step.startswith("results page"):
            known = [t for t in sizes.values() if t is not None]
            if not known:
                target = "n/a"
            else:
                wall = max(t[0] for t in known) < TARGET_PAGE
                cpu = max(t[1] for t in known) < TARGET_PAGE
                target = (
                    f"< {TARGET_PAGE} s at every size: wall {'met' if wall else 'MISSED'}, "
                    f"CPU {'met' if cpu else 'MISSED'}"
                )
        print(f"{step:<44}{shown[0]}{shown[1]}{ratio}  {target}")
    print(f"sizes: exams of {args.candidates} candidates; {args.conversations} conversations")
    print(f"load average at the end: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
