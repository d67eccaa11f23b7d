"""The scenario library: every script file under the given folders, found by id."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from bot.core.errors import KefuError, NotFound, ScriptError
from bot.core.scenario import Scenario
from bot.input_files import InputFileError, files_below
from bot.scripts.loader import load_scenario
from bot.scripts.yaml_source import read_yaml

# The scenario a new user meets first: `kefu chat` without an id, the web room's practice list.
DEFAULT_SCENARIO = "presale-dress-size"

SCRIPT_SUFFIXES = (".yaml", ".yml")
# Files beside the scripts that are not scripts themselves.
NOT_SCRIPTS = (".test.yaml", ".test.yml")


def script_files(paths: Iterable[Path]) -> list[Path]:
    """Expand folders into the script files below them, in a stable order."""
    out: list[Path] = []
    for p in paths:
        if p.is_dir():
            try:
                below = files_below(p)
            except InputFileError as exc:
                raise KefuError(f"{p}: {exc}") from None
            out.extend(
                f for f in below if f.suffix in SCRIPT_SUFFIXES and not f.name.endswith(NOT_SCRIPTS)
            )
        elif p.exists():
            out.append(p)
        else:
            raise NotFound(f"{p}: 文件或文件夹不存在")
    return out


@dataclass
class Library:
    """Loaded scenarios by id, and the problems of the files that did not load."""

    scenarios: dict[str, Scenario] = field(default_factory=dict)
    files: dict[str, Path] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    # Script files that did not load, each with its first problem: listed as broken, not hidden.
    broken: dict[Path, str] = field(default_factory=dict)

    @classmethod
    def load(cls, paths: Iterable[Path]) -> Library:
        lib = cls()
        for path in script_files(paths):
            try:
                sc = load_scenario(path)
            except ScriptError as exc:
                lib.problems.extend(exc.problems)
                lib.broken[path] = exc.problems[0]
                continue
            except Exception as exc:  # one bad script must not stop the others from loading
                problem = (
                    f"{path}:1: 剧本无法载入（{type(exc).__name__}: {exc}）。请把它报告给维护者。"
                )
                lib.problems.append(problem)
                lib.broken[path] = problem
                continue
            if sc.id in lib.scenarios:
                doc = read_yaml(path)
                lib.problems.append(
                    f"{path}:{doc.line(('id',))}: 剧本 id “{sc.id}”重复"
                    f"（已在 {lib.files[sc.id]} 中使用）。提示：每个剧本的 id 必须唯一。"
                )
                lib.broken[path] = lib.problems[-1]
                continue
            lib.scenarios[sc.id] = sc
            lib.files[sc.id] = path
        return lib

    def get(self, scenario_id: str) -> Scenario:
        """Return a scenario by id, or raise ``NotFound`` with the ids that exist."""
        try:
            return self.scenarios[scenario_id]
        except KeyError:
            import difflib

            close = difflib.get_close_matches(scenario_id, list(self.scenarios), n=1)
            hint = f"是不是“{close[0]}”？" if close else "用 kefu chat --list 查看所有剧本。"
            raise NotFound(f"没有 id 为“{scenario_id}”的剧本。{hint}") from None

    def by_kind(self, kind: str) -> list[Scenario]:
        return [s for s in self.scenarios.values() if s.kind == kind]
