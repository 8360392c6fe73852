"""Long lists are not counted to the end: past the cap, the page says so and asks for a filter."""

import pytest

from shanzhi.workorders.models import WorkOrder

pytestmark = pytest.mark.django_db


def test_the_console_counts_up_to_the_cap(client_as, monkeypatch):
    client = client_as("commander")
    total = WorkOrder.objects.filter(area_code__startswith="330502").count()
    page = client.get("/workorders/?box=all").content.decode()
    assert f"共 {total} 件" in page
    monkeypatch.setattr("shanzhi.core.pagination.COUNT_CAP", 3)
    page = client.get("/workorders/?box=all").content.decode()
    assert "超过 3 件，请用筛选缩小范围" in page and f"共 {total} 件" not in page
    assert client.get("/command/orders/?measure=registered").status_code == 200
