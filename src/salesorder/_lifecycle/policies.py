"""Approval policy and behaviour switches of the lifecycle.

Invariant: policies are frozen values; ``ApprovalPolicy.requirements`` is a pure
function of the order, its validation report and its price breakdown.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from datetime import timedelta
from typing import Any, Final

import attrs

from salesorder._lifecycle.codes import (
    DAYS_EXPECTED,
    DURATION_EXPECTED,
    POLICY_INVALID,
    POLICY_KIND_INVALID,
)
from salesorder._lifecycle.hooks import PriceSummary, ReasonIssue, ValidationSummary
from salesorder.errors import InvalidOrder
from salesorder.money import Money
from salesorder.order import Order, OrderType

__all__ = ["DEFAULT_POLICY", "AmendmentKind", "ApprovalPolicy", "EmptyReport", "LifecyclePolicy"]

# -- policies ---------------------------------------------------------------------------------


class AmendmentKind(enum.StrEnum):
    """The kinds of change an amendment is made of (see ``salesorder.lifecycle.Change``)."""

    QUANTITY = "quantity"
    ADD_LINE = "add_line"
    REMOVE_LINE = "remove_line"
    PRICE = "price"
    DELIVERY_DATE = "delivery_date"


def _kinds(kinds: Iterable[AmendmentKind]) -> frozenset[AmendmentKind]:
    # A named converter: mypy reads the constructor's parameter type from it.
    return frozenset(kinds)


@attrs.frozen(kw_only=True)
class ApprovalPolicy:
    """Decides whether an order needs approval and which levels must sign (审批策略).

    Attributes:
        amount_levels: ``(threshold, level)`` pairs: an order whose grand total is at
            least ``threshold`` needs ``level``.
        reason_levels: ``(code, level)`` pairs for validation issue and price flag codes;
            codes not listed go to ``default_level``.
        default_level: Level for reasons not in ``reason_levels``.
        new_customer_level: Level for a new customer's order (None: no approval).
        order_type_levels: ``(order type, level)`` pairs.
        amendment_level: Level every amendment of an approved or confirmed order needs
            (改单须审批, seed 001), whatever the other rules say; None: only what they
            flag goes back to approval.
        amendments_without_approval: Change kinds that do not need ``amendment_level``
            (for example ``{AmendmentKind.DELIVERY_DATE}``); an amendment needs it when
            any of its changes is of another kind.
    """

    amount_levels: tuple[tuple[Money, str], ...] = ()
    reason_levels: tuple[tuple[str, str], ...] = ()
    default_level: str = "sales_manager"
    new_customer_level: str | None = "sales_manager"
    order_type_levels: tuple[tuple[OrderType, str], ...] = ()
    amendment_level: str | None = "sales_manager"
    amendments_without_approval: frozenset[AmendmentKind] = attrs.field(
        default=frozenset(), converter=_kinds
    )

    @amendments_without_approval.validator
    def _check_kinds(self, attribute: attrs.Attribute[Any], value: frozenset[object]) -> None:
        known = {kind.value for kind in AmendmentKind}
        if any(not isinstance(kind, str) or kind not in known for kind in value):
            raise InvalidOrder(POLICY_KIND_INVALID, params={"field": attribute.name})

    def amendment_requirements(
        self, kinds: Iterable[AmendmentKind]
    ) -> tuple[tuple[str, tuple[str, ...]], ...]:
        """Which level an amendment made of changes of ``kinds`` needs for being one.

        Args:
            kinds: The kinds of the amendment's changes.

        Returns:
            ``((amendment_level, ("approval.amendment",)),)``, or empty when there is
            no amendment level or every kind is in ``amendments_without_approval``.
        """
        if self.amendment_level is None:
            return ()
        relaxed = {str(kind) for kind in self.amendments_without_approval}
        if all(str(kind) in relaxed for kind in kinds):
            return ()
        return ((self.amendment_level, ("approval.amendment",)),)

    def requirements(
        self, order: Order, *, report: ValidationSummary, breakdown: PriceSummary
    ) -> tuple[tuple[str, tuple[str, ...]], ...]:
        """Which levels must approve ``order`` and why.

        Args:
            order: The order.
            report: Its validation report (only ``needs_approval`` is read).
            breakdown: Its price breakdown (``grand_total`` and ``flags``).

        Returns:
            ``(level, reason codes)`` pairs sorted by level; empty when no approval is needed.
        """
        reasons: dict[str, list[str]] = {}
        by_code = dict(self.reason_levels)

        def need(level: str, reason: str) -> None:
            bucket = reasons.setdefault(level, [])
            if reason not in bucket:
                bucket.append(reason)

        for threshold, level in self.amount_levels:
            if breakdown.grand_total >= threshold:
                need(level, "approval.amount_over_threshold")
        for item in (*report.needs_approval, *breakdown.flags):
            need(by_code.get(item.code, self.default_level), item.code)
        if order.customer.is_new and self.new_customer_level is not None:
            need(self.new_customer_level, "approval.new_customer")
        for order_type, level in self.order_type_levels:
            if order.order_type is order_type:
                need(level, f"approval.order_type.{order_type.value}")
        return tuple((level, tuple(codes)) for level, codes in sorted(reasons.items()))


@attrs.frozen(kw_only=True)
class LifecyclePolicy:
    """Switches that change how commands behave.

    Attributes:
        allow_backorder: Confirm an order whose stock is short, leaving quantities on
            backorder, instead of refusing with ``InsufficientStock``.
        ship_only_after_payment: Refuse shipments until the prepayment share of the
            payment terms (100 % when the terms ask none) has been received.
        separate_approvers: Refuse one person signing two levels of the same round.
        after_sales_days: The after-sales window of an archived order (售后期): a
            completed or closed order takes return, exchange and repair requests for
            this many working days after it was archived (on the calendar the command
            is given); None: no limit. Refunds of what is owed are never limited.
        expire_unconfirmed_after: An order not confirmed this long after it was
            entered (draft, awaiting approval or approved) expires (see
            ``salesorder.lifecycle.expire``); None: never.
        expire_unpaid_after: With ``ship_only_after_payment``, a confirmed order with no
            payment this long after its confirmation expires and releases its stock;
            None: never.
    """

    allow_backorder: bool = False
    ship_only_after_payment: bool = False
    separate_approvers: bool = True
    after_sales_days: int | None = attrs.field(default=15)
    expire_unconfirmed_after: timedelta | None = attrs.field(default=None)
    expire_unpaid_after: timedelta | None = attrs.field(default=None)

    @after_sales_days.validator
    def _check_after_sales_days(
        self, attribute: attrs.Attribute[int | None], value: object
    ) -> None:
        if value is not None and (type(value) is not int or value < 0):
            params = {
                "field": attribute.name,
                "expected": DAYS_EXPECTED,
            }
            raise InvalidOrder(POLICY_INVALID, params=params)

    @expire_unconfirmed_after.validator
    @expire_unpaid_after.validator
    def _check_expiry(self, attribute: attrs.Attribute[timedelta | None], value: object) -> None:
        if value is not None and (not isinstance(value, timedelta) or value <= timedelta(0)):
            params = {
                "field": attribute.name,
                "expected": DURATION_EXPECTED,
            }
            raise InvalidOrder(POLICY_INVALID, params=params)


DEFAULT_POLICY: Final = LifecyclePolicy()


class EmptyReport:
    """A validation summary without any issue (an amendment given no report)."""

    needs_approval: Sequence[ReasonIssue] = ()
