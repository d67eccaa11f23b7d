"""The core stays pure: no file, database, network, terminal or web library is imported."""

import ast
from pathlib import Path

import bot.core

FORBIDDEN = {
    "os",
    "io",
    "pathlib",
    "shutil",
    "socket",
    "sqlite3",
    "subprocess",
    "sys",
    "tempfile",
    "sqlalchemy",
    "telegram",
    "jinja2",
    "jieba",
    "click",
    "ruamel",
    "httpx",
    "aiohttp",
    "requests",
    "urllib",
    "http",
    "asyncio",
    "logging",
    "bot.storage",
    "bot.channels",
    "bot.cli",
    "bot.nlp",
    "bot.scripts",
    "bot.services",
}


def imported_modules(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_core_imports_nothing_impure():
    core = Path(bot.core.__file__).parent
    offenders = {
        f"{path.name}: {name}"
        for path in core.glob("*.py")
        for name in imported_modules(path)
        if any(name == bad or name.startswith(bad + ".") for bad in FORBIDDEN)
    }
    assert offenders == set()
    assert len(list(core.glob("*.py"))) >= 8  # the scan really looked at the core
