"""履行回访: some days after an agreement (SHANZHI_MEDIATION_FOLLOW_UP_DAYS) its mediator asks
whether it was kept. Kept closes it for good; partly kept is asked again a week later; broken
reopens the case under the same code with a new period, and the figures follow."""

import datetime

import pytest
import time_machine
from django.utils import timezone

from shanzhi.mediation.models import DisputeCase, Mediator
from shanzhi.mediation.tests.test_cases import post, register

pytestmark = pytest.mark.django_db


def agreed_case(centre) -> dict:
    case = register(centre)
    me = Mediator.objects.get(user__username="mediator")
    url = f"/api/v1/mediation/cases/{case['id']}/actions/"
    post(centre, url + "assign", {"mediator": me.pk})
    status, agreed = post(centre, url + "agree", {"agreement": "十日内修复。"})
    assert status == 200
    return agreed


def test_a_broken_agreement_reopens_the_case(client_as, settings):
    settings.MEDIATION_FOLLOW_UP_DAYS = 30
    centre = client_as("mediator")
    case = agreed_case(centre)
    stored = DisputeCase.objects.get(pk=case["id"])
    assert stored.follow_up_due_at == stored.closed_at + datetime.timedelta(days=30)
    url = f"/api/v1/mediation/cases/{case['id']}/actions/follow_up"
    # Not in the inbox before its day; in it after.
    box = centre.get("/api/v1/mediation/cases?box=follow_up").json()
    assert case["code"] not in [c["code"] for c in box["items"]]
    later = timezone.now() + datetime.timedelta(days=31)
    with time_machine.travel(later, tick=False):
        centre = client_as("mediator")  # a new sign-in: the session would have expired
        box = centre.get("/api/v1/mediation/cases?box=follow_up").json()
        assert case["code"] in [c["code"] for c in box["items"]]
        # Partly kept needs a note; then it is asked again a week later.
        status, answer = post(centre, url, {"fulfilment": "partly"})
        assert status == 400 and answer["errors"][0]["field"] == "note"
        status, partly = post(centre, url, {"fulfilment": "partly", "note": "已付一半"})
        assert status == 200 and partly["state"] == "agreed"
        box = centre.get("/api/v1/mediation/cases?box=follow_up").json()
        assert case["code"] not in [c["code"] for c in box["items"]]
    with time_machine.travel(later + datetime.timedelta(days=8), tick=False):
        centre = client_as("mediator")
        status, broken = post(centre, url, {"fulfilment": "broken", "note": "对方拒不履行"})
        assert status == 200, broken
        assert broken["state"] == "mediating" and broken["closed_at"] is None
        assert "agree" in broken["allowed_actions"]
    stored.refresh_from_db()
    assert stored.due_at > later and stored.follow_up_due_at is None and not stored.is_overdue
    steps = [s["action"] for s in broken["timeline"]]
    assert steps[-3:] == ["agree", "follow_up", "follow_up"]


def test_a_kept_agreement_needs_no_more_follow_up(client_as):
    centre = client_as("mediator")
    case = agreed_case(centre)
    url = f"/api/v1/mediation/cases/{case['id']}/actions/follow_up"
    status, kept = post(centre, url, {"fulfilment": "fulfilled"})
    assert status == 200 and "follow_up" not in kept["allowed_actions"]
    version = DisputeCase.objects.get(pk=case["id"]).version
    assert post(centre, url, {"fulfilment": "broken", "note": "再来"})[0] == 409
    assert post(client_as("leader"), url, {"fulfilment": "fulfilled"})[0] == 403
    assert DisputeCase.objects.get(pk=case["id"]).version == version
