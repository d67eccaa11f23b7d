"""Read YAML keeping the line of every key and item, so that problems can point at them."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from bot.core.errors import ScriptError
from bot.input_files import InputFileError, read_bytes_bounded
from bot.scripts.yaml_limits import MAX_YAML_BYTES, check_bounds

Where = tuple[str | int, ...]


@dataclass
class YamlDocument:
    """A parsed file: plain Python data, and (on demand) the annotated tree to find lines in.

    The data comes from the fast C parser; the slower round-trip parse that keeps line numbers
    runs only when a problem needs its line.
    """

    path: Path
    data: Any
    text: str = field(repr=False)

    @cached_property
    def tree(self) -> Any:
        return YAML(typ="rt", pure=True).load(self.text)

    def line(self, where: Where) -> int:
        """Return the 1-based line of the node at ``where``, or of its nearest parent."""
        node, line = self.tree, 0
        for key in where:
            if isinstance(node, CommentedMap) and key in node:
                line = node.lc.key(key)[0]
                node = node[key]
            elif isinstance(node, CommentedSeq) and isinstance(key, int) and key < len(node):
                line = node.lc.item(key)[0]
                node = node[key]
            else:
                if isinstance(node, CommentedMap | CommentedSeq) and line == 0:
                    line = node.lc.line
                break
        return line + 1

    def problem(self, where: Where, message: str) -> str:
        return f"{self.path}:{self.line(where)}: {message}"


def read_yaml(path: Path) -> YamlDocument:
    """Parse a YAML file; raise ``ScriptError`` with its line when it is not valid YAML."""
    try:
        text = read_bytes_bounded(path, MAX_YAML_BYTES).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ScriptError(
            [f"{path}:1: 文件不是 UTF-8 编码（第 {exc.start} 字节）。提示：另存为 UTF-8。"]
        ) from None
    except InputFileError as exc:
        raise ScriptError([f"{path}:1: 无法读取文件：{exc}"]) from None
    try:
        check_bounds(text, path)  # before building anything: aliases, depth, keys
        data = YAML(typ="safe").load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        what = (exc.problem or "").strip()
        raise ScriptError(
            [
                f"{path}:{line}: YAML 格式错误：{_explain(what)}（{what}）。"
                "提示：检查缩进是否对齐、冒号后是否有空格、引号是否成对。"
            ]
        ) from None
    except YAMLError as exc:
        raise ScriptError([f"{path}:1: YAML 格式错误：{exc}"]) from None
    return YamlDocument(path=path, data=data, text=text)


_YAML_HINTS = {
    "found duplicate key": "同一层里有重复的键",
    "mapping values are not allowed here": "这里不能出现“键: 值”，可能是缩进不对或冒号多余",
    "could not find expected ':'": "缺少冒号“:”",
    "found character '\\t' that cannot start any token": "不能用 Tab 缩进，请用空格",
    "expected <block end>, but found": "缩进没有对齐",
    "found unexpected end of stream": "引号或括号没有闭合",
    "while scanning a quoted scalar": "引号没有闭合",
}


def _explain(problem: str) -> str:
    for english, chinese in _YAML_HINTS.items():
        if english in problem:
            return chinese
    return "无法解析"
