"""The real ``kefu`` command in a subprocess, with its own SQLite file, as a user runs it."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

KEFU = Path(sys.executable).parent / "kefu"


@pytest.fixture
def run(tmp_path):
    """Run ``kefu ARGS`` in ``tmp_path`` with ``KEFU_DB`` there; return the finished process."""
    env = {**os.environ, "KEFU_DB": f"sqlite:///{tmp_path / 'kefu.db'}"}
    env.pop("KEFU_DEBUG", None)  # tests check that no traceback is shown

    def run(*args, stdin="", user=None, extra_env=None):
        return subprocess.run(
            [str(KEFU), *args],
            input=stdin,
            capture_output=True,
            text=True,
            env={**env, **({"KEFU_USER": user} if user else {}), **(extra_env or {})},
            cwd=tmp_path,
            timeout=120,
        )

    return run


ADMIN = "王主任"


@pytest.fixture
def admin(run):
    """``run`` acting as an admin user, who is created first."""
    assert run("user", "add", ADMIN, "--role", "admin").returncode == 0

    def as_admin(*args, stdin="", extra_env=None):
        return run(*args, stdin=stdin, user=ADMIN, extra_env=extra_env)

    return as_admin


@pytest.fixture
def start_chat(tmp_path):
    """Start ``kefu chat --code CODE`` on the test database, its three streams piped."""

    def start(code, extra_env=None):
        return subprocess.Popen(
            [str(KEFU), "chat", "--code", code],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "KEFU_DB": f"sqlite:///{tmp_path / 'kefu.db'}", **(extra_env or {})},
            cwd=tmp_path,
        )

    return start
