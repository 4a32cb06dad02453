"""The tables and parameters of ``tax_id`` written out (kills mutants of ``tax_id.py``).

The older tests derive their cases from :data:`USCC_CATEGORIES` itself, so a wrong entry
there would pass them; these spell the standard out (issue 13, mutation testing).
"""

from __future__ import annotations

import pytest

from salesorder.errors import ArgumentTypeError
from salesorder.tax_id import (
    USCC_ALPHABET,
    USCC_CATEGORIES,
    TaxIdError,
    is_valid_uscc,
    make_uscc,
    organization_check_character,
)

BODY = "MA1H7Q5R"

#: GB 32100-2015 appendix: organisation categories per registration authority.
STANDARD = {
    "1": "1239",
    "2": "19",
    "3": "123459",
    "4": "19",
    "5": "1239",
    "6": "129",
    "7": "129",
    "8": "19",
    "9": "123",
    "A": "19",
    "N": "1239",
    "Y": "1",
}
#: GB/T 2260 provinces (and 10, national) by first two digits of the division.
PROVINCES = {
    "10", "11", "12", "13", "14", "15",
    "21", "22", "23",
    "31", "32", "33", "34", "35", "36", "37",
    "41", "42", "43", "44", "45", "46",
    "50", "51", "52", "53", "54",
    "61", "62", "63", "64", "65",
    "71", "81", "82",
}  # fmt: skip


def test_the_category_table_is_the_standards() -> None:
    assert {authority: "".join(sorted(c)) for authority, c in USCC_CATEGORIES.items()} == STANDARD


@pytest.mark.parametrize("authority", sorted(set(USCC_ALPHABET) - {"0"}))
def test_each_authority_issues_exactly_its_categories(authority: str) -> None:
    for category in USCC_ALPHABET:
        prefix = authority + category + "310115" + BODY
        allowed = category in STANDARD.get(authority, "")
        if allowed:
            assert is_valid_uscc(make_uscc(prefix)), prefix
        else:
            with pytest.raises(TaxIdError):
                make_uscc(prefix)


@pytest.mark.parametrize("province", [f"{n:02d}" for n in range(100)])
def test_the_division_starts_with_a_province(province: str) -> None:
    prefix = "91" + province + "0115" + BODY
    if province in PROVINCES:
        assert is_valid_uscc(make_uscc(prefix))
    else:
        with pytest.raises(TaxIdError) as caught:
            make_uscc(prefix)
        assert caught.value.params == {
            "reason": "a known authority, its category and a real division come first"
        }


def test_a_province_with_a_zero_division_below_it_is_accepted() -> None:
    # Only the whole division 000000 is refused; 310000 (the province itself) is a division.
    assert is_valid_uscc(make_uscc("91310000" + BODY))


def test_a_malformed_prefix_gives_the_shape() -> None:
    with pytest.raises(TaxIdError) as caught:
        make_uscc("91310115MA1H7Q5")
    assert caught.value.code == "tax_id.prefix.invalid"
    assert caught.value.params == {"reason": "16 symbols: 2 code symbols, 6 digits, 8 code symbols"}
    with pytest.raises(TaxIdError):
        make_uscc("91310115MA1H7Q5R0")  # 17 symbols: the shape check alone would pass it


def test_make_uscc_output() -> None:
    # Computed by hand from GB 11714 (weights 3 7 9 10 5 8 4 2) and GB 32100 (3**i mod 31).
    assert make_uscc("91350100M000100Y") == "91350100M000100Y43"
    assert make_uscc("9111000060003734") == "91110000600037341L"


class TestOrganisationCheck:
    @pytest.mark.parametrize(
        ("body", "check"),
        [
            ("D2143569", "X"),  # GB 11714 worked example: 11 - total % 11 == 10
            ("M000100Y", "4"),
            ("00000000", "0"),  # total % 11 == 0: 11 maps to 0
            ("60003734", "1"),
            ("ZZZZZZZZ", "3"),  # Z is 35: 11 - 1680 % 11
            ("A0000000", "3"),  # A is 10: 11 - 30 % 11
            ("00000001", "9"),
        ],
    )
    def test_examples(self, body: str, check: str) -> None:
        assert organization_check_character(body) == check

    @pytest.mark.parametrize("body", ["1234567", "123456789", "ABCDEFGHI", "abcdefgh", "1234567\n"])
    def test_only_eight_symbols_have_a_check(self, body: str) -> None:
        with pytest.raises(TaxIdError) as caught:
            organization_check_character(body)
        assert caught.value.code == "tax_id.organization_body.invalid"
        assert caught.value.params == {}

    def test_what_is_not_text_is_named(self) -> None:
        with pytest.raises(ArgumentTypeError) as caught:
            organization_check_character(12345678)  # type: ignore[arg-type]
        assert caught.value.params == {
            "argument": "organisation code body",
            "expected": "text",
            "kind": "int",
        }


@pytest.mark.parametrize("code", ["91350100M000100Y4", "91350100M000100Y433", 91350100])
def test_anything_but_eighteen_symbols_is_not_a_code(code: object) -> None:
    assert is_valid_uscc(code) is False  # type: ignore[arg-type]
