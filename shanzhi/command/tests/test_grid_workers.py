"""The grid worker's assessment from what they did: a report settled on the spot (就地化解), a
report handed on, a household visit; refusals change nothing."""

import pytest
from django.contrib.auth import get_user_model

from shanzhi.org.models import GridAssignment, Household, HouseholdVisit
from shanzhi.territory.models import Grid
from shanzhi.workorders.models import WorkOrder
from shanzhi.workorders.tests.test_pages import tiny_png

pytestmark = pytest.mark.django_db


def report(client, grid, **extra):
    from django.core.files.uploadedfile import SimpleUploadedFile

    body = {
        "category": "070101",
        "nature": "complaint",
        "urgency": "normal",
        "content": "两户邻居因楼道堆物争吵。",
        "lon": grid.lon,
        "lat": grid.lat,
        "photos": [SimpleUploadedFile("scene.png", tiny_png(), content_type="image/png")],
        **extra,
    }
    return client.post("/workorders/report/", body)


def test_a_grid_worker_settles_on_the_spot_visits_and_is_assessed(client_as):
    worker = client_as("gridworker")
    user = get_user_model().objects.get(username="gridworker")
    grid = Grid.objects.get(code=GridAssignment.objects.filter(user=user).first().grid_id)
    before = WorkOrder.objects.count()
    # Settled without saying how: refused, nothing registered.
    assert report(worker, grid, settled="on").status_code == 400
    assert WorkOrder.objects.count() == before
    assert (
        report(worker, grid, settled="on", settlement="当场协调，双方清理了杂物。").status_code
        == 302
    )
    settled = WorkOrder.objects.latest("pk")
    assert (settled.state, settled.answered_directly, settled.reply_text) == (
        "pending_rating",
        True,
        "当场协调，双方清理了杂物。",
    )
    done = worker.get("/workorders/report/done/").content.decode()
    assert f"工单 {settled.code} 已当场化解（直办），等待群众评价。" in done
    assert report(worker, grid).status_code == 302
    handed_on = WorkOrder.objects.latest("pk")
    assert (handed_on.state, handed_on.answered_directly) == ("pending_dispatch", False)
    done = worker.get("/workorders/report/done/").content.decode()
    assert f"工单 {handed_on.code} 已进入分拨，等待分拨员派单。" in done
    # A household of the grid is visited; another grid's household is refused.
    household = Household.objects.filter(grid=grid).first()
    url = f"/territory/grids/{grid.code}/households/{household.pk}/visit/"
    assert worker.post(url, {"note": "了解独居老人近况"}).status_code == 302
    assert worker.post(url, {"note": ""}).status_code == 302  # an error message, no visit
    assert HouseholdVisit.objects.filter(household=household, visitor=user).count() == 1
    elsewhere = Household.objects.exclude(grid__assignments__user=user).first()
    other = f"/territory/grids/{elsewhere.grid_id}/households/{elsewhere.pk}/visit/"
    assert worker.post(other, {"note": "走访"}).status_code in (403, 404)
    assert HouseholdVisit.objects.count() == 1
    page = client_as("commander").get("/command/gridworkers/?period=day").content.decode()
    row = page.split('data-user="gridworker"')[1].split("</tr>")[0]
    assert 'data-testid="reported">2<' in row
    assert 'data-testid="settled">1<' in row
    assert 'data-testid="visits">1<' in row
    assert "100.0%" in row  # timeliness: the settled one (the other has no deadline yet)


def test_only_the_grid_worker_who_reported_may_settle_it(user_named):
    from shanzhi.core.errors import ServiceError
    from shanzhi.workorders import services

    order = WorkOrder.objects.filter(state="pending_dispatch").exclude(channel="grid").first()
    with pytest.raises(ServiceError):
        services.workorder_answer_directly(
            actor=user_named("gridworker"), order_id=order.pk, answer="已处理"
        )
    order.refresh_from_db()
    assert order.state == "pending_dispatch" and not order.answered_directly
