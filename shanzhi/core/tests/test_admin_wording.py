"""The admin speaks Chinese throughout (issue #11 item 17): the audit trail's action and object
keys, the outbox's message kinds, the background tasks and the packages' own screens are named
in Chinese, and Django's stock validation messages read as natural Chinese."""

import re
from pathlib import Path

import pytest
from django import forms
from django.conf import settings
from django.utils import translation

from shanzhi.core import labels
from shanzhi.core.models import AuditEvent, Delivery

CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.mark.django_db
def test_every_audited_action_and_object_of_the_demo_has_a_chinese_name():
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    objects = set(AuditEvent.objects.values_list("object_type", flat=True))
    assert len(actions) > 20  # the demo writes through the services, so the trail is varied
    unnamed = sorted(a for a in actions if not CJK.search(labels.action_label(a)))
    assert unnamed == []
    unnamed = sorted(o for o in objects if not CJK.search(labels.object_label(o)))
    assert unnamed == []


def test_names_of_generic_and_specific_actions():
    assert labels.action_label("grid.create") == "新建网格"
    assert labels.action_label("unit.delete") == "删除单位"
    assert labels.action_label("dispatchrule.update") == "修改派单规则"
    assert labels.action_label("dispatch") == "派单"
    assert labels.action_label("appellant.view") == "查看诉求人信息"
    assert labels.action_label("hotline.receive") == "接收热线来件"
    # An unknown key is shown as it is rather than guessed at.
    assert labels.action_label("something.odd") == "something.odd"
    assert labels.message_label("hotline.signed") == "回传 12345：已签收"
    assert labels.task_label("shanzhi.workorders.tasks.sweep_deadlines") == "时限巡检"
    with translation.override("en"):
        assert labels.action_label("grid.create") == "Create Grid"
        assert labels.message_label("hotline.signed") == "Callback to 12345: Signed for"


@pytest.mark.django_db
def test_the_admin_screens_are_in_chinese(client_as):
    admin = client_as("admin")
    index = admin.get("/admin/").content.decode()
    for english in ("Axes", "AXES", "Access attempts", "Task Results", "Tasks Database"):
        assert english not in index
    for chinese in ("登录防护", "登录尝试", "后台任务", "后台任务记录"):
        assert chinese in index

    trail = admin.get("/admin/core/auditevent/").content.decode()
    assert "新建网格" in trail and "受理" in trail
    assert ">grid.create<" not in trail
    filtered = admin.get("/admin/core/auditevent/", {"action": "grid.create"})
    assert filtered.status_code == 200
    count = AuditEvent.objects.filter(action="grid.create").count()
    assert f"{count} 审计事件" in filtered.content.decode()

    for path in (
        "/admin/django_tasks_database/dbtaskresult/",
        "/admin/django_tasks_database/dbtaskresult/?status=FAILED",
        "/admin/axes/accessattempt/",
        "/admin/core/periodicjob/",
        "/admin/core/delivery/",
    ):
        page = admin.get(path)
        assert page.status_code == 200, path
        text = page.content.decode()
        for english in ("Task name", "Attempt Time", "Queue name", "Enqueued at"):
            assert english not in text, (path, english)
    results = admin.get("/admin/django_tasks_database/dbtaskresult/").content.decode()
    assert "待执行" in results and "执行中" in results  # the status filter
    assert "尝试时间" in admin.get("/admin/axes/accessattempt/").content.decode()
    if Delivery.objects.filter(kind="appeal.registered").exists():
        assert "受理回执" in admin.get("/admin/core/delivery/").content.decode()


def test_django_validation_messages_read_as_natural_chinese():
    class Form(forms.Form):
        name = forms.CharField(max_length=3)
        count = forms.IntegerField(min_value=1)
        when = forms.DateField()

    with translation.override("zh-hans"):
        errors = Form({"name": "四个汉字", "count": "0", "when": "x"}).errors
        assert errors["name"] == ["最多 3 个字（现在 4 个）。"]
        assert errors["count"] == ["不能小于 1。"]
        assert errors["when"] == ["请输入有效的日期。"]
        assert Form({}).errors["name"] == ["此项必填。"]
    with translation.override("en"):
        assert Form({}).errors["name"] == ["This field is required."]


def test_the_chinese_wording_catalog_is_kept_by_hand():
    """Every entry has its Chinese; none went obsolete (makemessages must not run for zh_Hans)."""
    path = Path(settings.LOCALE_PATHS[0]) / "zh_Hans" / "LC_MESSAGES" / "django.po"
    entries = path.read_text(encoding="utf-8").split("\n\n")[1:]  # the header first
    assert len(entries) > 50
    assert not any(line.startswith("#~") for e in entries for line in e.splitlines())
    for entry in entries:
        lines = entry.strip().splitlines()
        texts = [line for line in lines if line.startswith(("msgstr ", "msgstr[0] "))]
        assert texts and texts[0].split(" ", 1)[1] != '""', entry
        assert not re.search(r"[\u4e00-\u9fff][,.;:!?()]", texts[0]), entry
