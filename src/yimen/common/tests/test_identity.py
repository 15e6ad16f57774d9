import datetime as dt

import pytest

from yimen.common.errors import ValidationFailed
from yimen.common.identity import (
    id_number_from_legacy,
    is_valid_id_number,
    make_id_number,
    make_uscc,
    parse_id_number,
    validate_uscc,
)


@pytest.mark.parametrize("number", ["11010519491231002X", "440524188001010014"])
def test_gb11643_annex_a_examples_are_valid(number):
    assert is_valid_id_number(number)


def test_a_1990_born_chancheng_resident_is_valid_although_stdnum_validate_rejects_it():
    from stdnum.cn import ric

    number = make_id_number("440604", dt.date(1990, 3, 4), 123)
    rid = parse_id_number(number)
    assert rid.birth_date == dt.date(1990, 3, 4)
    assert rid.gender == "M"
    with pytest.raises(Exception):  # noqa: B017 - documents why we do not call stdnum's validate()
        ric.validate(number)


def test_gender_from_the_17th_digit():
    assert parse_id_number("11010519491231002X").gender == "F"


@pytest.mark.parametrize(
    ("number", "message"),
    [
        ("110105194912310021", "校验码"),  # wrong check digit
        ("440604199002300010", "出生日期"),  # 30 February
        ("440604199013010010", "出生日期"),  # month 13
        ("440604209901010010", "不合理"),  # born in the future
        ("44060419900101001", "18位"),
        ("4406041990010100AX", "数字"),
        ("990604199001010010", "地区码"),
    ],
)
def test_invalid_id_numbers_say_what_is_wrong(number, message):
    with pytest.raises(ValidationFailed) as err:
        parse_id_number(number)
    assert message in err.value.message
    assert err.value.errors == {"id_number": [err.value.message]}


def test_lowercase_x_and_spaces_are_normalised():
    assert parse_id_number(" 11010519491231002x ").number == "11010519491231002X"


def test_legacy_15_digit_repair():
    repaired = id_number_from_legacy("440524800101001")
    assert repaired.startswith("44052419800101001")
    assert is_valid_id_number(repaired)


def test_uscc_valid_and_invalid():
    code = make_uscc("9", "1", "440604", "MA4UJ7XK")
    assert validate_uscc(code) == code
    wrong = code[:-1] + ("0" if code[-1] != "0" else "1")
    with pytest.raises(ValidationFailed, match="校验码"):
        validate_uscc(wrong)
    with pytest.raises(ValidationFailed, match="18位"):
        validate_uscc(code[:-1])
