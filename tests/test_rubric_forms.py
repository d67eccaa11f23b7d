"""The bundled rubric forms: Table 1's projects, sums of 95 + 5, and links to the chat rows."""

import pytest

from bot.core.rubric import CONDUCT_MAX, FORM_MAX, MODULES
from bot.services.paths import rubric_dir
from bot.services.rubric_files import Rubrics

# Table 1 of the standard: (form id, module, number of evaluation points).
PROJECTS = {
    "form.cs_presale": ("customer_service", 8),
    "form.cs_aftersale": ("customer_service", 9),
    "form.vd_web_page": ("visual_design", 9),
    "form.vd_shop_design": ("visual_design", 10),
    "form.po_b2c_c2c": ("platform_operations", 10),
    "form.sp_search_engine": ("search_promotion", 9),
    "form.nm_mobile": ("new_media", 7),
}

CARRIED = {
    "form.cs_presale": {
        "③": ["presale.steps"],
        "④": ["presale.rules"],
        "⑤": ["presale.needs"],
        "⑧": ["presale.conduct"],
    },
    "form.cs_aftersale": {
        "③": ["aftersale.objection_steps"],
        "⑤": ["aftersale.complaint_flow"],
        "⑥": ["aftersale.complaint_wording"],
        "⑦": ["aftersale.legal"],
        "⑨": ["aftersale.conduct"],
    },
}

POINTS = "①②③④⑤⑥⑦⑧⑨⑩"


@pytest.fixture(scope="module")
def rubrics():
    loaded = Rubrics.load()
    assert loaded.problems == []
    return loaded


def test_every_form_sums_to_100_with_5_for_conduct(rubrics):
    assert len(rubrics.forms) == 10
    for form in rubrics.forms.values():
        assert form.max == FORM_MAX, form.id
        assert sum(r.max for r in form.items) == FORM_MAX, form.id
        assert sum(r.max for r in form.items if r.conduct) == CONDUCT_MAX, form.id


def test_one_project_form_per_project_of_table_1(rubrics):
    projects = {i: f for i, f in rubrics.forms.items() if not f.kinds}
    assert set(projects) == set(PROJECTS)
    for form_id, (module, points) in PROJECTS.items():
        form = projects[form_id]
        assert form.module == module
        assert [r.point for r in form.items] == list(POINTS[:points])
        assert all(r.standard and r.title and r.scorer is None for r in form.items)
        *skills, last = form.items
        assert last.conduct and last.max == CONDUCT_MAX and "6S" in last.standard
        assert not any(r.conduct for r in skills)
    assert {f.module for f in rubrics.forms.values()} == set(MODULES)
    assert set(MODULES) == {
        "customer_service",
        "visual_design",
        "platform_operations",
        "search_promotion",
        "new_media",
    }


def test_project_forms_live_in_rubric_forms(rubrics):
    for form_id in PROJECTS:
        assert rubrics.files[form_id].parent == rubric_dir() / "forms"


def test_row_ids_are_unique_across_project_forms(rubrics):
    ids = [r.id for f in rubrics.forms.values() if not f.kinds for r in f.items]
    assert len(ids) == len(set(ids)) == 62


def test_chat_judged_points_refer_to_existing_chat_rows(rubrics):
    chat_rows = {r.id for f in rubrics.forms.values() if f.kinds for r in f.items}
    for form_id, expected in CARRIED.items():
        form = rubrics.forms[form_id]
        carried = {r.point: r.from_chat for r in form.items if r.from_chat}
        assert carried == expected
        assert {ref for refs in carried.values() for ref in refs} <= chat_rows
    others = [r for i, f in rubrics.forms.items() if i not in CARRIED for r in f.items]
    assert not any(r.from_chat for r in others)


def test_score_still_uses_the_chat_forms(rubrics):
    for kind, form_id in [
        ("presale", "chat.presale"),
        ("objection", "chat.objection"),
        ("complaint", "chat.complaint"),
    ]:
        assert rubrics.chat_form(kind).id == form_id


def test_from_chat_only_in_project_rows_without_a_scorer(tmp_path):
    from bot.core.errors import ScriptError
    from bot.services.rubric_files import load_form

    chat = rubric_dir() / "chat" / "presale.yaml"
    path = tmp_path / "chat.yaml"
    path.write_text(
        chat.read_text(encoding="utf-8").replace(
            "scorer: platform_rules", "scorer: platform_rules\n    from_chat: [presale.steps]"
        ),
        encoding="utf-8",
    )
    with pytest.raises(ScriptError) as info:
        load_form(path)
    assert info.value.problems == [f"{path}:25: 聊天评分表的行不能用 from_chat（只用于项目评分表）"]


def test_a_waived_step_must_be_a_required_step(tmp_path):
    from bot.core.errors import ScriptError
    from bot.services.rubric_files import load_form

    path = tmp_path / "objection.yaml"
    path.write_text(
        (rubric_dir() / "chat" / "objection.yaml")
        .read_text(encoding="utf-8")
        .replace("waived_if_accepted: [confirm]", "waived_if_accepted: [confrim]"),
        encoding="utf-8",
    )
    with pytest.raises(ScriptError) as info:
        load_form(path)
    assert any(
        p.startswith(f"{path}:") and "“confrim”不在 steps 里，不能写在 waived_if_accepted" in p
        for p in info.value.problems
    ), info.value.problems
