"""Helpers for the browser tests of ``kefu web``: the server as a real subprocess, and what a
candidate does on the pages (log in, start, send, read the conversation back).

Loaded by this folder's conftest.py by file path and registered as the top-level module
``webroom`` (tests/ is not a package; pytest runs with ``--import-mode=importlib``), so test
modules may ``from webroom import ...``.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

REPO = Path(__file__).resolve().parents[3]
ARTIFACTS = REPO / "tests" / "artifacts" / "web"
SCENARIO = "presale-dress-size"
ADMIN = "考务管理员"  # who makes the access codes
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# How long a page may take to show what the server sent (ms); a kill and restart takes longer.
TIMEOUT_MS = 10_000


@contextlib.contextmanager
def launched_chromium() -> Iterator[Any]:
    """Debian's Chromium driven by Playwright, closed afterwards; skip where either is missing."""
    if not CHROMIUM.exists():
        pytest.skip(f"Chromium is not installed at {CHROMIUM} (tests/run.sh installs it as root)")
    try:
        from playwright.sync_api import expect, sync_playwright
    except ImportError:
        pytest.skip("playwright is not installed (pip install -e '.[test]')")
    expect.set_options(timeout=TIMEOUT_MS)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield chromium
        finally:
            chromium.close()


class OriginRefused(AssertionError):
    """The server answered a form of the room with its 403 page "请求被拒绝"."""


def check_not_refused(page) -> None:
    """Fail when a form of the room was refused as coming from another site (the server's
    same-origin check must accept the browser's own forms)."""
    body = page.inner_text("body")
    if "请求被拒绝" in body:
        raise OriginRefused(f"{page.url} answered 403: {body[:120]!r}")


# ---------------------------------------------------------------------------- scripts


def _yaml(path: Path) -> Any:
    return YAML(typ="safe").load(path.read_text(encoding="utf-8"))


def good_agent_lines() -> list[str]:
    """The agent lines of the first test conversation of presale-dress-size that ends
    ``ordered`` (dialogues/presale/dress-size.test.yaml)."""
    data = _yaml(REPO / "dialogues" / "presale" / "dress-size.test.yaml")
    for conversation in data["conversations"]:
        if conversation["outcome"] == "ordered":
            return [str(turn["agent"]) for turn in conversation["turns"]]
    raise AssertionError("dress-size.test.yaml has no conversation that ends ordered")


def scenario_brief() -> dict[str, Any]:
    """The scenario file itself: what the workbench's cards must show."""
    return _yaml(REPO / "dialogues" / "presale" / "dress-size.yaml")


# ---------------------------------------------------------------------------- the server


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def kefu_binary() -> Path:
    binary = Path(sys.executable).parent / "kefu"
    if not binary.exists():
        pytest.skip(f"the kefu console script is not installed next to {sys.executable}")
    return binary


_NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))


@dataclass
class WebServer:
    """``kefu web`` as a subprocess on a free port over its own SQLite file."""

    root: Path
    settings: dict[str, str] = field(default_factory=dict)
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen | None = None

    def __post_init__(self) -> None:
        self.db = f"sqlite:///{self.root / 'k.db'}"
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = self.root / "server.log"
        env = {k: v for k, v in os.environ.items() if not k.startswith("KEFU_")}
        env = {k: v for k, v in env.items() if k.lower() not in ("http_proxy", "https_proxy")}
        env.update({"KEFU_WEB_TYPING_DELAY": "0", "KEFU_NUDGE_SECONDS": "600"})
        env.update(self.settings)
        self.env = env

    def kefu(self, *args: str) -> str:
        done = subprocess.run(
            [str(kefu_binary()), "--db", self.db, *args],
            cwd=self.root,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, f"kefu {' '.join(args)} failed:\n{done.stderr}"
        return done.stdout

    def codes(self, count: int) -> list[str]:
        # Codes are an admin's (issue 16): the first user is an admin, added without --as.
        subprocess.run(
            [
                str(kefu_binary()),
                "--db",
                self.db,
                "--as",
                ADMIN,
                "user",
                "add",
                ADMIN,
                "--role",
                "admin",
            ],
            cwd=self.root,
            env=self.env,
            capture_output=True,
            timeout=120,
        )
        out = self.kefu(
            "--as", ADMIN, "exam", "codes", "--scenario", SCENARIO, "--count", str(count)
        )
        codes = [line.strip() for line in out.splitlines() if line.strip()]
        assert len(codes) == count, out
        return codes

    def start(self) -> None:
        """Start (or restart, on the same port and database) and wait until it answers."""
        assert self.proc is None or self.proc.poll() is not None, "already running"
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen(
                [str(kefu_binary()), "--db", self.db, "web", "--port", str(self.port)],
                cwd=self.root,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # our own process group: the kill hits only kefu
            )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"kefu web exited {self.proc.returncode}:\n{self.log_tail()}")
            try:
                with _NO_PROXY.open(self.base + "/health", timeout=1) as response:
                    if response.read() == b"ok":
                        return
            except OSError:
                pass
            time.sleep(0.1)
        raise AssertionError(f"kefu web did not answer /health in 30 s:\n{self.log_tail()}")

    def kill(self) -> None:
        """kill -9: no shutdown, no clean-up, like a pulled plug."""
        assert self.proc is not None and self.proc.poll() is None, "not running"
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)

    def log_tail(self, chars: int = 3000) -> str:
        return (
            self.log.read_text(encoding="utf-8", errors="replace")[-chars:]
            if self.log.exists()
            else ""
        )

    # ------------------------------------------------------------------ the stored transcripts

    def transcripts(self) -> list[dict[str, Any]]:
        return json.loads(self.kefu("transcripts", "list", "--json"))

    def transcript_of(self, candidate: str) -> dict[str, Any]:
        """The one stored conversation of this candidate, exported (messages, outcome)."""
        ids = [t["id"] for t in self.transcripts() if t.get("candidate") == candidate]
        assert len(ids) == 1, f"expected one conversation of {candidate!r}, found {ids}"
        return json.loads(self.kefu("transcripts", "export", ids[0]))


def stored(transcript: dict[str, Any]) -> list[tuple[str, str]]:
    return [(m["role"], m["text"]) for m in transcript["messages"]]


def agent_texts(transcript: dict[str, Any]) -> list[str]:
    return [m["text"] for m in transcript["messages"] if m["role"] == "agent"]


# ---------------------------------------------------------------------------- the candidate


def expect():
    from playwright.sync_api import expect as _expect

    return _expect


def login_exam(page, server: WebServer, code: str, exam_number: str) -> None:
    """Log in on ``/`` with a code and a 准考证号; fail at once if the seat does not open."""
    page.goto(server.base + "/")
    page.fill("#code", code)
    page.fill("#exam_number", exam_number)
    with page.expect_navigation():
        page.click("#login")
    check_not_refused(page)
    assert page.url == server.base + "/seat", (
        f"login did not open the seat: {page.url}\n{page.inner_text('body')[:300]}"
    )


def open_practice(page, server: WebServer, scenario: str = SCENARIO) -> None:
    page.goto(server.base + "/")
    page.check(f"input[name=scenario][value='{scenario}']")
    with page.expect_navigation():
        page.click("#practice")
    check_not_refused(page)
    assert page.url == server.base + "/seat", (
        f"practice did not open the seat: {page.url}\n{page.inner_text('body')[:300]}"
    )


def start_chat(page) -> str:
    """Click 开始接待; return the customer's first message once it shows."""
    with page.expect_navigation():
        page.click("#start")
    check_not_refused(page)
    assert page.url.endswith("/seat"), f"{page.url}\n{page.inner_text('body')[:300]}"
    first = page.locator("#messages li.msg.customer")
    expect()(first).to_have_count(1)
    return first.locator(".bubble").inner_text()


def shown(page) -> list[tuple[int, str, str]]:
    """The conversation on the page: (data-seq, role, the bubble's textContent)."""
    return page.eval_on_selector_all(
        "#messages li.msg",
        """items => items.map(li => [
            li.dataset.seq === undefined ? -1 : Number(li.dataset.seq),
            li.classList.contains('agent') ? 'agent' : 'customer',
            li.querySelector('.bubble').textContent])""",
    )


def shown_pairs(page) -> list[tuple[str, str]]:
    return [(role, text) for _seq, role, text in shown(page)]


def confirmed_agent(page):
    """The agent messages the server has confirmed (stored ones carry data-seq)."""
    return page.locator("#messages li.msg.agent[data-seq]")


def send(page, text: str, *, click: bool = False) -> None:
    """Type a message and send it with Enter (or the 发送 button)."""
    page.fill("#text", text)
    if click:
        page.click("#send")
    else:
        page.press("#text", "Enter")


def say(page, text: str, *, click: bool = False, timeout: float = TIMEOUT_MS) -> str:
    """Send a message and wait until it is stored and the customer has answered; return the
    answer. After the message that ends the chat the page reloads and shows the end panel."""
    before = confirmed_agent(page).count()
    send(page, text, click=click)
    mine = confirmed_agent(page).nth(before)
    expect()(mine).to_be_attached(timeout=timeout)
    expect()(mine.locator(".bubble")).to_have_text(text)
    seq = int(mine.get_attribute("data-seq") or "-1")
    reply = page.locator(f"#messages li.msg.customer[data-seq='{seq + 1}']")
    expect()(reply).to_be_attached(timeout=timeout)
    return reply.locator(".bubble").inner_text()


def assert_shown_once(page) -> None:
    """Every message on the page once, in the order of its seq, none left pending."""
    items = shown(page)
    seqs = [seq for seq, _role, _text in items]
    assert -1 not in seqs, f"a message is still pending: {items}"
    assert seqs == list(range(len(seqs))), f"messages doubled or missing: {seqs}"


def wait_end_panel(page) -> None:
    """The chat has ended: the page reloads itself and shows #end-panel."""
    expect()(page.locator("#end-panel")).to_be_visible(timeout=TIMEOUT_MS)
    expect()(page.locator("#composer")).to_have_count(0)


def seat_cookie(context) -> str | None:
    for cookie in context.cookies():
        if cookie["name"] == "kefu_seat":
            return cookie["value"]
    return None


def practice_candidate(context) -> str:
    """How a practice chat names its candidate: ``web:`` and the seat token's first 12
    characters (bot/channels/web/seats.py holder_of)."""
    token = seat_cookie(context)
    assert token, "no seat cookie"
    return f"web:{token[:12]}"


def notice_text(page) -> str:
    return page.locator("#notice").inner_text()


def wait_seconds(text: str) -> int:
    match = re.search(r"(\d+)\s*秒", text)
    assert match, text
    return int(match.group(1))
