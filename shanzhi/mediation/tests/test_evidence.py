"""Evidence: a party uploads photos and documents on the tracking page with the case code and
four digits of a phone, the case's mediators on its page; every file is recognised by its first
bytes and size before anything is stored, opened only by those who see the parties in full, and
each opening is logged. Refusals store nothing."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from shanzhi.core.models import AuditEvent
from shanzhi.mediation.models import DisputeCase, Evidence, Mediator
from shanzhi.mediation.tests.test_cases import post, register

pytestmark = pytest.mark.django_db
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.4\n" + b"0" * 64


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


@pytest.fixture
def case(client_as):
    centre = client_as("mediator")
    made = register(centre)
    me = Mediator.objects.get(user__username="mediator")
    post(centre, f"/api/v1/mediation/cases/{made['id']}/actions/assign", {"mediator": me.pk})
    return made


def test_a_party_uploads_evidence_on_the_tracking_page(client, client_as, case, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    page = client.get("/mediation/track/", {"code": case["code"], "phone_tail": "5678"})
    assert 'data-testid="evidence-form"' in page.content.decode()
    response = client.post(
        "/mediation/track/evidence/",
        {
            "code": case["code"],
            "phone_tail": "5678",
            "description": "漏水照片和维修报价单",
            "files": [upload("漏水.png", PNG), upload("报价.pdf", PDF)],
        },
    )
    assert response.status_code == 200, response.content.decode()[:500]
    assert "已收到证据 2 份" in response.content.decode()
    stored = list(Evidence.objects.filter(case_id=case["id"]).order_by("pk"))
    assert [(e.content_type, e.by_party, e.uploaded_by) for e in stored] == [
        ("image/png", True, None),
        ("application/pdf", True, None),
    ]
    assert stored[0].description == "漏水照片和维修报价单"
    # The case's mediator sees them and opens one; the opening is logged.
    centre = client_as("mediator")
    detail = centre.get(f"/api/v1/mediation/cases/{case['id']}").json()
    assert [e["name"] for e in detail["evidence"]] == ["漏水.png", "报价.pdf"]
    assert detail["timeline"][-1]["action"] == "evidence"
    opened = centre.get(f"/mediation/evidence/{stored[0].pk}/")
    assert opened.status_code == 200 and b"".join(opened.streaming_content) == PNG
    assert AuditEvent.objects.filter(
        action="mediation.evidence_view", object_id=str(stored[0].pk)
    ).exists()
    # A leader sees the case with the parties masked: no names, and no file.
    leader = client_as("leader")
    masked = leader.get(f"/api/v1/mediation/cases/{case['id']}").json()
    assert [e["name"] for e in masked["evidence"]] == ["", ""]
    assert leader.get(f"/mediation/evidence/{stored[0].pk}/").status_code == 404
    assert client_as("outsider").get(f"/mediation/evidence/{stored[0].pk}/").status_code in (
        403,
        404,
    )


def test_refused_uploads_store_nothing(client, case, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.UPLOAD_MAX_BYTES = 1024
    before = (Evidence.objects.count(), DisputeCase.objects.get(pk=case["id"]).version)
    for files, tail, status in (
        ([upload("note.txt", b"just text, not a photo")], "5678", 400),  # a type by content
        ([upload("big.png", PNG + b"\x00" * 2048)], "5678", 413),  # over the size limit
        ([upload("x.png", PNG)], "0000", 404),  # the wrong four digits
        ([], "5678", 400),  # no file at all
    ):
        response = client.post(
            "/mediation/track/evidence/",
            {"code": case["code"], "phone_tail": tail, "files": files},
        )
        assert response.status_code == status, (files, response.status_code)
    assert (Evidence.objects.count(), DisputeCase.objects.get(pk=case["id"]).version) == before
    assert not any(tmp_path.rglob("*.png"))


def test_mediators_add_evidence_on_the_case_page_while_it_is_open(
    client_as, case, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    centre = client_as("mediator")
    version = DisputeCase.objects.get(pk=case["id"]).version
    response = centre.post(
        f"/mediation/{case['id']}/act/evidence/",
        {"version": version, "files": [upload("现场.png", PNG)], "description": "现场照片"},
    )
    assert response.status_code == 302
    item = Evidence.objects.get(case_id=case["id"])
    assert (item.by_party, item.uploaded_by.username) == (False, "mediator")
    # Closed: no more evidence, from anyone.
    post(centre, f"/api/v1/mediation/cases/{case['id']}/actions/agree", {"agreement": "已修好"})
    response = centre.post(
        f"/mediation/{case['id']}/act/evidence/",
        {"version": version + 2, "files": [upload("晚了.png", PNG)]},
    )
    assert response.status_code == 409
    assert Evidence.objects.filter(case_id=case["id"]).count() == 1
