"""Bounds on a YAML file, checked on its parse events before anything is built from it.

A few hundred bytes of YAML can ask for billions of nodes (the "billion laughs": anchors whose
aliases repeat each other), and a deep enough nesting crashes the C parser's composer or
Python's recursion. Every YAML file kefu reads (dialogue scripts, rubric forms, lexicons,
conversation tests) goes through ``read_yaml``, which calls ``check_bounds`` first: one pass over
the events, counting what the document would expand to, with no tree built. The limits are far
above any real script or lexicon (the largest bundled file, the cue lexicon, has about 2,300
nodes at depth 6) and each error states the limit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from ruamel.yaml import YAML
from ruamel.yaml.events import (
    AliasEvent,
    CollectionEndEvent,
    CollectionStartEvent,
    MappingStartEvent,
    ScalarEvent,
)

from bot.core.errors import ScriptError

# Read no more than this (``read_yaml``): the largest bundled file is under 50 KB.
MAX_YAML_BYTES = 2 * 1024 * 1024
MAX_DEPTH = 50
# Nodes after every alias is expanded: what a program walking the data would visit.
MAX_NODES = 100_000
# A longer plain scalar is no script text, and a long run of digits would be an integer that
# Python refuses to convert (over 4,300 digits).
MAX_SCALAR_CHARS = 100_000
MAX_NUMBER_DIGITS = 4_000
_NUMBER = re.compile(r"[-+]?(0[xob])?[0-9a-fA-F_:.]+")


@dataclass
class _Open:
    """A mapping or sequence being read: its anchor, its expanded size so far, its children."""

    anchor: str | None
    is_mapping: bool
    nodes: int = 1
    children: int = 0


@dataclass
class _Walk:
    path: Path
    stack: list[_Open] = field(default_factory=list)
    anchors: dict[str, tuple[int, bool]] = field(default_factory=dict)  # size, is a collection
    total: int = 0

    def fail(self, event, message: str) -> ScriptError:
        line = event.start_mark.line + 1 if event.start_mark else 1
        return ScriptError([f"{self.path}:{line}: {message}"])

    def count(self, event, nodes: int) -> None:
        self.total += nodes
        if self.total > MAX_NODES:
            raise self.fail(
                event,
                f"文件展开后超过 {MAX_NODES} 个节点（锚点“&”与别名“*”层层引用）。"
                "提示：剧本和词表用不到这么多内容；去掉互相引用的别名。",
            )

    def begin_child(self, event, collection: bool) -> None:
        """Refuse a list or mapping where a mapping's key belongs (Python cannot hash it)."""
        parent = self.stack[-1] if self.stack else None
        if collection and parent and parent.is_mapping and parent.children % 2 == 0:
            raise self.fail(
                event,
                "映射的键必须是简单的文字或数字，这里却是列表或映射。"
                "提示：检查是否多写了方括号、花括号或问号“?”。",
            )

    def end_child(self, nodes: int) -> None:
        if self.stack:
            self.stack[-1].children += 1
            self.stack[-1].nodes += nodes


def check_bounds(text: str, path: Path) -> None:
    """Raise ``ScriptError`` (FILE:LINE) when ``text`` exceeds a bound; YAML errors pass through."""
    walk = _Walk(path)
    for event in YAML(typ="safe").parse(text):
        if isinstance(event, CollectionStartEvent):
            walk.begin_child(event, collection=True)
            if len(walk.stack) >= MAX_DEPTH:
                raise walk.fail(
                    event, f"嵌套超过 {MAX_DEPTH} 层。提示：检查是否有没闭合的方括号或花括号。"
                )
            walk.count(event, 1)
            walk.stack.append(_Open(event.anchor, isinstance(event, MappingStartEvent)))
        elif isinstance(event, CollectionEndEvent):
            done = walk.stack.pop()
            if done.anchor is not None:
                walk.anchors[done.anchor] = (done.nodes, True)
            walk.end_child(done.nodes)
        elif isinstance(event, ScalarEvent):
            if len(event.value) > MAX_SCALAR_CHARS:
                raise walk.fail(
                    event, f"一个值长达 {len(event.value)} 字，超过上限 {MAX_SCALAR_CHARS} 字。"
                )
            if (
                not event.style  # plain: the C parser says "", the Python one None
                and len(event.value) > MAX_NUMBER_DIGITS
                and _NUMBER.fullmatch(event.value)
            ):
                raise walk.fail(
                    event, f"数字长达 {len(event.value)} 位，超过上限 {MAX_NUMBER_DIGITS} 位。"
                )
            if event.anchor is not None:
                walk.anchors[event.anchor] = (1, False)
            walk.count(event, 1)
            walk.end_child(1)
        elif isinstance(event, AliasEvent):
            nodes, collection = walk.anchors.get(event.anchor, (1, False))
            walk.begin_child(event, collection)
            walk.count(event, nodes)
            walk.end_child(nodes)
