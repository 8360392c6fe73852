"""Passwords cannot be guessed at speed: django-axes locks an account, and separately an
address, after a few failed logins; the lockout and its release are in the audit trail
(docs/adr/0010-throttles.md)."""

import pytest
from axes.models import AccessAttempt
from django.core.management import call_command
from django.test import Client

from shanzhi.conftest import DEMO_PASSWORD
from shanzhi.core.models import AuditEvent

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
WRONG = "用户名或密码不正确，请重试。"
LOCKED = "登录失败次数过多，该账号或当前网络地址已被暂时锁定"


def login(client, username, password, **headers):
    return client.post(LOGIN, {"username": username, "password": password}, **headers)


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def audit(action):
    return list(AuditEvent.objects.filter(action=action).order_by("pk"))


def test_forty_wrong_passwords_lock_the_account_and_the_right_one_is_refused(settings):
    client = Client()
    answers = [
        # A new X-Forwarded-For each time: with no trusted proxy it is not believed.
        login(client, "commander", f"guess-{n}", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}")
        for n in range(40)
    ]
    limit = settings.AXES_FAILURE_LIMIT
    assert [a.status_code for a in answers] == [200] * (limit - 1) + [429] * (41 - limit)
    assert WRONG in answers[0].content.decode()
    locked = answers[-1].content.decode()
    assert LOCKED in locked and 'name="password"' in locked  # the form, with the reason
    assert int(answers[-1]["Retry-After"]) == 30 * 60
    right = login(client, "commander", DEMO_PASSWORD)
    assert right.status_code == 429 and LOCKED in right.content.decode()
    assert not signed_in(client)
    [event] = audit("auth.locked_out")
    assert event.object_id == "commander" and event.after["ip_address"] == "127.0.0.1"
    assert event.after["failures"] == limit


def test_the_account_is_locked_from_every_address():
    for n in range(5):
        login(Client(), "commander", "wrong", REMOTE_ADDR=f"203.0.113.{n}")
    fresh = Client()
    assert login(fresh, "commander", DEMO_PASSWORD, REMOTE_ADDR="203.0.113.200").status_code == 429
    assert not signed_in(fresh)


def test_an_address_is_locked_for_every_account():
    client = Client()
    for name in ("leader", "dispatcher", "mediator", "department", "admin"):
        login(client, name, "wrong", REMOTE_ADDR="203.0.113.9")
    assert login(client, "resident", DEMO_PASSWORD, REMOTE_ADDR="203.0.113.9").status_code == 429
    assert not signed_in(client)
    # Someone else, elsewhere, signs in as usual.
    elsewhere = Client()
    assert (
        login(elsewhere, "resident", DEMO_PASSWORD, REMOTE_ADDR="203.0.113.10").status_code == 302
    )
    assert signed_in(elsewhere)


def test_behind_a_trusted_proxy_the_real_address_is_locked(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.1"]
    via_proxy = {"REMOTE_ADDR": "10.0.0.1"}
    for name in ("leader", "dispatcher", "mediator", "department", "admin"):
        login(Client(), name, "wrong", HTTP_X_FORWARDED_FOR="203.0.113.20", **via_proxy)
    assert AccessAttempt.objects.filter(ip_address="203.0.113.20").count() == 5
    locked = login(
        Client(), "resident", DEMO_PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.20", **via_proxy
    )
    assert locked.status_code == 429
    other = login(
        Client(), "resident", DEMO_PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.21", **via_proxy
    )
    assert other.status_code == 302


def test_release_by_the_command_is_audited_and_login_works_again():
    client = Client()
    for n in range(6):
        login(client, "commander", f"guess-{n}")
    assert login(client, "commander", DEMO_PASSWORD).status_code == 429
    call_command("axes_reset_username", "commander", verbosity=0)
    [event] = audit("auth.lockout_released")
    assert event.object_id == "commander" and event.reason == "管理员解除登录锁定"
    assert login(client, "commander", DEMO_PASSWORD).status_code == 302
    assert signed_in(client)


def test_release_in_the_admin_is_audited(client_as):
    for n in range(5):
        login(Client(), "commander", f"guess-{n}")
    attempt = AccessAttempt.objects.get(username="commander")
    admin = client_as("admin")
    deleted = admin.post(f"/admin/axes/accessattempt/{attempt.pk}/delete/", {"post": "yes"})
    assert deleted.status_code == 302
    [event] = audit("auth.lockout_released")
    assert event.before["username"] == "commander"
    assert login(Client(), "commander", DEMO_PASSWORD).status_code == 302


def test_a_few_typos_then_the_right_password_sign_in():
    client = Client()
    for n in range(3):
        assert login(client, "commander", f"typo-{n}").status_code == 200
    assert login(client, "commander", DEMO_PASSWORD).status_code == 302
    assert audit("auth.locked_out") == [] and audit("auth.lockout_released") == []


@pytest.mark.parametrize("length", [151, 256, 5000])
def test_an_overlong_username_is_a_wrong_login_not_a_500(length):
    """Django checks the username's length only in the browser; a longer one reached the failed-
    login record (255 characters) and PostgreSQL refused it with a 500."""
    client = Client()
    response = login(client, "a" * length, "whatever")
    assert response.status_code == 200
    assert WRONG in response.content.decode()
    assert not signed_in(client)
    assert not AccessAttempt.objects.filter(username__startswith="aaaa").exists()
    # The same client still signs in to a real account.
    login(client, "commander", DEMO_PASSWORD)
    assert signed_in(client)


def test_passwords_are_hashed_with_argon2_and_old_pbkdf2_hashes_upgrade_at_login(settings):
    """The real hashers, not the tests' fast one: a login costs one Argon2 check (about 0.1 s,
    where PBKDF2 took several times that), and an account whose hash predates the change still
    signs in and is rehashed."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password

    from shanzhi import settings as production

    settings.PASSWORD_HASHERS = production.PASSWORD_HASHERS
    assert production.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
    user = get_user_model().objects.get(username="leader")
    user.password = make_password(DEMO_PASSWORD, hasher="pbkdf2_sha256")
    user.save(update_fields=["password"])

    client = Client()
    assert login(client, "leader", DEMO_PASSWORD).status_code == 302
    assert signed_in(client)
    user.refresh_from_db()
    assert user.password.startswith("argon2$")
    assert login(Client(), "leader", DEMO_PASSWORD).status_code == 302
