"""Service attributes: the questions a category asks (Open311 service definitions), checked on
every channel and shown to staff on the work order."""

import json
import xml.etree.ElementTree as ET

import pytest

from shanzhi.core.services import api_token_create
from shanzhi.workorders.models import Appeal, Category, ServiceAttribute
from shanzhi.workorders.tests.helpers import appeal_body, point_in

pytestmark = pytest.mark.django_db
BASE = "/open311/v2"
DRAINS = "010304"  # 排水不畅: the demo asks how deep the water is and for how long


@pytest.fixture
def api_key(user_named):
    return api_token_create(user=user_named("operator"), name="open311 client")


@pytest.fixture
def required_question():
    """A required question on 道路破损, as an administrator would add it."""
    return ServiceAttribute.objects.create(
        category=Category.objects.get(code="010301"),
        code="hazard",
        datatype="singlevaluelist",
        required=True,
        description="是否危及行人安全？",
        order=1,
        values=[{"key": "yes", "name": "是"}, {"key": "no", "name": "否"}],
    )


def drains_form(**extra):
    lon, lat = point_in()
    return {
        "service_code": DRAINS,
        "lat": str(lat),
        "long": str(lon),
        "description": "路口积水",
        "phone": "13812345678",
        **extra,
    }


def test_the_definition_lists_the_questions_in_both_formats(client):
    definition = json.loads(client.get(f"{BASE}/services/{DRAINS}.json").content)
    assert [
        (a["code"], a["datatype"], a["required"], a["order"]) for a in definition["attributes"]
    ] == [("depth", "singlevaluelist", False, 1), ("hours", "number", False, 2)]
    assert definition["attributes"][0]["values"][1] == {"key": "ankle", "name": "没过脚踝"}
    assert "values" not in definition["attributes"][1]
    root = ET.fromstring(client.get(f"{BASE}/services/{DRAINS}.xml").content)  # noqa: S314
    attribute = root.find("attributes").findall("attribute")[0]
    assert attribute.findtext("code") == "depth"
    assert [v.findtext("key") for v in attribute.find("values")] == ["below_ankle", "ankle", "knee"]
    services = json.loads(client.get(f"{BASE}/services.json").content)
    metadata = {s["service_code"]: s["metadata"] for s in services}
    assert (metadata[DRAINS], metadata["010301"]) == (True, False)


def test_answers_are_checked_and_kept(client, api_key, client_as):
    response = client.post(
        f"{BASE}/requests.json",
        drains_form(
            **{
                "api_key": api_key,
                "attribute[depth]": "knee",
                "attribute[hours]": "3.5",
                "attribute[colour]": "brown",
            }
        ),
    )
    assert response.status_code == 200, response.content
    order_id = int(json.loads(response.content)[0]["service_request_id"])
    appeal = Appeal.objects.get(work_order_id=order_id)
    assert appeal.attributes == {"depth": "knee", "hours": 3.5}  # unknown questions dropped
    page = client_as("dispatcher").get(f"/workorders/{order_id}/").content.decode()
    assert "积水有多深？ <strong>没过膝盖</strong>" in page


def test_multivalue_answers(client, api_key):
    lon, lat = point_in()
    response = client.post(
        f"{BASE}/requests.json",
        {
            "api_key": api_key,
            "service_code": "020102",
            "lat": str(lat),
            "long": str(lon),
            "description": "夜间噪声",
            "phone": "13812345678",
            "attribute[periods][]": ["day", "night"],
        },
    )
    assert response.status_code == 200, response.content
    order_id = int(json.loads(response.content)[0]["service_request_id"])
    assert Appeal.objects.get(work_order_id=order_id).attributes == {"periods": ["day", "night"]}


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"attribute[depth]": "ocean"}, "选项无效"),
        ({"attribute[hours]": "long"}, "必须是数字"),
        ({"attribute[hours]": "nan"}, "必须是数字"),
    ],
)
def test_wrong_answers_are_refused_and_nothing_is_stored(
    client, api_key, table_counts, extra, message
):
    counts = table_counts()
    response = client.post(f"{BASE}/requests.json", drains_form(api_key=api_key, **extra))
    assert response.status_code == 400
    assert message in json.loads(response.content)[0]["description"]
    assert table_counts() == counts


def test_a_required_question_must_be_answered_on_every_channel(
    client, api_key, client_as, required_question, table_counts
):
    counts = table_counts()
    lon, lat = point_in()
    response = client.post(
        f"{BASE}/requests.json",
        {
            "api_key": api_key,
            "service_code": "010301",
            "lat": str(lat),
            "long": str(lon),
            "description": "路面塌陷",
            "phone": "13812345678",
        },
    )
    assert response.status_code == 400
    assert "是否危及行人安全" in json.loads(response.content)[0]["description"]
    operator = client_as("operator")
    response = operator.post(
        "/api/v1/appeals", json.dumps(appeal_body()), content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "attribute[hazard]"
    assert table_counts() == counts
    response = operator.post(
        "/api/v1/appeals",
        json.dumps(appeal_body(attributes={"hazard": "yes"})),
        content_type="application/json",
    )
    assert response.status_code == 201
    appeal = Appeal.objects.get(tracking_code=response.json()["tracking_code"])
    assert appeal.attributes == {"hazard": "yes"}


def test_the_demo_order_for_drains_carries_its_answers():
    appeal = Appeal.objects.get(category__code=DRAINS, work_order__area_code__startswith="3305020")
    assert appeal.attributes == {"depth": "ankle", "hours": 6.0}
