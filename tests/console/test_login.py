"""Logging in and out of the console: passwords, CSRF, the slow-down, stale sessions."""

from __future__ import annotations

from bot.console.passwords import hash_password, verify_password
from bot.storage.audit import entries, set_password_hash


def test_argon2_hashes_and_verifies():
    stored = hash_password("a-long-password")
    assert stored.startswith("$argon2id$")
    assert verify_password(stored, "a-long-password")
    assert not verify_password(stored, "a-long-passwore")
    assert not verify_password(None, "anything")
    assert not verify_password("not a hash", "anything")


def test_login_then_logout(client, log_in, csrf_of):
    response = log_in(client, "李老师")
    assert response.status_code == 303 and response.headers["location"] == "/console/"
    home = client.get("/console/")
    assert "李老师（评分员）" in home.text
    out = client.post(
        "/console/logout", data={"csrftoken": csrf_of(home.text)}, follow_redirects=False
    )
    assert out.status_code == 303
    assert client.get("/console/", follow_redirects=False).status_code == 303


def test_a_wrong_password_says_the_same_as_a_wrong_name(client, log_in, password):
    wrong_password = log_in(client, "李老师", "not-the-password")
    wrong_name = log_in(client, "无此人", password)
    assert wrong_password.status_code == wrong_name.status_code == 400
    assert "用户名或密码不正确" in wrong_password.text and "用户名或密码不正确" in wrong_name.text


def test_five_wrong_passwords_slow_the_computer_down(client, log_in, password):
    for _ in range(5):
        log_in(client, "李老师", "guess-guess")
    slowed = log_in(client, "李老师", password)  # even the right password waits now
    assert slowed.status_code == 400 and "尝试次数太多" in slowed.text


def test_a_form_without_its_csrf_token_is_refused(client, log_in):
    log_in(client, "李老师")
    response = client.post("/console/logout", data={}, follow_redirects=False)
    assert response.status_code == 403
    assert client.get("/console/", follow_redirects=False).status_code == 200  # still logged in


def test_login_itself_needs_the_token(client, password):
    response = client.post(
        "/console/login", data={"name": "李老师", "password": password}, follow_redirects=False
    )
    assert response.status_code == 403


def test_a_new_password_logs_other_browsers_out(client, web_app, log_in):
    log_in(client, "李老师")
    set_password_hash(web_app.db, "李老师", hash_password("another-password"), "王主任")
    assert client.get("/console/", follow_redirects=False).status_code == 303
    assert any(e.action == "password" for e in entries(web_app.db))


def test_next_never_leaves_the_console(client, csrf_of, password):
    page = client.get("/console/login")
    response = client.post(
        "/console/login",
        data={
            "csrftoken": csrf_of(page.text),
            "name": "李老师",
            "password": password,
            "next": "https://evil.example/",
        },
        follow_redirects=False,
    )
    assert response.headers["location"] == "/console/"
