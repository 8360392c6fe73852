"""Phone numbers as keys and as shown: the same caller is found however the number was written,
and lists show it masked."""

import pytest

from shanzhi.core.privacy import mask_phone, phone_key


@pytest.mark.parametrize(
    ("written", "key"),
    [
        ("13812345678", "13812345678"),
        ("+86 138 1234 5678", "13812345678"),
        ("0086-138-1234-5678", "13812345678"),
        ("8613812345678", "13812345678"),
        ("0572-1234567", "05721234567"),
        ("", ""),
        ("电话", ""),
    ],
)
def test_a_phone_is_keyed_by_the_digits_people_dial(written, key):
    assert phone_key(written) == key


def test_a_phone_is_shown_masked():
    assert mask_phone("13812345678") == "138****5678"


PHONES = [
    "13812345678",
    "+86 138 1234 5678",
    "0086-138-1234-5678",
    "8613812345678",
    "86 0572 1234567",
    "0572-1234567",
    "12345",
    "(0572) 2345678 转 8001",
    "861234567890123456789012",
    "电话",
]


@pytest.mark.django_db
def test_the_migration_keys_stored_phones_as_phone_key_does():
    """Migration 0012 fills phone_key for existing appeals, on PostgreSQL in one SQL statement:
    it must give what core.privacy.phone_key gives, on either database."""
    import importlib
    from types import SimpleNamespace

    from django.apps import apps
    from django.db import connection

    from shanzhi.workorders.models import Appeal

    migration = importlib.import_module("shanzhi.workorders.migrations.0012_appeal_phone_key")
    appeals = list(Appeal.objects.exclude(appellant_phone="").order_by("pk")[: len(PHONES)])
    assert len(appeals) == len(PHONES)
    for appeal, phone in zip(appeals, PHONES, strict=True):
        Appeal.objects.filter(pk=appeal.pk).update(appellant_phone=phone, phone_key="")

    # The part of a schema editor the fill uses (a real one cannot open inside a test's
    # transaction on SQLite).
    def execute(sql, params=None):
        with connection.cursor() as cursor:
            cursor.execute(sql, params)

    migration.fill_phone_keys(apps, SimpleNamespace(connection=connection, execute=execute))
    stored = dict(
        Appeal.objects.filter(pk__in=[a.pk for a in appeals]).values_list("pk", "phone_key")
    )
    assert [stored[a.pk] for a in appeals] == [phone_key(p) for p in PHONES]
