"""The people-and-units screens of the admin, driven over HTTP as the administrator uses them:
each save goes through org's services, so it takes effect at once (triage), grants what the
role grants (the administrator role is the superuser) and is audited, people included; a
refused save changes nothing and says why on the form."""

import pytest
from django.contrib.auth import get_user_model

from shanzhi.core.models import AuditEvent
from shanzhi.org.choices import Role, UnitKind
from shanzhi.org.models import Membership, Unit
from shanzhi.territory.services import region_save
from shanzhi.workorders.services.routing import dispatch_unit_id_for

pytestmark = pytest.mark.django_db

NEW_TOWNSHIP = "330502003000"  # not in the demo: 吴兴区's centre triages it until it has a room
CITY_CENTRE = "湖州市社会治理中心"
# The person screen lists the roles read-only; its form still carries their management form.
NO_INLINE_ROWS = {"memberships-TOTAL_FORMS": "0", "memberships-INITIAL_FORMS": "0"}


def latest_event(action: str) -> AuditEvent:
    return AuditEvent.objects.filter(action=action).latest("pk")


def form_errors(response) -> dict:
    return response.context["adminform"].form.errors


def test_a_command_room_added_in_the_admin_triages_its_township_at_once(
    client_as, django_capture_on_commit_callbacks
):
    township = region_save(actor="test", code=NEW_TOWNSHIP, name="测试街道", lon=120.1, lat=30.9)
    county_centre = Unit.objects.get(name="吴兴区社会治理中心")
    assert dispatch_unit_id_for(NEW_TOWNSHIP) == county_centre.pk  # and now in memory
    with django_capture_on_commit_callbacks(execute=True):
        response = client_as("admin").post(
            "/admin/org/unit/add/",
            {
                "name": "测试街道综合指挥室",
                "kind": UnitKind.COMMAND_ROOM,
                "region": township.code,
                "parent": county_centre.pk,
                "phone": "",
                "is_active": "on",
            },
        )
    assert response.status_code == 302
    room = Unit.objects.get(name="测试街道综合指挥室")
    assert dispatch_unit_id_for(NEW_TOWNSHIP) == room.pk
    event = latest_event("unit.create")
    assert (event.object_id, event.actor.username) == (str(room.pk), "admin")
    # Switched off in the admin: the county's centre triages again, also at once.
    with django_capture_on_commit_callbacks(execute=True):
        response = client_as("admin").post(
            f"/admin/org/unit/{room.pk}/change/",
            {
                "name": room.name,
                "kind": room.kind,
                "region": township.code,
                "parent": county_centre.pk,
                "phone": "",
            },
        )
    assert response.status_code == 302
    assert dispatch_unit_id_for(NEW_TOWNSHIP) == county_centre.pk
    assert latest_event("unit.update").after == {"is_active": False}


def test_the_administrator_role_granted_in_the_admin_makes_a_superuser_and_revoking_undoes_it(
    client_as,
):
    dispatcher = get_user_model().objects.get(username="dispatcher")
    centre = Unit.objects.get(name=CITY_CENTRE)
    assert not dispatcher.is_superuser
    assert client_as("dispatcher").get("/admin/").status_code == 302  # to the admin's login
    admin = client_as("admin")
    response = admin.post(
        "/admin/org/membership/add/",
        {"user": dispatcher.pk, "unit": centre.pk, "role": Role.ADMIN},
    )
    assert response.status_code == 302
    dispatcher.refresh_from_db()
    assert dispatcher.is_superuser and dispatcher.is_staff
    assert client_as("dispatcher").get("/admin/").status_code == 200
    grant = latest_event("membership.grant")
    assert (grant.actor.username, grant.after["role"]) == ("admin", Role.ADMIN)
    membership = Membership.objects.get(user=dispatcher, role=Role.ADMIN)
    response = admin.post(f"/admin/org/membership/{membership.pk}/change/", {})  # 有效 unticked
    assert response.status_code == 302
    dispatcher.refresh_from_db()
    assert not (dispatcher.is_superuser or dispatcher.is_staff)
    membership.refresh_from_db()
    assert not membership.is_active
    revoke = latest_event("membership.revoke")
    assert revoke.after == {
        "user": "dispatcher",
        "unit": centre.pk,
        "role": Role.ADMIN,
        "superuser": False,
    }
    assert client_as("dispatcher").get("/admin/").status_code == 302


def test_people_added_changed_and_given_a_password_in_the_admin_are_audited(client_as):
    admin = client_as("admin")
    response = admin.post(
        "/admin/auth/user/add/",
        {
            "username": "newclerk",
            "first_name": "钱多多",
            "email": "",
            "usable_password": "true",
            "password1": "Zhejiang-2026!",
            "password2": "Zhejiang-2026!",
            **NO_INLINE_ROWS,
        },
    )
    assert response.status_code == 302
    person = get_user_model().objects.get(username="newclerk")
    assert person.check_password("Zhejiang-2026!") and person.first_name == "钱多多"
    created = latest_event("person.create")
    assert (created.object_id, created.actor.username) == (str(person.pk), "admin")
    assert created.after["full_name"] == "钱多多"

    response = admin.post(
        f"/admin/auth/user/{person.pk}/change/",
        {
            "username": "newclerk",
            "first_name": "钱多多",
            "email": "qian@example.org",
            "is_active": "on",
            **NO_INLINE_ROWS,
        },
    )
    assert response.status_code == 302
    updated = latest_event("person.update")
    assert (updated.before, updated.after) == ({"email": ""}, {"email": "qian@example.org"})

    response = admin.post(
        f"/admin/auth/user/{person.pk}/password/",
        {"usable_password": "true", "password1": "Huzhou-2027!", "password2": "Huzhou-2027!"},
    )
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.check_password("Huzhou-2027!")
    changed = latest_event("person.password")
    assert changed.after == {"username": "newclerk", "usable": True}
    assert person.password not in str(changed.after)


def test_a_refused_unit_changes_nothing_and_names_the_field(client_as, table_counts):
    unit = Unit.objects.get(name="月河街道综合指挥室")
    before = table_counts()
    response = client_as("admin").post(
        f"/admin/org/unit/{unit.pk}/change/",
        {
            "name": unit.name,
            "kind": unit.kind,
            "region": unit.region_id,
            "parent": unit.parent_id or "",
            "phone": "12345",
            "is_active": "on",
        },
    )
    assert response.status_code == 200
    assert form_errors(response) == {"phone": ["电话号码格式不正确"]}
    assert "电话号码格式不正确" in response.content.decode()
    unit.refresh_from_db()
    assert unit.phone == ""
    assert table_counts() == before


def test_an_administrator_by_role_stays_one_until_the_role_is_revoked(client_as, table_counts):
    person = get_user_model().objects.get(username="admin")
    before = table_counts()
    response = client_as("admin").post(
        f"/admin/auth/user/{person.pk}/change/",
        {
            "username": "admin",
            "first_name": person.first_name,
            "email": person.email,
            "is_active": "on",
            **NO_INLINE_ROWS,
        },
    )
    assert response.status_code == 200
    assert form_errors(response) == {
        "is_superuser": ["此人仍任系统管理员，请先在“任职”中撤销该角色"]
    }
    person.refresh_from_db()
    assert person.is_superuser and person.is_staff
    assert table_counts() == before


def test_a_party_members_households_come_from_their_grid(client_as, table_counts):
    from shanzhi.org.models import Household, PartyMember

    member = PartyMember.objects.filter(grid_id="330502001001001").first()
    elsewhere = Household.objects.exclude(grid_id=member.grid_id).first()
    linked = sorted(member.households.values_list("pk", flat=True))
    before = table_counts()
    response = client_as("admin").post(
        f"/admin/org/partymember/{member.pk}/change/",
        {
            "name": member.name,
            "phone": member.phone,
            "households": [*linked, elsewhere.pk],
        },
    )
    assert response.status_code == 200
    assert form_errors(response) == {"households": ["联系住户必须属于同一网格"]}
    assert sorted(member.households.values_list("pk", flat=True)) == linked
    assert table_counts() == before
