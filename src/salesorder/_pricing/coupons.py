"""Coupons at pricing time: which entered codes unlock their promotion, and usage limits.

One place for the coupon rules ``price`` applies (unknown,
duplicate, validity, usage limits, minimum spend) and for the usage-limit check a service
repeats against its ledger right before it redeems (``coupon_limits``).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal

from salesorder._pricing import errors as codes
from salesorder._pricing.breakdown import Rejection
from salesorder._pricing.promotions import Coupon, CouponRedemptions, Promotion
from salesorder.order import Order

__all__ = ["accepted_coupons", "coupon_limits", "limit_reached"]


def accepted_coupons(
    order: Order,
    *,
    entered: Iterable[str],
    book: Iterable[Coupon],
    at: datetime,
    redemptions: CouponRedemptions | None,
    subtotal: Decimal,
    currency: str,
    rejected: list[Rejection],
) -> list[tuple[Promotion, str]]:
    known = {coupon.code: coupon for coupon in book}
    seen: set[str] = set()
    accepted: list[tuple[Promotion, str]] = []
    customer_id = order.customer.id
    for raw in entered:
        code = str(raw).strip().upper()
        params = {"coupon": code}
        coupon = known.get(code)
        reason: str | None = None
        if code in seen:
            reason = codes.COUPON_DUPLICATE
        elif coupon is None:
            reason = codes.COUPON_UNKNOWN
        elif coupon.valid_from is not None and at < coupon.valid_from:
            reason = codes.COUPON_NOT_YET_VALID
        elif coupon.valid_until is not None and at >= coupon.valid_until:
            reason = codes.COUPON_EXPIRED
        elif (limited := limit_reached(coupon, customer_id, redemptions)) is not None:
            reason, limit = limited
            if limit is not None:
                params["limit"] = limit
        elif coupon.min_spend is not None and subtotal < coupon.min_spend.amount:
            reason = codes.COUPON_MIN_SPEND
            params["required"] = str(coupon.min_spend)
            params["actual"] = f"{subtotal} {currency}"
        seen.add(code)
        if reason is not None:
            rejected.append(Rejection("coupon", code, reason, params))
        else:
            assert coupon is not None  # noqa: S101 (unknown codes were rejected above)
            accepted.append((coupon.promotion, code))
    return accepted


def limit_reached(
    coupon: Coupon, customer_id: str, redemptions: CouponRedemptions | None
) -> tuple[str, str | None] | None:
    # (code, limit) when the coupon's usage limits refuse one more redemption.
    if coupon.usage_limit is None and coupon.per_customer_limit is None:
        return None
    if redemptions is None:
        return codes.COUPON_USAGE_UNKNOWN, None
    if coupon.usage_limit is not None and redemptions.count(coupon.code) >= coupon.usage_limit:
        return codes.COUPON_USAGE_LIMIT, str(coupon.usage_limit)
    limit = coupon.per_customer_limit
    if limit is not None and redemptions.count_for_customer(coupon.code, customer_id) >= limit:
        return codes.COUPON_CUSTOMER_LIMIT, str(limit)
    return None


def coupon_limits(
    codes_entered: Iterable[str],
    *,
    coupon_book: Iterable[Coupon],
    customer_id: str,
    redemptions: CouponRedemptions,
) -> tuple[Rejection, ...]:
    """The coupons whose usage limits refuse one more redemption (total or per customer).

    What ``price`` checks for each coupon, on its own: a service checks it again
    against the ledger, in the unit of work that redeems the coupons, right before it
    redeems them. Codes are looked at in sorted order (a ledger that locks per code then
    always locks in the same order); unknown codes are left to ``price``.

    Args:
        codes_entered: The coupon codes (any case, surrounding spaces ignored).
        coupon_book: Every known coupon.
        customer_id: The customer who redeems them.
        redemptions: The redemption counts (e.g. the unit of work's ``coupons``).

    Returns:
        One ``Rejection`` per refused code
        (``coupon.usage_limit`` or ``coupon.customer_limit``), in sorted code order.
    """
    known = {coupon.code: coupon for coupon in coupon_book}
    refused: list[Rejection] = []
    for code in sorted({str(raw).strip().upper() for raw in codes_entered}):
        coupon = known.get(code)
        if coupon is None:
            continue
        limited = limit_reached(coupon, customer_id, redemptions)
        if limited is not None:
            reason, limit = limited
            refused.append(
                Rejection("coupon", code, reason, {"coupon": code, "limit": limit or ""})
            )
    return tuple(refused)
