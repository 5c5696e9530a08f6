import pytest

from linli.areas.codes import CodeError, check_code, level_of, parent_code_of, prefix_of


@pytest.mark.parametrize(
    ("code", "level", "parent", "prefix"),
    [
        ("990000000000", "province", None, "99"),
        ("990100000000", "city", "990000000000", "9901"),
        ("990102000000", "county", "990100000000", "990102"),
        ("990102001000", "town", "990102000000", "990102001"),
        ("990102001002", "village", "990102001000", "990102001002"),
    ],
)
def test_level_parent_and_prefix(code, level, parent, prefix):
    assert level_of(code) == level
    assert parent_code_of(code) == parent
    assert prefix_of(code) == prefix


@pytest.mark.parametrize("code", ["99010200100", "9901020010011", "99010200100a", "", "000000000000", "990100001000"])
def test_bad_codes_are_refused(code):
    with pytest.raises(CodeError):
        check_code(code)
