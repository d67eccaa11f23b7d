"""Placing drawn candidates (bot.core.draw.place): a project per module, a scenario per chat.

Covers determinism by seed, that the drawn modules are kept as they are, that customer service
(and only it) gets a scenario from its own project's pool, the ``service`` narrowing, and the
refusals (unknown service, a module without projects, a project without scenarios).
"""

from __future__ import annotations

import pytest

from bot.core.draw import Placement, draw, place
from bot.core.errors import KefuError
from bot.core.rubric import MODULES

PROJECTS: dict[str, list[str]] = {
    "customer_service": ["presale", "aftersale"],
    "visual_design": ["web_page_editing", "shop_design"],
    "platform_operations": ["platform_operations"],
    "search_promotion": ["search_promotion"],
    "new_media": ["new_media"],
}
SCENARIOS: dict[str, list[str]] = {
    "presale": ["presale-dress-size", "presale-phone", "presale-tea"],
    "aftersale": ["objection-price", "complaint-late", "complaint-broken"],
}


def test_the_same_assignments_and_seed_give_the_same_placements():
    assignments = draw(60, 7).assignments
    assert place(assignments, 7, PROJECTS, SCENARIOS) == place(assignments, 7, PROJECTS, SCENARIOS)


def test_a_different_seed_gives_different_placements_for_a_large_exam():
    assignments = draw(200, 1).assignments
    assert place(assignments, 1, PROJECTS, SCENARIOS) != place(assignments, 2, PROJECTS, SCENARIOS)


def test_the_order_in_which_projects_and_scenarios_are_listed_does_not_matter():
    # The lists come from files found on disk; their order must not change a recorded draw.
    assignments = draw(60, 3).assignments
    reordered_projects = {m: list(reversed(p)) for m, p in reversed(PROJECTS.items())}
    reordered_scenarios = {k: list(reversed(s)) for k, s in reversed(SCENARIOS.items())}
    assert place(assignments, 3, PROJECTS, SCENARIOS) == place(
        assignments, 3, reordered_projects, reordered_scenarios
    )


def test_the_drawn_modules_are_kept_in_order_and_the_input_is_not_changed():
    assignments = draw(100, 5).assignments
    given = list(assignments)
    placed = place(assignments, 5, PROJECTS, SCENARIOS)
    assert [p.module for p in placed] == given
    assert assignments == given


def test_every_placement_takes_a_project_of_its_own_module():
    placed = place(draw(100, 11).assignments, 11, PROJECTS, SCENARIOS)
    assert all(p.project in PROJECTS[p.module] for p in placed)


def test_customer_service_and_only_it_gets_a_scenario_from_its_projects_pool():
    placed = place(draw(100, 11).assignments, 11, PROJECTS, SCENARIOS)
    for p in placed:
        if p.module == "customer_service":
            assert p.scenario in SCENARIOS[p.project]
        else:
            assert p.scenario is None
    assert any(p.module == "customer_service" for p in placed)


def test_with_both_services_a_large_exam_gets_presale_and_aftersale():
    placed = place(draw(100, 11).assignments, 11, PROJECTS, SCENARIOS, service="both")
    projects = {p.project for p in placed if p.module == "customer_service"}
    assert projects == {"presale", "aftersale"}


@pytest.mark.parametrize("service", ["presale", "aftersale"])
def test_a_chosen_service_puts_every_customer_service_candidate_into_it(service):
    placed = place(draw(100, 11).assignments, 11, PROJECTS, SCENARIOS, service=service)
    service_lines = [p for p in placed if p.module == "customer_service"]
    assert len(service_lines) == 40
    assert all(p.project == service for p in service_lines)
    assert all(p.scenario in SCENARIOS[service] for p in service_lines)


def test_a_chosen_service_leaves_the_other_modules_free_to_vary():
    placed = place(draw(100, 11).assignments, 11, PROJECTS, SCENARIOS, service="presale")
    design = {p.project for p in placed if p.module == "visual_design"}
    assert design == {"web_page_editing", "shop_design"}


def test_no_assignments_give_no_placements():
    assert place([], 1, PROJECTS, SCENARIOS) == []


def test_a_placement_of_a_single_candidate_is_a_placement():
    [placed] = place(["new_media"], 1, PROJECTS, SCENARIOS)
    assert placed == Placement("new_media", "new_media", None)


def test_an_unknown_service_is_refused_naming_it():
    with pytest.raises(KefuError, match="售中"):
        place(["customer_service"], 1, PROJECTS, SCENARIOS, service="售中")


def test_a_module_without_projects_is_refused_naming_the_module():
    projects = {m: p for m, p in PROJECTS.items() if m != "new_media"}
    with pytest.raises(KefuError, match=MODULES["new_media"]):
        place(draw(20, 1).assignments, 1, projects, SCENARIOS)


def test_a_module_with_an_empty_project_list_is_refused():
    with pytest.raises(KefuError, match=MODULES["visual_design"]):
        place(["visual_design"], 1, {**PROJECTS, "visual_design": []}, SCENARIOS)


def test_a_chosen_service_without_its_project_form_is_refused():
    projects = {**PROJECTS, "customer_service": ["aftersale"]}
    with pytest.raises(KefuError, match=MODULES["customer_service"]):
        place(["customer_service"], 1, projects, SCENARIOS, service="presale")


def test_a_customer_service_project_without_scenarios_is_refused_naming_the_project():
    with pytest.raises(KefuError, match="presale"):
        place(["customer_service"], 1, PROJECTS, {"presale": [], "aftersale": []}, "presale")
