import pytest
from hypothesis import given
from hypothesis import strategies as st

from linli.facilities.validators import (
    CREDIT_ALPHABET,
    credit_code_check_char,
    credit_code_problem,
    gcj02_to_wgs84,
    wgs84_to_gcj02,
)


def test_published_credit_codes_are_valid():
    # The worked example of GB 32100-2015 and codes printed on public business licences.
    for code in ("91350100M000100Y43", "911100001000079554", "91320594088140947F", "9144030071526726XG"):
        assert credit_code_problem(code) is None, code


@pytest.mark.parametrize(
    ("code", "why"),
    [
        ("91110000100003793", "18 characters"),
        ("91110000100003793I", "not used"),
        ("91110000100003793A", "check character"),
        ("9111000A100003793A", "first 8 characters"),
    ],
)
def test_bad_credit_codes(code, why):
    assert why in credit_code_problem(code)


@given(
    st.text(alphabet="0123456789", min_size=8, max_size=8), st.text(alphabet=CREDIT_ALPHABET, min_size=9, max_size=9)
)
def test_every_code_with_its_check_char_is_valid_and_any_other_is_not(head, tail):
    body = head + tail
    check = credit_code_check_char(body)
    assert credit_code_problem(body + check) is None
    other = CREDIT_ALPHABET[(CREDIT_ALPHABET.index(check) + 1) % 31]
    assert credit_code_problem(body + other) is not None


def test_gcj02_offset_is_hundreds_of_metres_and_inverts():
    lon, lat = 120.30, 30.20
    glon, glat = wgs84_to_gcj02(lon, lat)
    # The published offset around Hangzhou is roughly 0.0045 deg east and -0.0025 deg north.
    assert 0.003 < glon - lon < 0.006 and -0.004 < glat - lat < -0.001
    back = gcj02_to_wgs84(glon, glat)
    assert back == pytest.approx((lon, lat), abs=1e-8)
    assert wgs84_to_gcj02(2.35, 48.85) == (2.35, 48.85)  # outside China: unchanged
