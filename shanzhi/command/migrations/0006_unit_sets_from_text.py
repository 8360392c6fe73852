from django.db import migrations

CLOSED = ["archived", "merged"]


def _units(text):
    return sorted({int(u) for u in text.strip(",").split(",") if u})


def _text(units):
    return f",{','.join(str(u) for u in units)}," if units else ""


def _stored_workloads(apps):
    """The stored facts that may hold a workload key ("w"): those of the unfinished orders, and
    of the orders changed since the last fold (they were unfinished when it saw them)."""
    WorkOrder = apps.get_model("workorders", "WorkOrder")
    OrderFacts = apps.get_model("command", "OrderFacts")
    AuditEvent = apps.get_model("core", "AuditEvent")
    RollupCursor = apps.get_model("command", "RollupCursor")
    # A worker folding meanwhile waits (the migration is one transaction on PostgreSQL).
    cursor = RollupCursor.objects.select_for_update().filter(pk=1).first()
    ids = set(WorkOrder.objects.exclude(state__in=CLOSED).values_list("pk", flat=True))
    changed = AuditEvent.objects.filter(
        pk__gt=cursor.last_event_id if cursor else 0, object_type="workorder"
    ).values_list("object_id", flat=True)
    ids |= {int(i) for i in changed if i.isdigit()}
    ids = sorted(ids)
    for start in range(0, len(ids), 2000):
        rows = OrderFacts.objects.filter(order_id__in=ids[start : start + 2000])
        yield [row for row in rows if "w" in row.facts]


def sets_from_text(apps, schema_editor):
    """Each unit set written ",3,17," becomes a UnitSet with its members; OpenWork names it by
    id, and the workload keys in the stored facts hold it as a list of ids."""
    OpenWork = apps.get_model("command", "OpenWork")
    UnitSet = apps.get_model("command", "UnitSet")
    UnitSetMember = apps.get_model("command", "UnitSetMember")
    OrderFacts = apps.get_model("command", "OrderFacts")
    ids = {}

    def set_id(text):
        units = _units(text)
        if not units:
            return 0
        key = ",".join(str(u) for u in units)
        if key not in ids:
            unit_set = UnitSet.objects.create(key=key)
            UnitSetMember.objects.bulk_create(
                [UnitSetMember(unit_set=unit_set, unit_id=u) for u in units]
            )
            ids[key] = unit_set.pk
        return ids[key]

    for rows in _stored_workloads(apps):
        for row in rows:
            workload = row.facts["w"]
            workload[4], workload[5] = _units(workload[4]), _units(workload[5])
        OrderFacts.objects.bulk_update(rows, ["facts"], batch_size=500)
    cells = list(OpenWork.objects.all())
    for cell in cells:
        cell.co_set, cell.other_set = set_id(cell.co_units), set_id(cell.other_units)
    OpenWork.objects.bulk_update(cells, ["co_set", "other_set"], batch_size=1000)


def text_from_sets(apps, schema_editor):
    OpenWork = apps.get_model("command", "OpenWork")
    UnitSetMember = apps.get_model("command", "UnitSetMember")
    OrderFacts = apps.get_model("command", "OrderFacts")
    members = {0: []}
    for set_id, unit in UnitSetMember.objects.order_by("unit_id").values_list(
        "unit_set_id", "unit_id"
    ):
        members.setdefault(set_id, []).append(unit)
    cells = list(OpenWork.objects.all())
    for cell in cells:
        cell.co_units = _text(members[cell.co_set])
        cell.other_units = _text(members[cell.other_set])
    OpenWork.objects.bulk_update(cells, ["co_units", "other_units"], batch_size=1000)
    for rows in _stored_workloads(apps):
        for row in rows:
            workload = row.facts["w"]
            workload[4], workload[5] = _text(workload[4]), _text(workload[5])
        OrderFacts.objects.bulk_update(rows, ["facts"], batch_size=500)
    apps.get_model("command", "UnitSet").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("command", "0005_unit_sets"),
        ("core", "0001_initial"),
        ("workorders", "0006_appeal_media_url"),
    ]

    operations = [
        migrations.RunPython(sets_from_text, text_from_sets),
    ]
