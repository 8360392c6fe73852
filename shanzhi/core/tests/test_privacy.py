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
