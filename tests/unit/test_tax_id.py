"""Unified social credit codes: both check characters of GB 32100-2015."""

from __future__ import annotations

import pytest

from salesorder.errors import ArgumentTypeError
from salesorder.tax_id import (
    USCC_ALPHABET,
    USCC_CATEGORIES,
    TaxIdError,
    _check_31,
    is_valid_uscc,
    make_uscc,
    organization_check_character,
)


class TestIsValidUscc:
    @pytest.mark.parametrize("code", ["91350100M000100Y43", "91110000600037341L"])
    def test_published_codes_are_valid(self, code: str) -> None:
        assert is_valid_uscc(code)

    def test_every_single_character_change_is_detected(self) -> None:
        code = make_uscc("91310115MA1H7Q5R")
        for position in range(18):
            for symbol in USCC_ALPHABET:
                if symbol != code[position]:
                    changed = code[:position] + symbol + code[position + 1 :]
                    assert not is_valid_uscc(changed), changed

    @pytest.mark.parametrize(
        "code",
        [
            "",
            "91350100M000100Y4",
            "91350100M000100Y431",
            "91350100m000100y43",
            "9135010OM000100Y43",
            "9A350100M000100Y43",
        ],
    )
    def test_malformed_codes(self, code: str) -> None:
        assert not is_valid_uscc(code)

    @pytest.mark.parametrize(
        ("prefix", "wrong"),
        [
            ("00000000", "no authority 0"),
            ("B1310115", "no authority B"),
            ("94310115", "market regulation issues categories 1-3 only"),
            ("Y2310115", "'other' issues category 1 only"),
            ("91000000", "division of zeros"),
            ("91990115", "no province 99"),
            ("91000115", "no province 00"),
        ],
    )
    def test_the_structure_of_the_standard_is_checked(self, prefix: str, wrong: str) -> None:
        body = prefix + "MA1H7Q5R"
        code = body + organization_check_character(body[8:])
        code += _check_31(code)
        assert is_valid_uscc(code, check_organization_code=False) is False, wrong
        with pytest.raises(TaxIdError, match="known authority") as caught:
            make_uscc(body)
        assert caught.value.code == "tax_id.prefix.invalid"
        assert isinstance(caught.value, ValueError)

    def test_eighteen_zeros_are_refused(self) -> None:
        # Both check characters of 000000000000000000 are right; the structure is not.
        assert _check_31("0" * 17) == "0"
        assert organization_check_character("00000000") == "0"
        assert not is_valid_uscc("0" * 18)

    @pytest.mark.parametrize(
        "head",
        sorted(a + c for a, categories in USCC_CATEGORIES.items() for c in categories),
    )
    def test_every_authority_and_category_of_the_standard_is_accepted(self, head: str) -> None:
        assert is_valid_uscc(make_uscc(head + "100000" + "MA1H7Q5R"))

    def test_non_strings(self) -> None:
        assert not is_valid_uscc(123)  # type: ignore[arg-type]

    def test_organization_check_can_be_skipped(self) -> None:
        # A wrong 17th character with the 18th recomputed passes only the mod-31 check.
        body = "91310115MA1H7Q5R0"
        code = body + _check_31(body)
        assert not is_valid_uscc(code)
        assert is_valid_uscc(code, check_organization_code=False)


class TestCheckCharacters:
    def test_organization_code_examples(self) -> None:
        # GB 11714 worked example: D2143569 -> X
        assert organization_check_character("D2143569") == "X"
        assert organization_check_character("M000100Y") == "4"

    def test_make_uscc_refuses_bad_prefixes(self) -> None:
        for prefix in ("", "913101", "91310115MA1H7Q5I", "9131A115MA1H7Q5R"):
            with pytest.raises(TaxIdError, match="16 symbols") as caught:
                make_uscc(prefix)
            assert caught.value.code == "tax_id.prefix.invalid"
            assert prefix not in caught.value.params.values()

    def test_make_uscc_refuses_what_is_not_text(self) -> None:
        with pytest.raises(ArgumentTypeError) as caught:
            make_uscc(91310115)  # type: ignore[arg-type]
        assert caught.value.params == {"argument": "prefix", "expected": "text", "kind": "int"}

    @pytest.mark.parametrize(
        "body", ["", "1234567", "123456789", "1234567a", "1234 678", "١٢٣٤٥٦٧٨"]
    )
    def test_the_organisation_check_refuses_a_body_not_eight_symbols(self, body: str) -> None:
        with pytest.raises(TaxIdError) as caught:
            organization_check_character(body)
        assert caught.value.code == "tax_id.organization_body.invalid"

    def test_the_organisation_check_refuses_what_is_not_text(self) -> None:
        with pytest.raises(ArgumentTypeError):
            organization_check_character(12345678)  # type: ignore[arg-type]

    def test_eleven_maps_to_zero(self) -> None:
        # find a body whose weighted sum is 0 mod 11
        assert organization_check_character("00000000") == "0"
