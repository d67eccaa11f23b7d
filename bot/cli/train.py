"""``kefu train``: retrain the learned reader on the labelled transcripts (needs ``kefu[train]``)."""

from __future__ import annotations

from pathlib import Path

import click

from bot.core.errors import KefuError
from bot.services.app import App
from bot.services.paths import rubric_dir

# The sets that tuning and training may read; the held-out sets are only ever measured.
TRAINING_SETS = ("dev", *(f"dev{n}" for n in range(2, 146)), "real")  # dev, dev2 … dev145, real


@click.command()
@click.argument("folders", nargs=-1, type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="模型文件（默认 rubric/lexicon/learned.json）。",
)
@click.option("--c", "strength", default=1.0, show_default=True, help="正则化强度的倒数。")
@click.pass_obj
def train(app: App, folders: tuple[Path, ...], out: Path | None, strength: float):
    """用标注对话训练学习模型（字符 n-gram 线性模型）。Train the learned move reader.

    默认读 transcripts/ 下的 dev、dev2 … dev145、real（存在的）；held-out 集不要拿来训练。
    """
    try:
        from bot.services.training import train as fit
        from bot.services.training import write_model
    except ImportError:
        raise KefuError("训练需要 scikit-learn。提示：pip install 'kefu[train]'") from None
    if not folders:
        root = Path("transcripts")
        folders = tuple(root / s for s in TRAINING_SETS if (root / s).is_dir())
    if not folders:
        raise KefuError("没有找到标注集。提示：kefu train transcripts/dev transcripts/dev2")
    try:
        import sklearn  # noqa: F401
    except ImportError:
        raise KefuError("训练需要 scikit-learn。提示：pip install 'kefu[train]'") from None
    content, lines = fit(list(folders), app.detector.cues_only(), strength)
    out = out or rubric_dir() / "lexicon" / "learned.json"
    write_model(content, out)
    for line in lines:
        click.echo(line)
    data = content["data"]
    click.echo(
        f"已写入 {out}：{len(content['moves'])} 个动作用学习模型；训练数据 {data['files']} 个文件、"
        f"{data['messages']} 条客服消息（sha256 {data['sha256'][:12]}）"
    )
    return 0
