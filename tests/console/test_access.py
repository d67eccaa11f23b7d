"""Every console route as every role and as nobody: a page opens only for the roles it names.

The routes come from the application itself (every ``Console.page`` registers its rule), so a
new page is tried here without anyone remembering to add it. A candidate's seat cookie opens no
console page.
"""

from __future__ import annotations

import re

import pytest

from bot.console.auth import ALL_ROLES

# A real value for each path parameter a console route may have.
PARAMS = {"exam_id": "1", "exam_number": "20260001"}


def concrete(path: str) -> str:
    def value(match: re.Match) -> str:
        name = match.group(1).split(":")[0]
        assert name in PARAMS, f"no test value for the path parameter {name!r} of {path}"
        return PARAMS[name]

    return re.sub(r"\{([^}]+)\}", value, path)


def rules(client):
    found = client.rules
    assert len(found) >= 2  # the test really looked at the routes
    # Logging out last, so that it does not end the login the other routes are tried with.
    return sorted(found, key=lambda rule: rule.path.endswith("/logout"))


def call(client, method: str, path: str):
    # Roles are tested here, not CSRF: a form sends the token its page would have had.
    headers = {}
    if method != "GET" and "csrftoken" in client.cookies:
        headers["x-csrftoken"] = client.cookies["csrftoken"]
    return client.request(method, concrete(path), headers=headers, follow_redirects=False)


def test_nobody_is_sent_to_the_login(client):
    for rule in rules(client):
        response = call(client, rule.method, rule.path)
        if rule.method == "GET":
            assert response.status_code == 303, rule
            assert response.headers["location"].startswith("/console/login?next="), rule
        else:
            assert response.status_code in (401, 403), rule


@pytest.mark.parametrize("name", ["王主任", "赵组长", "李老师"])
def test_each_role_reaches_exactly_its_pages(client, users, log_in, name):
    assert log_in(client, name).status_code == 303
    role = users[name]
    for rule in rules(client):
        response = call(client, rule.method, rule.path)
        if role in rule.roles:
            assert response.status_code not in (401, 403), (rule, response.text[:300])
        else:
            assert response.status_code == 403, rule
            assert "你的角色不能打开这个页面" in response.text


def test_a_candidate_seat_opens_no_console_page(client):
    client.post("/practice", data={"scenario": "presale-dress-size"}, follow_redirects=False)
    assert "kefu_seat" in client.cookies
    for rule in rules(client):
        response = call(client, rule.method, rule.path)
        assert response.status_code in (303, 401, 403), rule
        if response.status_code == 303:
            assert response.headers["location"].startswith("/console/login"), rule


def test_every_role_is_somewhere(client):
    reachable = {role for rule in rules(client) for role in rule.roles}
    assert reachable == set(ALL_ROLES)
