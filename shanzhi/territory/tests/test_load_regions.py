"""`load_regions` reads the national division list of the `regions` extra; without it, it says
which extra to install and changes nothing."""

import pytest
from django.core.management import CommandError, call_command

from shanzhi.territory import services

pytestmark = pytest.mark.django_db


def test_load_regions_without_the_extra_names_it_and_changes_nothing(monkeypatch, table_counts):
    monkeypatch.setattr(services, "_cpca_adcodes_path", lambda: None)
    before = table_counts()
    with pytest.raises(CommandError) as refused:
        call_command("load_regions")
    assert str(refused.value) == (
        "未安装全国区划数据：请先执行 pip install 'shanzhi[regions]'（安装 cpca 包）"
    )
    assert table_counts() == before


def test_load_regions_again_changes_nothing(capsys):
    call_command("load_regions")
    assert capsys.readouterr().out == "0 regions added or updated\n"
