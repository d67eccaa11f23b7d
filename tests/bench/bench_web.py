"""Benchmark: N candidates at their seats against one real ``kefu web`` process on SQLite.

Not a test (pytest does not collect it). Run it from the checkout:

    .venv/bin/python tests/bench/bench_web.py [--n 99 300] [--seconds 60] [--seed 1]

For each N it makes a fresh SQLite file and ``--codes-per-seat`` x N access codes for
presale-dress-size (``kefu exam codes``), and starts ``kefu web`` on 127.0.0.1 with the typing
delay, the nudges and the exam clock off (KEFU_WEB_TYPING_DELAY=0, KEFU_NUDGE_SECONDS=0,
KEFU_EXAM_MINUTES=0). Then, over the protocol the page itself uses (not a browser), N seats log
in 20 at a time (``POST /exam`` with a code and a 准考证号, ``POST /seat/start``, the WebSocket
``/seat/ws`` and its ``hello``); that is timed apart. In the timed phase (``--seconds``) every
seat sends one agent message (``say``) every 5-15 s (uniform, seeded; the first within 10 s),
never before the reply to its previous one, and a ``ping`` every 20 s. The agent lines are
those of dialogues/presale/dress-size.test.yaml, all cases one after another, each seat
starting at a random line. When a seat's chat ends (``state.finished``), the seat closes its
socket and logs in with its next code, keeping its pace; a seat whose codes are used up sits
idle (counted: the default gives every seat more codes than it can use up).

It prints, for each N, the p50 / p90 / p99 / max time from sending a ``say`` frame to receiving
the ``update`` frame with that id (the one that carries the customer's reply; a reply that the
page's watcher pushed first, in a frame without id, is counted apart), the messages and the
errors (a refused message, a reply missing or later than 30 s, a message or an id delivered
twice, a failed login or connection, a ping still without pong 30 s after the last message; a
ping in flight when a finished chat's page goes is not one), the re-logins' and the pings'
times, the server's peak RSS (VmRSS of /proc/PID/status, sampled every second) and CPU time,
the client's own CPU time and the machine's load average (this machine has 2 cores: other work
on it shows in the figures), and at the end p99 at the largest N over p99 at the smallest,
against the targets: p99 under 300 ms at N = 99, and no error at N = 300. The defaults take
about 4 minutes; everything stops by itself and the server is stopped at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from bot.scripts.yaml_source import read_yaml
from bot.services.paths import dialogues_dir

KEFU = str(Path(sys.executable).with_name("kefu"))
HOST = "127.0.0.1"
SCENARIO = "presale-dress-size"
TEST_FILE = Path("presale") / "dress-size.test.yaml"
GAP = (5.0, 15.0)  # seconds between one seat's messages
FIRST = 10.0  # a seat's first message comes within this many seconds
PING_SECONDS = 20.0  # the page's heartbeat (server.HEARTBEAT_SECONDS)
REPLY_TIMEOUT = 30.0  # a reply later than this is counted missing
LOGIN_AT_ONCE = 20
TARGET_P99_MS = 300.0
ERROR_KINDS = ("refused", "missing", "doubled", "connection", "pong")
TICK = os.sysconf("SC_CLK_TCK")


def agent_lines() -> list[str]:
    data = read_yaml(dialogues_dir() / TEST_FILE).data
    return [t["agent"] for case in data["conversations"] for t in case["turns"]]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


@dataclass
class Stats:
    """What all seats of one run saw."""

    latencies: list[float] = field(default_factory=list)  # seconds, say -> its update frame
    relogins: list[float] = field(default_factory=list)  # seconds, next code's login to hello
    errors: Counter[str] = field(default_factory=Counter)
    samples: list[str] = field(default_factory=list)  # the first few errors, said in full
    messages: int = 0
    early: int = 0  # replies pushed by the page's watcher before the frame with their id
    chats_finished: int = 0
    idle_seats: int = 0
    pings: int = 0
    pings_dropped: int = 0  # in flight when a finished chat's page went (not an error)
    pongs: list[float] = field(default_factory=list)  # seconds, ping -> pong

    def error(self, kind: str, detail: str) -> None:
        self.errors[kind] += 1
        if len(self.samples) < 8:
            self.samples.append(f"{kind}: {detail}")


@dataclass
class Turn:
    """One message in flight."""

    id: str
    after: int  # the last seq the seat had seen when it sent the message
    done: asyncio.Event = field(default_factory=asyncio.Event)
    acked_at: float | None = None
    reply_seen: bool = False
    reply_in_frame: bool = False
    failed: str = ""


class Seat:
    """One simulated browser: its codes, its cookie's HTTP client, its WebSocket."""

    def __init__(
        self, index: int, codes: list[str], base: str, stats: Stats, rng: random.Random
    ) -> None:
        self.index, self.codes, self.base, self.stats, self.rng = index, codes, base, stats, rng
        self.used = 0
        self.http = httpx.AsyncClient(base_url=base, trust_env=False, timeout=REPLY_TIMEOUT)
        self.ws: ClientConnection | None = None
        self.tasks: list[asyncio.Task[None]] = []
        self.closing = False
        self.seen: set[int] = set()
        self.acked: set[str] = set()
        self.late: set[str] = set()  # ids whose reply was counted missing
        self.last = -1
        self.finished = False
        self.turn: Turn | None = None
        self.hello: asyncio.Future[None] | None = None
        self.pings: deque[float] = deque()  # when each unanswered ping was sent
        self.sent = 0

    async def login(self) -> bool:
        """Log in with the next code and open the live channel; False when none is left or
        it failed (counted)."""
        await self.disconnect(wait=0.0)  # the page reloads when a chat ends: pings in flight go
        if self.used >= len(self.codes):
            return False
        code = self.codes[self.used]
        self.used += 1
        try:
            r = await self.http.post(
                "/exam", data={"code": code, "exam_number": str(2026 + self.index)}
            )
            token = r.cookies.get("kefu_seat")
            if r.status_code != 303 or not token:
                self.stats.error("refused", f"POST /exam {r.status_code} {r.text[:120]!r}")
                return False
            r = await self.http.post("/seat/start")
            if r.status_code != 303 or "notice=" in r.headers.get("location", ""):
                self.stats.error("refused", f"POST /seat/start {r.status_code} {r.headers}")
                return False
            self.ws = await connect(
                f"ws://{HOST}:{self.base.rsplit(':', 1)[1]}/seat/ws",
                additional_headers={"Cookie": f"kefu_seat={token}"},
                proxy=None,
                open_timeout=REPLY_TIMEOUT,
                ping_interval=None,  # the page has no protocol pings, only its own heartbeat
            )
        except (OSError, httpx.HTTPError, asyncio.TimeoutError) as exc:
            self.stats.error("connection", f"login: {exc!r}")
            return False
        self.closing, self.finished = False, False
        self.seen, self.last = set(), -1
        self.hello = asyncio.get_running_loop().create_future()
        self.tasks = [asyncio.create_task(self.receive(self.ws))]
        await self.ws.send(json.dumps({"type": "hello", "after": -1}))
        try:
            await asyncio.wait_for(asyncio.shield(self.hello), REPLY_TIMEOUT)
        except asyncio.TimeoutError:
            self.stats.error("missing", "no update frame after hello")
            return False
        return not self.finished

    async def disconnect(self, wait: float = REPLY_TIMEOUT) -> None:
        """Close the socket, after waiting up to ``wait`` seconds for the pongs owed."""
        if self.ws is None:
            return
        until = time.perf_counter() + wait
        while self.pings and time.perf_counter() < until:
            await asyncio.sleep(0.1)
        self.closing = True
        for task in self.tasks:
            if task is not asyncio.current_task():
                task.cancel()
        for task in self.tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        with contextlib.suppress(Exception):
            await self.ws.close()
        if self.pings and wait > 0:
            self.stats.error("pong", f"seat {self.index}: {len(self.pings)} ping(s) unanswered")
        elif self.pings:
            self.stats.pings_dropped += len(self.pings)
        self.pings.clear()
        self.ws, self.tasks = None, []

    async def receive(self, ws: ClientConnection) -> None:
        try:
            async for raw in ws:
                at = time.perf_counter()
                self.frame(json.loads(raw), at)
        except ConnectionClosed as exc:
            if not self.closing:
                self.stats.error("connection", f"seat {self.index}: socket closed: {exc!r}")
        finally:
            if not self.closing and self.turn is not None and not self.turn.done.is_set():
                self.turn.failed = "connection"
                self.turn.done.set()

    def frame(self, frame: dict[str, Any], at: float) -> None:
        kind = frame.get("type")
        turn = self.turn
        if kind == "update":
            for m in frame.get("messages") or []:
                seq = m["seq"]
                if seq in self.seen:
                    self.stats.error("doubled", f"seat {self.index}: message {seq} sent twice")
                self.seen.add(seq)
                self.last = max(self.last, seq)
                if turn is not None and m["role"] == "customer" and seq > turn.after:
                    if not turn.reply_seen:
                        turn.reply_in_frame = frame.get("id") == turn.id
                    turn.reply_seen = True
            self.finished = bool((frame.get("state") or {}).get("finished"))
            client_id = frame.get("id")
            if client_id is not None:
                if client_id in self.late:
                    self.late.discard(client_id)
                elif client_id in self.acked:
                    self.stats.error("doubled", f"seat {self.index}: id {client_id} answered twice")
                elif turn is not None and client_id == turn.id:
                    self.acked.add(client_id)
                    turn.acked_at = at
                    turn.done.set()
                else:
                    self.stats.error("doubled", f"seat {self.index}: an update for id {client_id}")
            elif self.hello is not None and not self.hello.done():
                self.hello.set_result(None)
        elif kind == "pong":
            if self.pings:
                self.stats.pongs.append(at - self.pings.popleft())
            else:
                self.stats.error("doubled", f"seat {self.index}: a pong without a ping")
        elif kind in ("error", "refused"):
            self.stats.error("refused", f"seat {self.index}: {frame}")
            if turn is not None and (kind == "refused" or frame.get("id") == turn.id):
                turn.failed = "refused"
                turn.done.set()
        elif kind != "typing":
            self.stats.error("refused", f"seat {self.index}: unexpected frame {frame}")

    async def heartbeat(self, ws: ClientConnection) -> None:
        await asyncio.sleep(self.rng.uniform(0, PING_SECONDS))
        while True:
            self.pings.append(time.perf_counter())
            self.stats.pings += 1
            await ws.send(json.dumps({"type": "ping"}))
            await asyncio.sleep(PING_SECONDS)

    async def say(self, text: str) -> None:
        assert self.ws is not None
        self.sent += 1
        turn = Turn(
            id=f"bench-{self.index}-{self.sent}-{self.rng.getrandbits(32):08x}", after=self.last
        )
        self.turn = turn
        self.stats.messages += 1
        started = time.perf_counter()
        try:
            await self.ws.send(json.dumps({"type": "say", "id": turn.id, "text": text}))
            await asyncio.wait_for(turn.done.wait(), REPLY_TIMEOUT)
        except asyncio.TimeoutError:
            self.late.add(turn.id)
            self.stats.error("missing", f"seat {self.index}: no reply in {REPLY_TIMEOUT:.0f} s")
            return
        except ConnectionClosed as exc:
            self.stats.error("connection", f"seat {self.index}: send failed: {exc!r}")
            return
        finally:
            self.turn = None
        if turn.failed or turn.acked_at is None:
            return  # counted where it was seen
        self.stats.latencies.append(turn.acked_at - started)
        if not turn.reply_seen:
            self.stats.error("missing", f"seat {self.index}: update {turn.id} without a reply")
        elif not turn.reply_in_frame:
            self.stats.early += 1

    async def run(self, lines: list[str], started: float, deadline: float) -> None:
        """The timed phase: a message every 5-15 s until the deadline."""
        position = self.rng.randrange(len(lines))
        due = started + self.rng.uniform(0, FIRST)
        if self.ws is not None:
            self.tasks.append(asyncio.create_task(self.heartbeat(self.ws)))
        while self.ws is not None and due < deadline:
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
            sent = time.perf_counter()
            await self.say(lines[position % len(lines)])
            position += 1
            due = sent + self.rng.uniform(*GAP)
            if self.finished:
                self.stats.chats_finished += 1
                begun = time.perf_counter()
                if await self.login():
                    self.stats.relogins.append(time.perf_counter() - begun)
                    assert self.ws is not None
                    self.tasks.append(asyncio.create_task(self.heartbeat(self.ws)))
                elif self.used >= len(self.codes):
                    self.stats.idle_seats += 1
        await self.disconnect()

    async def close(self) -> None:
        await self.disconnect()
        await self.http.aclose()


class Sampler:
    """The server process's memory and CPU from /proc, every second."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.peak_rss = 0  # kB
        self.peak_threads = 0

    def status(self) -> dict[str, str]:
        with open(f"/proc/{self.pid}/status", encoding="ascii") as f:
            return dict(line.split(":", 1) for line in f if ":" in line)

    def sample(self) -> None:
        with contextlib.suppress(OSError, ValueError):
            status = self.status()
            self.peak_rss = max(self.peak_rss, int(status["VmRSS"].split()[0]))
            self.peak_threads = max(self.peak_threads, int(status["Threads"]))

    def cpu(self) -> float:
        with open(f"/proc/{self.pid}/stat", encoding="ascii") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / TICK  # utime + stime

    async def run(self) -> None:
        while True:
            self.sample()
            await asyncio.sleep(1.0)


ADMIN = "考务"  # access codes are an admin's (issue 16)


def make_codes(db: str, count: int, env: dict[str, str]) -> list[str]:
    subprocess.run(  # the first user needs no --as; later runs find it there already
        [KEFU, "--db", db, "--as", ADMIN, "user", "add", ADMIN, "--role", "admin"],
        env=env,
        capture_output=True,
        timeout=120,
    )
    out = subprocess.run(
        [
            KEFU,
            "--db",
            db,
            "--as",
            ADMIN,
            "exam",
            "codes",
            "--scenario",
            SCENARIO,
            "--count",
            str(count),
        ],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    codes = [line.strip() for line in out.stdout.splitlines() if line.strip()]
    if len(codes) != count:
        raise SystemExit(f"kefu exam codes made {len(codes)} codes, not {count}:\n{out.stderr}")
    return codes


async def wait_healthy(base: str, proc: subprocess.Popen[bytes], timeout: float) -> None:
    async with httpx.AsyncClient(base_url=base, trust_env=False, timeout=2) as client:
        until = time.monotonic() + timeout
        while time.monotonic() < until:
            if proc.poll() is not None:
                raise SystemExit(f"kefu web exited with {proc.returncode}")
            with contextlib.suppress(httpx.HTTPError):
                r = await client.get("/health")
                if r.status_code == 200 and r.text == "ok":
                    return
            await asyncio.sleep(0.2)
    raise SystemExit(f"kefu web did not answer /health in {timeout:.0f} s")


async def measure(
    n: int, seconds: float, codes: list[str], base: str, pid: int, seed: int, per_seat: int
) -> dict[str, Any]:
    stats = Stats()
    lines = agent_lines()
    sampler = Sampler(pid)
    sampling = asyncio.create_task(sampler.run())
    seats = [
        Seat(
            i, codes[i * per_seat : (i + 1) * per_seat], base, stats, random.Random(seed * 7919 + i)
        )
        for i in range(n)
    ]
    gate = asyncio.Semaphore(LOGIN_AT_ONCE)

    async def first_login(seat: Seat) -> None:
        async with gate:
            if not await seat.login():
                await seat.disconnect()

    begun = time.perf_counter()
    await asyncio.gather(*(first_login(s) for s in seats))
    login_seconds = time.perf_counter() - begun
    logged_in = sum(s.ws is not None for s in seats)

    load_before = os.getloadavg()[0]
    cpu_client, cpu_server = time.process_time(), sampler.cpu()
    started = time.perf_counter()
    deadline = started + seconds
    try:
        await asyncio.wait_for(
            asyncio.gather(*(s.run(lines, started, deadline) for s in seats)),
            seconds + 4 * REPLY_TIMEOUT,
        )
    except asyncio.TimeoutError:
        stats.error("missing", "the timed phase overran its bound")
    elapsed = time.perf_counter() - started
    cpu_client, cpu_server = time.process_time() - cpu_client, sampler.cpu() - cpu_server
    load = (load_before, os.getloadavg()[0])
    sampler.sample()
    sampling.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await sampling
    await asyncio.gather(*(s.close() for s in seats))
    return {
        "stats": stats,
        "login_seconds": login_seconds,
        "logged_in": logged_in,
        "elapsed": elapsed,
        "cpu_client": cpu_client,
        "cpu_server": cpu_server,
        "rss": sampler.peak_rss,
        "load": load,
        "threads": sampler.peak_threads,
    }


def run(n: int, seconds: float, seed: int, per_seat: int, folder: Path) -> dict[str, Any]:
    db = f"sqlite:///{folder / f'web-{n}.db'}"
    env = {k: v for k, v in os.environ.items() if k.lower() not in ("http_proxy", "https_proxy")}
    env.update(
        KEFU_WEB_TYPING_DELAY="0", KEFU_NUDGE_SECONDS="0", KEFU_EXAM_MINUTES="0", NO_PROXY=HOST
    )
    codes = make_codes(db, n * per_seat, env)
    port = free_port()
    base = f"http://{HOST}:{port}"
    log = folder / f"web-{n}.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [KEFU, "--db", db, "web", "--host", HOST, "--port", str(port)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            asyncio.run(wait_healthy(base, proc, 60))
            result = asyncio.run(measure(n, seconds, codes, base, proc.pid, seed, per_seat))
        finally:
            proc.terminate()
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(10)
    text = log.read_text(encoding="utf-8", errors="replace")
    result["server_tracebacks"] = text.count("Traceback")
    result["server_log_tail"] = text[-2000:]
    return result


def spread(seconds: list[float]) -> str:
    if not seconds:
        return "none"
    ms = [x * 1000 for x in seconds]
    return (
        f"p50 {percentile(ms, 0.50):.0f} ms, p90 {percentile(ms, 0.90):.0f} ms, "
        f"p99 {percentile(ms, 0.99):.0f} ms, max {max(ms):.0f} ms"
    )


def report(n: int, r: dict[str, Any], seconds: float) -> None:
    s: Stats = r["stats"]
    errors = sum(s.errors.values())
    kinds = ", ".join(f"{k} {s.errors[k]}" for k in ERROR_KINDS)
    offered = n / ((GAP[0] + GAP[1]) / 2)
    lines = [
        f"{r['logged_in']}/{n} seats logged in (POST /exam, POST /seat/start, WebSocket, hello; "
        f"{LOGIN_AT_ONCE} at a time) in {r['login_seconds']:.1f} s",
        f"timed phase {seconds:.0f} s (then {max(0.0, r['elapsed'] - seconds):.1f} s for the "
        f"last replies and pongs): {s.messages} messages = {s.messages / seconds:.1f}/s "
        f"(offered about {offered:.1f}/s)",
        f"say -> reply: {spread(s.latencies)}",
        f"errors: {errors} ({kinds})",
        f"chats finished {s.chats_finished}, logged in again {len(s.relogins)} "
        f"(login to hello: {spread(s.relogins)}); seats idle with codes used up {s.idle_seats}; "
        f"replies pushed before the frame with their id {s.early}",
        f"pings {s.pings}, pongs {len(s.pongs)} (ping -> pong: {spread(s.pongs)}), pings in "
        f"flight when a finished chat's socket closed {s.pings_dropped}",
        f"server: peak RSS {r['rss'] / 1024:.1f} MiB, peak threads {r['threads']}, "
        f"CPU {r['cpu_server']:.1f} s = {100 * r['cpu_server'] / r['elapsed']:.0f}% of a core; "
        f"tracebacks in its log {r['server_tracebacks']}",
        f"client (this process): CPU {r['cpu_client']:.1f} s = "
        f"{100 * r['cpu_client'] / r['elapsed']:.0f}% of a core; {os.cpu_count()} cores, shared; "
        f"1-minute load average {r['load'][0]:.1f} before, {r['load'][1]:.1f} after"
        + (
            " (above the core count: other processes competed for the cores)"
            if max(r["load"]) > (os.cpu_count() or 1)
            else ""
        ),
        *(f"  e.g. {line}" for line in s.samples),
    ]
    for line in lines:
        print(f"N={n}: {line}", flush=True)
    if errors and r["server_tracebacks"]:
        print(f"N={n}: server log, last lines:\n{r['server_log_tail']}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--n", type=int, nargs="+", default=[99, 300], help="seats per run (default 99 300)"
    )
    parser.add_argument(
        "--seconds", type=float, default=60.0, help="timed phase per N (default 60)"
    )
    parser.add_argument(
        "--seed", type=int, default=1, help="the seats' random pace and lines (default 1)"
    )
    parser.add_argument(
        "--codes-per-seat",
        type=int,
        default=0,
        help="codes per seat, one per chat (default: enough for a chat every 3 messages)",
    )
    args = parser.parse_args()
    if min(args.n) < 1 or args.seconds <= 0:
        parser.error("--n and --seconds must be positive")
    per_seat = args.codes_per_seat or 2 + int(args.seconds / (3 * GAP[0]))
    print(
        f"kefu web on SQLite, {HOST} only; typing delay, nudges and exam clock off; each seat a "
        f"message every {GAP[0]:.0f}-{GAP[1]:.0f} s for {args.seconds:.0f} s, "
        f"{per_seat} codes per seat; seed {args.seed}",
        flush=True,
    )
    results: dict[int, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.n:
            results[n] = run(n, args.seconds, args.seed, per_seat, Path(tmp))
            report(n, results[n], args.seconds)

    def p99(n: int) -> float | None:
        ms = results[n]["stats"].latencies
        return percentile(ms, 0.99) * 1000 if ms else None

    small, large = min(results), max(results)
    if small != large and p99(small) and p99(large):
        print(f"p99(N={large}) / p99(N={small}) = {p99(large) / p99(small):.2f}", flush=True)
    for n, want in ((99, "p99 < 300 ms"), (300, "no error")):
        if n not in results:
            print(f"target at N={n} ({want}): not run", flush=True)
            continue
        if n == 99:
            got = p99(n)
            ok = got is not None and got < TARGET_P99_MS
            shown = f"p99 {got:.0f} ms" if got is not None else "no reply"
        else:
            errors = sum(results[n]["stats"].errors.values())
            ok, shown = errors == 0, f"{errors} errors"
        print(f"target at N={n}: {want}: {shown}: {'met' if ok else 'NOT met'}", flush=True)


if __name__ == "__main__":
    main()
