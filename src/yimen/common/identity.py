"""Identity numbers: the resident ID number (GB 11643) and the unified social credit code (GB 32100).

`stdnum.cn.ric.validate()` also checks the address code against a 2003-era table and so rejects real
residents of Chancheng (440604 exists since 2002) and others; we check the checksum and the date
ourselves and only the province part of the address code.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils.translation import gettext as _
from stdnum.cn import ric, uscc
from stdnum.exceptions import ValidationError as StdnumError

from yimen.common.errors import ValidationFailed

# GB/T 2260 province-level codes (first two digits).
PROVINCE_CODES = frozenset(
    [
        "11",
        "12",
        "13",
        "14",
        "15",
        "21",
        "22",
        "23",
        "31",
        "32",
        "33",
        "34",
        "35",
        "36",
        "37",
        "41",
        "42",
        "43",
        "44",
        "45",
        "46",
        "50",
        "51",
        "52",
        "53",
        "54",
        "61",
        "62",
        "63",
        "64",
        "65",
        "71",
        "81",
        "82",
    ]
)


@dataclass(frozen=True)
class ResidentId:
    number: str
    address_code: str
    birth_date: dt.date
    gender: str  # "M" or "F"


def normalize_id_number(value: str) -> str:
    return (value or "").strip().replace(" ", "").upper()


def parse_id_number(value: str, *, field: str = "id_number", today: dt.date | None = None) -> ResidentId:
    """Validate an 18-digit resident ID number; raise ValidationFailed naming what is wrong."""
    number = normalize_id_number(value)
    if len(number) != 18:
        raise ValidationFailed(_("身份证号码应为18位，实为%(count)d位") % {"count": len(number)}, field=field)
    if not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        raise ValidationFailed(_("身份证号码只能包含数字，末位可为X"), field=field)
    if number[:2] not in PROVINCE_CODES:
        raise ValidationFailed(_("身份证号码地区码 %(code)s 无效") % {"code": number[:6]}, field=field)
    try:
        birth = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise ValidationFailed(
            _("身份证号码中的出生日期 %(date)s 不存在") % {"date": number[6:14]}, field=field
        ) from None
    today = today or dt.date.today()
    if birth > today or birth.year < 1880:
        raise ValidationFailed(_("身份证号码中的出生日期 %(date)s 不合理") % {"date": birth}, field=field)
    if ric.calc_check_digit(number) != number[17]:
        raise ValidationFailed(_("身份证号码校验码错误"), field=field)
    gender = "M" if int(number[16]) % 2 == 1 else "F"
    return ResidentId(number=number, address_code=number[:6], birth_date=birth, gender=gender)


def is_valid_id_number(value: str) -> bool:
    try:
        parse_id_number(value)
    except ValidationFailed:
        return False
    return True


def id_number_from_legacy(value: str) -> str:
    """Repair a 15-digit first-generation ID (YYMMDD, 19xx births) to 18 digits."""
    number = normalize_id_number(value)
    if len(number) != 15 or not number.isdigit():
        raise ValidationFailed(_("旧版身份证号码应为15位数字"), field="id_number")
    body = number[:6] + "19" + number[6:]
    return body + ric.calc_check_digit(body + "0")


def make_id_number(address_code: str, birth: dt.date, sequence: int) -> str:
    """Build a valid ID number (sequence 0-999; odd = male). Used by demo data and tests."""
    body = f"{address_code}{birth:%Y%m%d}{sequence:03d}"
    return body + ric.calc_check_digit(body + "0")


def normalize_uscc(value: str) -> str:
    return (value or "").strip().replace(" ", "").upper()


def validate_uscc(value: str, *, field: str = "uscc") -> str:
    number = normalize_uscc(value)
    if len(number) != 18:
        raise ValidationFailed(
            _("统一社会信用代码应为18位，实为%(count)d位") % {"count": len(number)}, field=field
        )
    try:
        return uscc.validate(number)
    except StdnumError:
        try:
            expected = uscc.calc_check_digit(number[:17])
        except StdnumError:
            raise ValidationFailed(_("统一社会信用代码含无效字符"), field=field) from None
        if expected != number[17]:
            raise ValidationFailed(_("统一社会信用代码校验码错误"), field=field) from None
        raise ValidationFailed(_("统一社会信用代码格式无效"), field=field) from None


def make_uscc(registration_dept: str, kind: str, division_code: str, org_code_body: str) -> str:
    """Build a valid USCC: 1 char dept, 1 char kind, 6-digit division, 9-char org code (8 + check), 1 check."""
    from stdnum.cn import uscc as _uscc

    org = org_code_body + _org_check_digit(org_code_body)
    body = f"{registration_dept}{kind}{division_code}{org}"
    return body + _uscc.calc_check_digit(body)


_ORG_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def _org_check_digit(body: str) -> str:
    """GB 11714 organisation code check character, which GB 32100 embeds at position 17."""
    total = sum(_ORG_ALPHABET.index(c) * w for c, w in zip(body, _ORG_WEIGHTS, strict=True))
    value = 11 - total % 11
    return {10: "X", 11: "0"}.get(value, str(value))
