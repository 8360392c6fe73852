"""A court refers disputes to the county's mediation centre (委派调解) with its own token: its
case number is the idempotency key, the dispute is taken in at the centre with the source 法院委派
and one code, the parties get the code by SMS, and the court hears of 分派, 调解成功, 调解不成 and
转出 through signed callbacks. Refusals change nothing."""

import hashlib
import hmac
import json
from types import SimpleNamespace

import pytest
from django.test import Client

from shanzhi.core import outbox
from shanzhi.core.models import AuditEvent, Delivery
from shanzhi.core.services import api_token_create
from shanzhi.interop.models import Court, CourtReferral
from shanzhi.mediation.models import DisputeCase, MediationOrg, Mediator
from shanzhi.mediation.tests.test_cases import body as dispute_body
from shanzhi.mediation.tests.test_cases import post
from shanzhi.org import services as org

pytestmark = pytest.mark.django_db
URL = "/api/v1/mediation/referrals"


def make_court(callback_url: str = "", secret: str = "court-secret"):  # noqa: S107
    user = org.person_create(
        actor="test", username="wxcourt", full_name="吴兴区人民法院", password=None
    )
    centre = MediationOrg.objects.get(unit__name="吴兴区人民调解委员会")
    court = Court.objects.create(
        name="湖州市吴兴区人民法院",
        user=user,
        centre=centre,
        callback_url=callback_url,
        secret=secret,
    )
    return SimpleNamespace(court=court, token=api_token_create(user=user, name="court"))


def referral(**overrides) -> dict:
    data = {
        "case_number": "（2026）浙0502民诉前调1234号",
        "kind": "pre_litigation",
        "judge": "钱法官",
        **dispute_body(dispute_type="0501", title="拖欠工资"),
    }
    data.update(overrides)
    return data


def push(token, data):
    response = Client().post(
        URL,
        json.dumps(data, ensure_ascii=False),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    return response.status_code, response.json()


def counts() -> dict:
    return {
        "DisputeCase": DisputeCase.objects.count(),
        "CourtReferral": CourtReferral.objects.count(),
        "AuditEvent": AuditEvent.objects.count(),
    }


def test_a_referral_is_taken_in_once_at_the_centre(outbox, django_capture_on_commit_callbacks):
    court = make_court()
    with django_capture_on_commit_callbacks(execute=True):
        status, ack = push(court.token, referral())
    assert status == 201, ack
    assert ack["created"] and ack["state"] == "pending" and ack["org"] == "吴兴区人民调解委员会"
    case = DisputeCase.objects.get(code=ack["code"])
    assert (case.source, case.visits, case.level) == ("court", 0, "county")
    assert case.court_referral.judge == "钱法官"
    sms = sorted(m.phone for m in outbox if m.kind == "mediation.referred_in")
    assert sms == ["13812345678", "13912345678"] and ack["code"] in outbox[-1].text
    # Pushed again (a retry): the first result, nothing new.
    before = counts()
    status, again = push(court.token, referral(title="另一个标题"))
    assert status == 200 and not again["created"] and again["code"] == ack["code"]
    assert counts() == before
    # The centre sees it waiting for assignment, like a walk-in.
    centre = Client()
    centre.force_login(Mediator.objects.get(user__username="mediator").user)
    waiting = centre.get("/api/v1/mediation/cases?box=assign").json()
    assert ack["code"] in [c["code"] for c in waiting["items"]]


def test_refused_referrals_change_nothing(client_as):
    court = make_court()
    mediator = api_token_create(user=Mediator.objects.get(user__username="mediator").user, name="x")
    before = counts()
    # No applicant with a phone; a place outside the county; an unknown type: 400. A kind that
    # is none and an empty case number: 422 (the schema).
    cases = [
        (referral(parties=[{"role": "respondent", "name": "王五", "phone": "13912345678"}]), 400),
        (referral(region="330503001001"), 400),
        (referral(dispute_type="9999"), 400),
        (referral(kind="appeal"), 422),
        (referral(case_number=""), 422),
    ]
    for data, expected in cases:
        status, answer = push(court.token, data)
        assert status == expected, (data, answer)
    assert counts() == before
    # A token of an account that is no court (a mediator's), and an inactive court: 403.
    assert push(mediator, referral())[0] == 403
    Court.objects.filter(pk=court.court.pk).update(is_active=False)
    assert push(court.token, referral())[0] == 403
    assert counts() == before


def test_the_court_hears_of_assignment_and_agreement(receiver, settings, client_as):
    server = receiver()
    settings.DELIVERY_BACKOFF_SECONDS = 0
    court = make_court(server.url + "/callback")
    status, ack = push(court.token, referral())
    case = DisputeCase.objects.get(code=ack["code"])
    centre = client_as("mediator")
    me = Mediator.objects.get(user__username="mediator")
    url = f"/api/v1/mediation/cases/{case.pk}/actions/"
    assert post(centre, url + "assign", {"mediator": me.pk})[0] == 200
    assert post(centre, url + "agree", {"agreement": "用人单位月底前付清工资。"})[0] == 200
    rows = Delivery.objects.filter(channel="webhook").order_by("pk")
    assert [d.kind for d in rows] == ["court.assigned", "court.agreed"]
    assert {d.route for d in rows} == {court.court.route}
    for _ in range(3):
        outbox.deliveries_send()
    received = [r.json() for r in server.requests]
    assert [r["status"] for r in received] == ["assigned", "agreed"]
    agreed = received[1]
    assert agreed["case_number"] == "（2026）浙0502民诉前调1234号"
    assert agreed["code"] == ack["code"] and agreed["mediator"] == me.name
    assert agreed["agreement"] == "用人单位月底前付清工资。"
    # Signed with the court's secret over "<timestamp>.<body>".
    request = server.requests[1]
    timestamp = request.headers["X-Shanzhi-Timestamp"]
    mac = hmac.new(b"court-secret", timestamp.encode() + b"." + request.body, hashlib.sha256)
    assert request.headers["X-Shanzhi-Signature"] == "sha256=" + mac.hexdigest()
    assert request.headers["X-Shanzhi-Event"] == "court.agreed"
