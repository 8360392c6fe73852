"""The parties confirm the agreement: online on the tracking page with the six-digit code sent to
their phone when the agreement was recorded, or by signing on the spot (the mediator records
it). Confirming twice is a conflict; a wrong code counts against the case code like a wrong
tail, and nothing changes."""

import json
import re

import pytest

from shanzhi.core.models import AuditEvent
from shanzhi.mediation.models import DisputeCase, Mediator, Party
from shanzhi.mediation.tests.test_cases import post, register

pytestmark = pytest.mark.django_db


def agreed(client_as, django_capture_on_commit_callbacks, outbox) -> tuple[dict, dict]:
    """A case agreed by the centre's mediator, and the codes each phone received."""
    centre = client_as("mediator")
    case = register(centre)
    me = Mediator.objects.get(user__username="mediator")
    url = f"/api/v1/mediation/cases/{case['id']}/actions/"
    post(centre, url + "assign", {"mediator": me.pk})
    with django_capture_on_commit_callbacks(execute=True):
        status, answer = post(centre, url + "agree", {"agreement": "十日内修复，赔偿 2000 元。"})
    assert status == 200, answer
    codes = {
        m.phone: re.search(r"确认码 (\d{6})", m.text).group(1)
        for m in outbox
        if m.kind == "mediation.confirm_code"
    }
    return case, codes


def test_a_party_confirms_online_once(
    client, client_as, django_capture_on_commit_callbacks, outbox
):
    case, codes = agreed(client_as, django_capture_on_commit_callbacks, outbox)
    assert sorted(codes) == ["13812345678", "13912345678"]
    assert not Party.objects.filter(confirm_code_hash__in=list(codes.values())).exists()
    page = client.get("/mediation/track/", {"code": case["code"], "phone_tail": "5678"})
    assert 'data-testid="confirm-form"' in page.content.decode()
    # A wrong code: refused, counted, nothing confirmed.
    wrong = "000000" if codes["13812345678"] != "000000" else "111111"
    response = client.post(
        "/mediation/track/confirm/",
        {"code": case["code"], "phone_tail": "5678", "confirm_code": wrong},
    )
    assert response.status_code == 400 and "确认码不正确" in response.content.decode()
    assert not Party.objects.filter(case_id=case["id"], confirmed_at__isnull=False).exists()
    # The applicant's own code (the tail 5678 is shared by both phones: the code decides).
    response = client.post(
        "/mediation/track/confirm/",
        {"code": case["code"], "phone_tail": "5678", "confirm_code": codes["13812345678"]},
    )
    assert response.status_code == 200 and "协议确认：1/2 方已确认" in response.content.decode()
    applicant = Party.objects.get(case_id=case["id"], role="applicant")
    assert applicant.confirmed_via == "online" and applicant.confirm_code_hash == ""
    assert AuditEvent.objects.filter(
        object_type="mediation", object_id=str(case["id"]), action="party_confirm"
    ).exists()
    # The respondent through the API; then a second confirmation is a conflict.
    url = f"/api/v1/mediation/track/{case['code']}/confirmation"
    body = {"phone_tail": "5678", "confirm_code": codes["13912345678"]}
    response = client.post(url, json.dumps(body), content_type="application/json")
    assert response.status_code == 200 and response.json()["parties_confirmed"] == 2
    version = DisputeCase.objects.get(pk=case["id"]).version
    response = client.post(url, json.dumps(body), content_type="application/json")
    assert response.status_code == 409
    assert DisputeCase.objects.get(pk=case["id"]).version == version


def test_wrong_codes_lock_the_case_code(
    client, client_as, django_capture_on_commit_callbacks, outbox, settings
):
    settings.TRACKING_FAILURE_LIMIT = 3
    case, codes = agreed(client_as, django_capture_on_commit_callbacks, outbox)
    url = f"/api/v1/mediation/track/{case['code']}/confirmation"
    wrong = next(c for c in ("000000", "111111") if c not in codes.values())
    statuses = [
        client.post(
            url,
            json.dumps({"phone_tail": "5678", "confirm_code": wrong}),
            content_type="application/json",
        ).status_code
        for _ in range(4)
    ]
    assert statuses == [400, 400, 403, 403]
    # Locked for the day: even the right code is refused now.
    right = {"phone_tail": "5678", "confirm_code": codes["13812345678"]}
    assert client.post(url, json.dumps(right), content_type="application/json").status_code == 403
    assert not Party.objects.filter(case_id=case["id"], confirmed_at__isnull=False).exists()


def test_the_mediator_records_signatures_on_the_spot(
    client_as, django_capture_on_commit_callbacks, outbox
):
    case, _codes = agreed(client_as, django_capture_on_commit_callbacks, outbox)
    centre = client_as("mediator")
    respondent = Party.objects.get(case_id=case["id"], role="respondent")
    url = f"/api/v1/mediation/cases/{case['id']}/actions/sign"
    status, signed = post(centre, url, {"parties": [respondent.pk]})
    assert status == 200 and "sign" in signed["allowed_actions"]
    respondent.refresh_from_db()
    assert respondent.confirmed_via == "in_person" and respondent.confirm_code_hash == ""
    # Signing the same party again is a conflict; a party of another case is refused.
    assert post(centre, url, {"parties": [respondent.pk]})[0] == 409
    other = Party.objects.exclude(case_id=case["id"]).first()
    assert post(centre, url, {"parties": [other.pk]})[0] == 400
    applicant = Party.objects.get(case_id=case["id"], role="applicant")
    status, signed = post(centre, url, {"parties": [applicant.pk]})
    assert status == 200 and "sign" not in signed["allowed_actions"]
    # The leader sees the case but signs nothing.
    assert post(client_as("leader"), url, {"parties": [applicant.pk]})[0] == 403
