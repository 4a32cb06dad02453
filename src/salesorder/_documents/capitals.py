"""人民币大写: a CNY amount in Chinese financial capitals (PBoC rules)."""

from __future__ import annotations

from decimal import Decimal
from typing import Final

from salesorder._documents.errors import (
    RMB_UPPER_NEGATIVE,
    RMB_UPPER_NOT_CNY,
    RMB_UPPER_OUT_OF_RANGE,
    RMB_UPPER_TOO_PRECISE,
    DocumentError,
)
from salesorder.money import Money, in_exact_context, to_decimal

__all__ = ["RMB_UPPER_LIMIT", "rmb_upper"]

# -- 人民币大写 -------------------------------------------------------------------------------

#: Largest amount (exclusive) written in capitals: 9 999 999 999 999.99 is the largest accepted,
#: i.e. up to 玖万玖仟玖佰玖拾玖亿… (万亿, ten trillion yuan).
RMB_UPPER_LIMIT: Final = Decimal(10) ** 13

_DIGITS: Final = "零壹贰叁肆伍陆柒捌玖"
_FEN: Final = Decimal("0.01")


def _section(number: int) -> str:
    """Capitals of 1..9999 without a leading 零; inner zero runs become one 零."""
    parts: list[str] = []
    pending_zero = False
    for unit_value, unit in ((1000, "仟"), (100, "佰"), (10, "拾"), (1, "")):
        digit = number // unit_value % 10
        if digit == 0:
            # A zero counts only once something non-zero was written before it.
            pending_zero = pending_zero or bool(parts)
            continue
        if pending_zero:
            parts.append("零")
            pending_zero = False
        parts.append(_DIGITS[digit] + unit)
    return "".join(parts)


def _integer_upper(number: int) -> str:
    """Capitals of a positive whole number, split recursively at 亿 and 万."""
    for base, unit in ((10**8, "亿"), (10**4, "万")):
        if number >= base:
            high, low = divmod(number, base)
            text = _integer_upper(high) + unit
            if low:
                # 零 when the lower group starts with a zero (10005 → 壹万零伍) and, by the
                # PBoC rule that the 万/亿 digit being 0 may be marked with one 零, also
                # when the higher part ends in 0 (105000 → 壹拾万零伍仟): we always mark it.
                if low < base // 10 or high % 10 == 0:
                    text += "零"
                text += _integer_upper(low)
            return text
    return _section(number)


def _as_amount(amount: Money | Decimal | int | str) -> Decimal:
    if isinstance(amount, Money):
        if amount.currency != "CNY":
            raise DocumentError(RMB_UPPER_NOT_CNY, params={"currency": amount.currency})
        return amount.amount
    return to_decimal(amount)


@in_exact_context
def rmb_upper(amount: Money | Decimal | int | str, *, allow_negative: bool = False) -> str:
    """Write a CNY amount in Chinese financial capitals (人民币大写).

    The PBoC rules leave three choices open; this function always takes the same side:

    * ``元`` (not ``圆``), and ``整`` after ``元`` *and* after ``角`` (``1.50`` →
      ``壹元伍角整``), which leaves no room to append a ``分``; nothing follows ``分``.
    * A zero ``万``/``亿``/``元`` digit followed by non-zero lower digits is marked with one
      ``零`` (``105000`` → ``壹拾万零伍仟元整``, ``10.50`` → ``壹拾元零伍角整``).
    * Tens are written ``壹拾`` (``10`` → ``壹拾元整``), as the rules require for
      ``拾`` at the head of an amount.

    Runs of zeros in the middle become one ``零``; trailing zeros are not written.
    The text has no ``人民币`` prefix: forms print it in front. A credit document (红字发票)
    writes its negative amount with ``负`` in front (``-113`` → ``负壹佰壹拾叁元整``) when
    ``allow_negative`` is set; elsewhere a negative amount is a mistake and refused.

    Args:
        amount: ``Money`` in CNY, or a ``Decimal``, ``int`` or numeric ``str``, from 0 up to
            (excluding) :data:`RMB_UPPER_LIMIT`, with at most two decimals (trailing zeros
            beyond two are fine: ``Decimal("1.500")``).
        allow_negative: Accept amounts down to (excluding) ``-RMB_UPPER_LIMIT``, written
            ``负…``, for credit documents.

    Returns:
        The amount in capitals, e.g. ``壹万零伍元整``, ``壹元零伍分``, ``零元整``.

    Raises:
        DocumentError: ``document.rmb_upper.negative`` (unless ``allow_negative``),
            ``.too_precise`` (finer than a fen),
            ``.out_of_range`` (``>= 10**13``) or ``.not_cny`` (Money in another currency).
        FloatRefused: for a ``float``.
        InvalidMoney: for text that is not a finite number.

    Examples:
        >>> rmb_upper(10005)
        '壹万零伍元整'
        >>> rmb_upper("1.05")
        '壹元零伍分'
        >>> rmb_upper(-113, allow_negative=True)
        '负壹佰壹拾叁元整'
    """
    number = _as_amount(amount)
    if number < 0:
        if not allow_negative:
            raise DocumentError(RMB_UPPER_NEGATIVE)
        return "负" + _upper(-number)
    return _upper(number)


def _upper(number: Decimal) -> str:
    if number >= RMB_UPPER_LIMIT:
        raise DocumentError(RMB_UPPER_OUT_OF_RANGE, params={"limit": "10000000000000"})
    if number != number.quantize(_FEN):
        raise DocumentError(RMB_UPPER_TOO_PRECISE)
    fen_total = int(number.quantize(_FEN).scaleb(2))
    yuan, cents = divmod(fen_total, 100)
    jiao, fen = divmod(cents, 10)
    if yuan == 0 and cents == 0:
        return "零元整"
    text = ""
    if yuan:
        text = _integer_upper(yuan) + "元"
        if cents == 0:
            return text + "整"
        if yuan % 10 == 0 or jiao == 0:
            # 元位 is 0 (10.50) or 角 is 0 (1.05): one 零 stands for the skipped zeros.
            text += "零"
    if jiao:
        text += _DIGITS[jiao] + "角"
    if fen:
        return text + _DIGITS[fen] + "分"
    return text + "整"
