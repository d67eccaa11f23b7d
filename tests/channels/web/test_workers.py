"""Several server processes, one PostgreSQL: a candidate moves between them mid-chat.

Two real ``kefu web`` servers (the first with ``--workers 2``) serve one exam on one database;
the candidate's browser cookie goes to both (cookies do not depend on the port). Each message
is sent to one server or the other, one of them twice: the transcript must have every message
once, in order, with the customer's state carried across, ending ``ordered``.
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text

from bot.scripts.conversation_tests import load_cases
from bot.services.paths import dialogues_dir

pytestmark = pytest.mark.slow

KEFU = str(Path(sys.executable).parent / "kefu")
GOOD = [
    t.agent
    for t in load_cases(dialogues_dir() / "presale" / "dress-size.test.yaml")[1]
    .conversations[0]
    .turns
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def database(postgres_url: str) -> str:
    """A database of its own on the session's PostgreSQL server."""
    name = f"kefu_web_{secrets.token_hex(4)}"
    admin = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"CREATE DATABASE {name}"))
    admin.dispose()
    return postgres_url.rsplit("/", 1)[0] + "/" + name


def kefu(database: str, *args: str) -> str:
    done = subprocess.run(
        [KEFU, "--db", database, *args], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture(scope="module")
def servers(database: str) -> Iterator[list[str]]:
    env = {**os.environ, "KEFU_WEB_TYPING_DELAY": "0", "NO_PROXY": "127.0.0.1"}
    ports = [free_port(), free_port()]
    procs = [
        subprocess.Popen(
            [KEFU, "--db", database, "web", "--port", str(port), *extra],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        for port, extra in zip(ports, (["--workers", "2"], []), strict=True)
    ]
    bases = [f"http://127.0.0.1:{port}" for port in ports]
    try:
        for base, proc in zip(bases, procs, strict=True):
            wait_healthy(base, proc)
        yield bases
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            proc.stderr.close()


def wait_healthy(base: str, proc: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"kefu web exited: {proc.stderr.read().decode()}")
        try:
            if httpx.get(f"{base}/health", timeout=2).text == "ok":
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    pytest.fail(f"kefu web did not answer at {base}")


def test_a_candidate_moves_between_two_servers_mid_chat(database, servers):
    kefu(database, "user", "add", "考务", "--role", "admin")  # codes are an admin's
    code = kefu(
        database,
        "--as",
        "考务",
        "exam",
        "codes",
        "--scenario",
        "presale-dress-size",
        "--count",
        "1",
    )
    code = code.split()[0]
    a, b = servers
    with httpx.Client(timeout=30, follow_redirects=False) as client:
        login = client.post(f"{a}/exam", data={"code": code, "exam_number": "2026001"})
        assert login.status_code == 303, login.text
        assert client.post(f"{a}/seat/start").status_code == 303
        answers = []
        for i, line in enumerate(GOOD):
            base = (a, b)[i % 2]
            reply = client.post(f"{base}/seat/say", json={"id": f"m{i}", "text": line})
            assert reply.status_code == 200, reply.text
            answers.append(reply.json())
            if i == 2:  # the same message again, to the other server: stored once
                again = client.post(f"{(b, a)[i % 2]}/seat/say", json={"id": "m2", "text": line})
                assert again.json()["messages"] == reply.json()["messages"]
        assert answers[-1]["state"]["outcome"] == "ordered"
        # Either server shows the whole conversation the same way.
        seen = [client.get(f"{base}/seat/events?after=-1").json()["messages"] for base in servers]
        assert seen[0] == seen[1]
    listed = json.loads(kefu(database, "transcripts", "list", "--json"))
    assert len(listed) == 1 and listed[0]["outcome"] == "ordered"
    exported = json.loads(kefu(database, "transcripts", "export", listed[0]["id"]))
    agent = [m["text"] for m in exported["messages"] if m["role"] == "agent"]
    assert agent == GOOD
    roles = [m["role"] for m in exported["messages"]]
    # The customer answered every message exactly once: no turn was played twice.
    assert roles.count("customer") == len(GOOD) + 1
