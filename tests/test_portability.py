"""kefu runs where schools run it: Windows PCs, and Python 3.10 (Ubuntu 22.04) and later.

CI runs on Linux with one Python, so these checks read the source instead (``ast``):

- no POSIX-only call (``os.kill``, ``fcntl``, ``signal.SIGKILL``, ``loop.add_signal_handler`` …)
  in the channels, the CLI, the services and storage, unless it sits under a platform test
  (``if sys.platform …`` / ``os.name``) or in a ``try`` whose ``except`` catches the way it
  fails elsewhere; the few other uses are allowed below, each with its reason;
- paths are built with pathlib there: no ``os.path``, no ``os.sep``, no hard-coded POSIX folder,
  no path glued from strings with "/" passed to ``open``, ``Path`` and the like;
- nothing of Python 3.11 or later (``datetime.UTC``, ``tomllib`` unguarded, ``StrEnum`` …) in
  ``bot/`` or ``tests/``.

The Windows code paths themselves (the terminal hold's process check, the Telegram webhook's
stop signals) run here with the Windows parts replaced.
"""

from __future__ import annotations

import ast
import asyncio
import os
import re
import signal
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

import bot
from bot.storage import holds

BOT = Path(bot.__file__).parent
ROOT = BOT.parent
CHECKED = ("channels", "cli", "services", "storage")  # recursively: channels/web too

# What is POSIX-only, and which exception a ``try`` must catch to count as a guard (how the
# use fails on Windows). os.kill is there and *acts* (signal 0 is CTRL_C_EVENT): only a
# platform test guards it.
POSIX_MODULES = {"fcntl", "termios", "pwd", "grp", "resource"}
OS_NAMES = {"kill", "fork", "getuid", "geteuid", "setsid", "killpg"}
SIGNAL_NAMES = {"SIGKILL", "SIGHUP", "SIGUSR1", "SIGALRM", "alarm"}
LOOP_METHODS = {"add_signal_handler", "remove_signal_handler"}
IMPORT_FAILS = {"ImportError", "ModuleNotFoundError"}
CATCH_ALL = {"Exception", "BaseException"}

# (file under bot/, the use as reported) → why it is fine.
ALLOWED: dict[tuple[str, str], str] = {
    ("channels/telegram/app.py", "loop.remove_signal_handler"): (
        "only for the signals that add_signal_handler accepted, so never on Windows, where it "
        "raises NotImplementedError and the signal.signal fallback is used"
    ),
}


@dataclass(frozen=True)
class Use:
    file: str
    line: int
    what: str
    guarded: bool

    def __str__(self) -> str:
        return f"bot/{self.file}:{self.line}: {self.what}"


def checked_files() -> list[Path]:
    files = sorted(p for folder in CHECKED for p in (BOT / folder).rglob("*.py"))
    assert len(files) > 40  # the scan really looked at the code
    return files


def parse(path: Path) -> tuple[ast.Module, dict[ast.AST, ast.AST]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    return tree, parents


def _dotted(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{_dotted(node.value)}.{node.attr}"
    return ""


def is_platform_test(test: ast.expr) -> bool:
    """``sys.platform …``, ``os.name …``, ``platform.system()``, ``sys.platform.startswith(…)``."""
    names = {_dotted(n) for n in ast.walk(test) if isinstance(n, ast.Attribute)}
    return bool(names & {"sys.platform", "os.name", "platform.system"})


def caught(handler: ast.ExceptHandler) -> set[str]:
    if handler.type is None:
        return set(CATCH_ALL)
    types = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    return {_dotted(t).rpartition(".")[2] for t in types}


def is_guarded(node: ast.AST, parents: dict[ast.AST, ast.AST], fails: set[str]) -> bool:
    """Under a platform test (either branch), or in a ``try`` body that catches ``fails``."""
    child, parent = node, parents.get(node)
    while parent is not None:
        if (
            isinstance(parent, ast.If)
            and child is not parent.test
            and is_platform_test(parent.test)
        ):
            return True
        if (
            isinstance(parent, ast.Try)
            and child in parent.body
            and any(caught(h) & (fails | CATCH_ALL) for h in parent.handlers)
        ):
            return True
        child, parent = parent, parents.get(parent)
    return False


def posix_uses(path: Path, base: Path = BOT) -> list[Use]:
    tree, parents = parse(path)
    name = path.relative_to(base).as_posix()
    found: list[tuple[ast.AST, str, set[str]]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] in POSIX_MODULES:
                    found.append((node, f"import {alias.name}", IMPORT_FAILS))
        elif isinstance(node, ast.ImportFrom) and node.module:
            top = node.module.split(".")[0]
            if top in POSIX_MODULES:
                found.append((node, f"from {node.module} import …", IMPORT_FAILS))
            for alias in node.names:
                if (top, alias.name) in {("os", n) for n in OS_NAMES} | {
                    ("signal", n) for n in SIGNAL_NAMES
                }:
                    found.append((node, f"from {top} import {alias.name}", {"ImportError"}))
        elif isinstance(node, ast.Attribute):
            dotted = _dotted(node)
            if dotted in {f"os.{n}" for n in OS_NAMES - {"kill"}} | {
                f"signal.{n}" for n in SIGNAL_NAMES
            }:
                found.append((node, dotted, {"AttributeError"}))
            elif dotted == "os.kill":
                found.append((node, dotted, set()))
            elif node.attr in LOOP_METHODS:
                found.append((node, f"loop.{node.attr}", {"NotImplementedError"}))
    return [
        Use(name, getattr(node, "lineno", 0), what, is_guarded(node, parents, fails))
        for node, what, fails in found
    ]


def test_no_posix_only_call_outside_a_platform_guard():
    uses = [use for path in checked_files() for use in posix_uses(path)]
    unguarded = [u for u in uses if not u.guarded and (u.file, u.what) not in ALLOWED]
    assert not unguarded, "POSIX-only, without a platform guard:\n" + "\n".join(map(str, unguarded))
    # The scan finds what it should: the hold's os.kill is there, under its platform test.
    assert any(u.file == "storage/holds.py" and u.what == "os.kill" and u.guarded for u in uses)
    used = {(u.file, u.what) for u in uses if not u.guarded}
    stale = set(ALLOWED) - used
    assert not stale, f"allowed but no longer there (drop them from ALLOWED): {sorted(stale)}"


def test_a_guard_is_recognised_only_where_it_guards(tmp_path):
    source = tmp_path / "sample.py"
    source.write_text(
        "import os, sys, signal\n"
        "def a(pid):\n"
        "    if sys.platform != 'win32':\n"
        "        os.kill(pid, 0)\n"  # guarded
        "def b(pid):\n"
        "    try:\n"
        "        os.kill(pid, 0)\n"  # not: os.kill does not fail on Windows, it acts
        "    except OSError:\n"
        "        pass\n"
        "def c(loop):\n"
        "    try:\n"
        "        loop.add_signal_handler(signal.SIGINT, print)\n"  # guarded
        "    except NotImplementedError:\n"
        "        pass\n"
        "    signal.signal(signal.SIGHUP, print)\n",  # not guarded
        encoding="utf-8",
    )
    uses = posix_uses(source, tmp_path)
    assert [(u.line, u.what, u.guarded) for u in sorted(uses, key=lambda u: u.line)] == [
        (4, "os.kill", True),
        (7, "os.kill", False),
        (12, "loop.add_signal_handler", True),
        (15, "signal.SIGHUP", False),
    ]


# --------------------------------------------------------------------------------- paths

POSIX_FOLDER = re.compile(r"^/(tmp|dev|etc|var|usr|home|proc|opt|root|mnt)(/|$)")
PATH_CALLS = {"open", "Path", "PurePath", "joinpath", "with_name", "mkdir", "makedirs"}


def _glued_with_slash(node: ast.AST) -> bool:
    """A string built from pieces with "/" or "\\" in them: f"{folder}/x", folder + "/x"."""
    if isinstance(node, ast.JoinedStr):
        return any(
            isinstance(v, ast.Constant)
            and isinstance(v.value, str)
            and re.search(r"[/\\]", v.value)
            for v in node.values
        ) and any(isinstance(v, ast.FormattedValue) for v in node.values)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        pieces = (node.left, node.right)
        return any(
            isinstance(p, ast.Constant)
            and isinstance(p.value, str)
            and re.search(r"[/\\]", p.value)
            for p in pieces
        ) or any(_glued_with_slash(p) for p in pieces)
    return False


def path_problems(path: Path, base: Path = BOT) -> list[str]:
    tree, _ = parse(path)
    where = f"bot/{path.relative_to(base).as_posix()}"
    problems = []
    for node in ast.walk(tree):
        line = getattr(node, "lineno", 0)
        if isinstance(node, ast.Attribute) and _dotted(node) in ("os.path", "os.sep", "os.altsep"):
            problems.append(f"{where}:{line}: {_dotted(node)} (use pathlib)")
        elif isinstance(node, ast.ImportFrom) and node.module in ("os", "os.path"):
            if node.module == "os.path" or {a.name for a in node.names} & {"path", "sep"}:
                problems.append(f"{where}:{line}: from {node.module} import … (use pathlib)")
        elif (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and POSIX_FOLDER.match(node.value)
        ):
            problems.append(f"{where}:{line}: hard-coded POSIX folder {node.value!r}")
        elif isinstance(node, ast.Call):
            called = _dotted(node.func).rpartition(".")[2]
            if called in PATH_CALLS and any(_glued_with_slash(a) for a in node.args):
                problems.append(f"{where}:{line}: a path glued with '/' passed to {called}()")
    return problems


def test_paths_are_built_with_pathlib():
    problems = [p for path in checked_files() for p in path_problems(path)]
    assert not problems, "\n".join(problems)


def test_the_path_check_sees_what_it_looks_for(tmp_path):
    source = tmp_path / "sample.py"
    source.write_text(
        "import os\nfrom pathlib import Path\n"
        "a = os.path.join('x', 'y')\n"
        "b = open(f'{a}/kefu.db')\n"
        "c = Path('/tmp/kefu')\n"
        "d = Path(a) / 'x' / 'y.txt'\n"  # fine
        "e = f'{1}/{2} 分'\n",  # fine: not a path
        encoding="utf-8",
    )
    problems = path_problems(source, tmp_path)
    assert sorted(int(p.split(": ", 1)[0].rpartition(":")[2]) for p in problems) == [3, 4, 5]


# ------------------------------------------------------------------------- Python 3.10

NEWER = {
    "datetime.UTC": "3.11: use datetime.timezone.utc",
    "enum.StrEnum": "3.11",
    "typing.Self": "3.11",
    "typing.LiteralString": "3.11",
    "typing.Never": "3.11",
    "typing.assert_never": "3.11",
    "typing.reveal_type": "3.11",
    "typing.Required": "3.11",
    "typing.NotRequired": "3.11",
    "typing.override": "3.12",
    "asyncio.TaskGroup": "3.11",
    "asyncio.timeout": "3.11",
    "asyncio.Runner": "3.11",
    "hashlib.file_digest": "3.11",
    "contextlib.chdir": "3.11",
    "itertools.batched": "3.12",
    "ExceptionGroup": "3.11",
    "BaseExceptionGroup": "3.11",
    "tomllib": "3.11: import it in a try, with tomli for 3.10",
}


def newer_python_uses(path: Path) -> list[str]:
    tree, parents = parse(path)
    where = path.relative_to(ROOT).as_posix()
    names = set()
    for node in ast.walk(tree):
        line = getattr(node, "lineno", 0)
        if type(node).__name__ == "TryStar":
            names.add((line, "except*"))
        elif isinstance(node, ast.Attribute) and _dotted(node) in NEWER:
            names.add((line, _dotted(node)))
        elif isinstance(node, ast.Name) and node.id in ("ExceptionGroup", "BaseExceptionGroup"):
            names.add((line, node.id))
        elif isinstance(node, ast.ImportFrom) and node.module:
            for alias in node.names:
                if f"{node.module}.{alias.name}" in NEWER:
                    names.add((line, f"{node.module}.{alias.name}"))
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name in NEWER and not is_guarded(node, parents, IMPORT_FAILS):
                    names.add((line, alias.name))
    return [f"{where}:{line}: {name} (Python {NEWER.get(name, '3.11')})" for line, name in names]


def test_nothing_newer_than_python_3_10():
    files = sorted([*BOT.rglob("*.py"), *(ROOT / "tests").rglob("*.py")])
    found = [problem for path in files for problem in newer_python_uses(path)]
    assert not found, "\n".join(sorted(found))


# ---------------------------------------------------------------- the Windows code paths


class FakeKernel32:
    """The three kernel32 calls of ``holds._windows_gone``, for processes that we describe."""

    def __init__(self, running: dict[int, bool], error: int = 87) -> None:
        self.running, self.error, self.closed = running, error, []

    def OpenProcess(self, access, inherit, pid):  # the Windows API's names
        return 1000 + pid if pid in self.running else 0

    def get_last_error(self):
        return self.error

    def WaitForSingleObject(self, handle, milliseconds):
        assert milliseconds == 0
        return 0x102 if self.running[handle - 1000] else 0  # WAIT_TIMEOUT / WAIT_OBJECT_0

    def CloseHandle(self, handle):
        self.closed.append(handle)


def test_on_windows_a_holds_process_is_looked_up_not_signalled(monkeypatch):
    kernel = FakeKernel32({10: True, 11: False})
    assert not holds._windows_gone(10, kernel)  # running
    assert holds._windows_gone(11, kernel)  # ended, its handle still open somewhere
    assert holds._windows_gone(12, kernel)  # no such process
    assert kernel.closed == [1010, 1011]
    assert not holds._windows_gone(12, FakeKernel32({}, error=5))  # access denied: it exists

    def no_kill(pid, sig):
        raise AssertionError("os.kill on Windows sends Ctrl-C or terminates the process")

    looked_up = []
    monkeypatch.setattr(holds.os, "kill", no_kill)
    monkeypatch.setattr(holds.sys, "platform", "win32")
    monkeypatch.setattr(holds, "_windows_gone", lambda pid: looked_up.append(pid) or True)
    here = holds.socket.gethostname()
    assert holds._gone(f"{here}:4242") and looked_up == [4242]
    assert not holds._gone("another-pc:4242") and looked_up == [4242]


@pytest.mark.skipif(sys.platform == "win32", reason="the POSIX branch")
def test_on_posix_a_holds_process_is_probed_with_signal_0():
    here = holds.socket.gethostname()
    assert not holds._gone(f"{here}:{os.getpid()}")
    assert holds._gone(f"{here}:{2**22 + 12345}")  # above Linux's largest process id


def test_webhook_stop_signals_fall_back_where_the_loop_has_no_signal_handlers(monkeypatch):
    from bot.channels.telegram.app import _stop_on_signals

    async def main(windows: bool) -> None:
        loop = asyncio.get_running_loop()
        if windows:

            def unsupported(*args):
                raise NotImplementedError  # as on Windows' event loops

            monkeypatch.setattr(loop, "add_signal_handler", unsupported)
            monkeypatch.setattr(loop, "remove_signal_handler", unsupported)
        stop = asyncio.Event()
        before = signal.getsignal(signal.SIGINT)
        with _stop_on_signals(stop):
            signal.raise_signal(signal.SIGINT)
            await asyncio.wait_for(stop.wait(), 10)
        if windows:  # put back as it was (the loop's own handlers are asyncio's business)
            assert signal.getsignal(signal.SIGINT) == before

    asyncio.run(main(windows=True))
    if sys.platform != "win32":
        asyncio.run(main(windows=False))
