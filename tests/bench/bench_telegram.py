"""Benchmark: N simulated candidates against the real ``kefu telegram`` on SQLite.

Not a test (pytest does not collect it). Run it from the checkout:

    .venv/bin/python tests/bench/bench_telegram.py [--n 30 300] [--turns 3]

For each N it starts the loopback Bot API server (tests/telegram_api/fake_bot_api.py) and the
real ``kefu telegram`` process on a fresh SQLite file (typing delay off), lets N candidates each
start a practice conversation and send ``--turns`` messages, spaced so that the offered load is
about 20 messages a second (under Telegram's 30/s), and prints replies per second and the p50 /
p99 time from an update being served to the bot (a getUpdates answer) to the bot's first reply
to that chat arriving. It runs twice per N: with the rate limits as in production (1 s per chat,
30/s per bot) and with them off, and prints the sender's deliberate waits from its log, so that
the cost of pacing is seen apart from the cost of kefu itself.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
KEFU = str(Path(sys.executable).with_name("kefu"))
DRESS = "presale-dress-size"
TURNS = (
    "亲，您好～欢迎光临小鹿女装，我是客服小鹿，有什么可以帮您的呢？",
    "亲，请问您的身高体重大概是多少呢？平时穿衣喜欢宽松一点还是合身一点？",
    "根据您的身材推荐您拍M码，这款是收腰A字版型，腰部有松紧，宽松舒适又显瘦哦",
    "亲，这已经是活动价了，不过下单可以送您运费险，还包邮哦，收到不合适也没有后顾之忧",
)
OFFERED_RATE = 20.0  # candidate messages per second, all candidates together


def load_fake_api():
    path = HERE.parent / "telegram_api" / "fake_bot_api.py"
    spec = importlib.util.spec_from_file_location("fake_bot_api", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["fake_bot_api"] = module
    spec.loader.exec_module(module)
    return module.FakeBotApi


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def run(n: int, turns: int, limits: bool, folder: Path) -> dict[str, float]:
    fake_bot_api = load_fake_api()
    api = fake_bot_api().start()
    db = folder / f"bench-{n}-{'on' if limits else 'off'}.db"
    log = folder / f"bench-{n}-{'on' if limits else 'off'}.log"
    env = {k: v for k, v in os.environ.items() if k.lower() not in ("http_proxy", "https_proxy")}
    env.update(api.env)
    env.update(
        KEFU_DB=f"sqlite:///{db}",
        KEFU_TELEGRAM_POLL_TIMEOUT="1",
        KEFU_NUDGE_SECONDS="0",
        PTB_TIMEDELTA="true",
        NO_PROXY="127.0.0.1",
    )
    if not limits:
        env.update(KEFU_TELEGRAM_CHAT_INTERVAL="0", KEFU_TELEGRAM_RATE="0")
    with open(log, "wb") as out:
        proc = subprocess.Popen([KEFU, "telegram"], env=env, stdout=out, stderr=subprocess.STDOUT)
        try:
            api.wait_until_polling(60)
            think = max(1.5, n / OFFERED_RATE)  # each candidate's gap between messages
            chats = [10_000 + i for i in range(n)]
            plan = []
            for i, chat in enumerate(chats):
                offset = think * i / n
                plan.append((offset, chat, f"/practice {DRESS}"))
                for k, text in enumerate(TURNS[:turns]):
                    plan.append((offset + think * (k + 1), chat, text))
            plan.sort()
            started = time.monotonic()
            for at, chat, text in plan:
                delay = started + at - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
                api.push_text(chat, text)
            expected = 3 + turns  # start (3 messages) + a reply per turn
            for chat in chats:
                try:
                    api.wait_for(expected, chat_id=chat, timeout=120)
                except AssertionError:
                    print(log.read_text(encoding="utf-8")[-3000:], file=sys.stderr)
                    print(api.texts(chat), file=sys.stderr)
                    raise
            elapsed = time.monotonic() - started
        finally:
            proc.terminate()
            proc.wait(30)
    latencies = [x.latency for x in api.latencies() if x.latency is not None]
    replies = [c for c in api.calls("sendMessage") if c.ok]
    api.stop()
    stats = re.search(r"kefu-telegram-stats (.*)", log.read_text(encoding="utf-8"))
    paced = float(re.search(r"paced_seconds=([\d.]+)", stats.group(1)).group(1)) if stats else 0
    return {
        "updates": len(latencies),
        "replies": len(replies),
        "elapsed": elapsed,
        "rate": len(replies) / elapsed,
        "p50": statistics.median(latencies) * 1000,
        "p99": percentile(latencies, 0.99) * 1000,
        "paced": paced,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, nargs="+", default=[30, 300])
    parser.add_argument("--turns", type=int, default=3, choices=range(1, len(TURNS) + 1))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.n:
            for limits in (True, False):
                r = run(n, args.turns, limits, Path(tmp))
                label = "limits on " if limits else "limits off"
                print(
                    f"N={n:<4} {label}: {r['updates']} updates, {r['replies']} replies in "
                    f"{r['elapsed']:.1f} s = {r['rate']:.1f} replies/s; served→reply "
                    f"p50 {r['p50']:.0f} ms, p99 {r['p99']:.0f} ms; "
                    f"sender's deliberate waits {r['paced']:.1f} s in total",
                    flush=True,
                )


if __name__ == "__main__":
    main()
