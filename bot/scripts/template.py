"""Starting points for trainers: a commented script and its test conversations that pass as-is."""

from __future__ import annotations

import re
from pathlib import Path

from jinja2 import Environment, PackageLoader, StrictUndefined

from bot.core.errors import KefuError
from bot.core.moves import KIND_TITLES

# YAML, not HTML: nothing here is escaped, and every value is our own constant or a checked id.
_env = Environment(
    loader=PackageLoader("bot.scripts", "templates"),
    autoescape=False,
    trim_blocks=True,
    lstrip_blocks=True,
    undefined=StrictUndefined,
)
ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]*$")
OFF_TOPIC = "我们店铺周年庆下周开始哦"

AFTERSALE = {
    "objection": {
        "situation": "一位顾客对商品有疑虑，迟迟不下单。请处理顾客异议。",
        "opening": "我看评价说这个用几次就坏了，质量靠谱吗？",
        "remedy": "退货",
        "concessions": [("退货", "支持七天无理由退货"), ("运费险", "下单即送")],
    },
    "complaint": {
        "situation": "一位顾客收到的商品有问题，很生气。请处理顾客投诉。",
        "opening": "你们发的东西坏了！刚拆开就是裂的，怎么回事？",
        "remedy": "补发",
        "concessions": [("补发", "免费补发"), ("退款", "可全额退款"), ("优惠券", "10 元无门槛券")],
    },
}

PRESALE_CASES = [
    {
        "name": "好的客服：按参考话术一路下单",
        "turns": [
            ("亲，您好～欢迎光临，有什么可以帮您的吗？", "needs"),
            ("请问您是自己用还是送人呢？平时喜欢什么款式？", "recommend_me"),
            ("推荐您这款，纯棉面料透气舒服，M码刚好合适哦。", "price"),
            ("亲，这已经是活动价了，下单送您运费险，还包邮哦。", "ordering"),
            ("跟您核对一下：M码一件，收货地址和电话以订单为准，请您确认哦。", "confirmed"),
            ("48 小时内发出，发货后第一时间通知您，感谢您的支持～", "ordered"),
        ],
        "outcome": "ordered",
    },
    {
        "name": "主动：客服先答、一句做几件事，顾客照样下单",
        "turns": [
            ("亲，您好～欢迎光临，请问您是自己用还是送人？平时喜欢什么款式？", "recommend_me"),
            ("推荐您这款纯棉的，M码刚好合适；现在下单包邮，还送运费险哦。", "ordering"),
            ("跟您核对一下：M码一件，地址以订单为准，请您确认；48 小时内发出。", "ordered"),
        ],
        "outcome": "ordered",
    },
    {
        "name": "简短：短句回答，顾客照样下单",
        "turns": [
            ("在的亲～", "needs"),
            ("自己穿吗？喜欢啥款？", "recommend_me"),
            ("推荐这款纯棉的，M码", "price"),
            ("包邮，送运费险", "ordering"),
            ("M码一件，您确认下", "confirmed"),
            ("48小时内发", "ordered"),
        ],
        "outcome": "ordered",
    },
    {
        "name": "答非所问：顾客失去耐心离开",
        "turns": [(OFF_TOPIC, "opening"), (OFF_TOPIC, "opening"), (OFF_TOPIC, "left")],
        "outcome": "left",
    },
    {
        "name": "服务禁用语：顾客生气离开",
        "turns": [("不知道，你自己看详情页", "opening"), ("嫌贵别买", "left")],
        "outcome": "left",
    },
]


def _aftersale_cases(remedy: str) -> list[dict]:
    return [
        {
            "name": "好的客服：安抚、核实、补救、跟进",
            "turns": [
                ("非常抱歉给您带来不好的体验，您别着急，我马上帮您处理。", "details"),
                ("麻烦您拍张照片给我看一下具体情况，我马上为您核实。", "solution"),
                (f"我这边马上为您{remedy}，运费由我们承担，您看这样可以吗？", "agreed"),
                ("今天就为您处理，有进展第一时间通知您，后续有任何问题随时联系我。", "resolved"),
            ],
            "outcome": "resolved",
        },
        {
            "name": "主动：客服先道歉又先要照片，再一句给出方案",
            "turns": [
                ("非常抱歉给您带来不好的体验，麻烦您拍张照片给我，我马上核实。", "solution"),
                (f"我这边马上为您{remedy}，运费由我们承担，有进展第一时间通知您。", "resolved"),
            ],
            "outcome": "resolved",
        },
        {
            "name": "简短：短句回答，顾客接受处理",
            "turns": [
                ("抱歉亲，给您添麻烦了", "details"),
                ("麻烦拍张照片给我看看", "solution"),
                (f"马上给您{remedy}，运费我们出", "agreed"),
                ("今天处理，有进展通知您", "resolved"),
            ],
            "outcome": "resolved",
        },
        {
            "name": "答非所问：顾客升级投诉",
            "turns": [(OFF_TOPIC, "opening"), (OFF_TOPIC, "opening"), (OFF_TOPIC, "escalated")],
            "outcome": "escalated",
        },
        {
            "name": "服务禁用语：顾客当场升级投诉",
            "turns": [("这是你自己的问题", "escalated")],
            "outcome": "escalated",
        },
    ]


def write_template(kind: str, scenario_id: str, folder: Path) -> tuple[Path, Path]:
    """Write ``<folder>/<kind>/<name>.yaml`` and its ``.test.yaml``; return both paths."""
    if not ID_PATTERN.match(scenario_id):
        raise KefuError(
            f"剧本 id “{scenario_id}”不合规：只能用小写英文字母、数字和连字符（如 {kind}-dress）"
        )
    name = scenario_id.removeprefix(f"{kind}-") or scenario_id
    path = folder / kind / f"{name}.yaml"
    tests = path.with_name(f"{name}.test.yaml")
    for p in (path, tests):
        if p.exists():
            raise KefuError(f"{p}: 文件已存在，不会覆盖。提示：换一个 id，或先移走旧文件")
    path.parent.mkdir(parents=True, exist_ok=True)
    if kind == "presale":
        script = _env.get_template("presale.yaml.j2").render(id=scenario_id, path=path)
        cases = PRESALE_CASES
    else:
        values = AFTERSALE[kind]
        script = _env.get_template("aftersale.yaml.j2").render(
            id=scenario_id, path=path, kind=kind, kind_title=KIND_TITLES[kind], **values
        )
        cases = _aftersale_cases(values["remedy"])
    path.write_text(script, encoding="utf-8")
    tests.write_text(
        _env.get_template("tests.yaml.j2").render(id=scenario_id, cases=cases), encoding="utf-8"
    )
    return path, tests
