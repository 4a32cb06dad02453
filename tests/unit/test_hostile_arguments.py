"""No raw exception crosses the public API (issue 13, the promise as a test).

Every public entry point is called with each of its arguments replaced, one at a time,
by hostile values: wrong types, NaN and infinities, floats, huge and tiny decimals,
control characters, NUL, unpaired surrogates, unhashable containers. Whatever happens,
the only exceptions that may escape are :class:`~salesorder.errors.SalesOrderError`
subclasses (those that are also ``TypeError`` or ``ValueError`` included); a refused
service command leaves the database exactly as it was.

The entry points are listed by hand, each with a valid call; a public function that is
missing here is a hole in the promise, so the list follows the faces' ``__all__``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import attrs
import pytest

from salesorder import analytics, documents, lifecycle, money, tax_id
from salesorder.adapters.memory import FixedClock, MemoryDatabase
from salesorder.demo import SELLER, START, build_service, cny, demo_price_list, tea_shop_payload
from salesorder.errors import ArgumentTypeError, InvalidArgument, SalesOrderError
from salesorder.money import Money
from salesorder.notifications import RecordingNotifier
from salesorder.order import Order, OrderLine
from salesorder.pricing import price
from salesorder.records import Status
from salesorder.service import OrderService
from salesorder.validation import ValidationContext, default_rules, validate

HOSTILE: tuple[object, ...] = (
    None,
    True,
    -1,
    0,
    10**40,
    1.5,
    math.nan,
    math.inf,
    Decimal("NaN"),
    Decimal("sNaN"),
    Decimal("-Infinity"),
    Decimal("1E+999999999"),
    Decimal("1E-999999999"),
    Decimal("0.1234567890123456789"),
    "",
    " ",
    "\x00",
    "a\x00b",
    "\ud800",
    "x\udfffy",
    "\x1b[2J\u202e",
    "１２",
    "x" * 100_000,
    b"bytes",
    [],
    {},
    {"1": math.nan},
    {1: 1},
    object(),
)


def _escapes_only_coded(call: Callable[[], object]) -> SalesOrderError | None:
    """Run ``call``; return the coded error it raised, None if it returned.

    Any other exception propagates and fails the test.
    """
    refused: SalesOrderError | None = None
    try:
        call()
    except SalesOrderError as error:
        refused = error
    if refused is not None:
        assert refused.code
        assert str(refused)  # the message renders, whatever the parameters
    return refused


# -- the service, on the embedded default -----------------------------------------------------


@attrs.define
class _World:
    service: OrderService
    database: MemoryDatabase

    def state(self) -> tuple[Any, ...]:
        return (
            {k: attrs.asdict(v) for k, v in self.database.orders.snapshot().items()},
            self.database.stock.positions(),
            self.database.stock.reservations(),
            self.database.stock.movements(),
            [e.event.event_id for e in self.database.outbox.pending(limit=10_000)],
            self.database.quotes.all(),
        )


def _world() -> _World:
    database = MemoryDatabase()
    service = build_service(
        FixedClock(START), RecordingNotifier(), unit_of_work=database.unit_of_work
    )
    for sku, location in (("TEA-LJ-250", "SH-01"), ("CUP-CER-6", "SH-01")):
        database.stock.receive(sku, location, quantity=100, operation_id=f"o:{sku}", at=START)
    database.stock.drain_events()
    return _World(service, database)


def _entered(world: _World) -> str:
    return world.service.enter(tea_shop_payload(tea=2, cups=1), actor="S").id


def _approved(world: _World) -> str:
    order_id = _entered(world)
    world.service.submit(order_id, actor="S")  # small enough: approved at once
    return order_id


def _confirmed(world: _World) -> str:
    order_id = _approved(world)
    world.service.confirm(order_id, actor="S")
    return order_id


def _delivered(world: _World) -> str:
    order_id = _confirmed(world)
    world.service.ship(order_id, lines={"1": 2, "2": 1}, actor="W")
    world.service.deliver(order_id, lines={"1": 2, "2": 1}, actor="W")
    return order_id


def _paid(world: _World) -> str:
    order_id = _delivered(world)
    world.service.invoice(order_id, actor="F")
    total = world.service.get(order_id).grand_total
    world.service.record_payment(order_id, amount=total, actor="F", payment_id="P-0")
    return order_id


def _pending(world: _World) -> str:
    order_id = _confirmed(world)
    world.service.record_payment(
        order_id, amount=cny(10), actor="F", state="pending", payment_id="P-1"
    )
    return order_id


def _requested_return(world: _World, kind: str = "return") -> tuple[str, str]:
    order_id = _paid(world)
    world.service.request_return(order_id, kind=kind, lines={"1": 1}, reason="damaged", actor="C")
    return order_id, world.service.get(order_id).returns[-1].return_id


def _approved_of(world: _World, kind: str) -> tuple[str, str]:
    order_id, return_id = _requested_return(world, kind)
    world.service.approve_return(order_id, return_id=return_id, actor="C")
    return order_id, return_id


def _received_repair(world: _World) -> tuple[str, str]:
    order_id, return_id = _approved_of(world, "repair")
    world.service.receive_return(order_id, return_id=return_id, actor="W")
    return order_id, return_id


def _repair_shipped(world: _World) -> tuple[str, str]:
    order_id, return_id = _received_repair(world)
    world.service.ship_repair(order_id, return_id=return_id, actor="W")
    return order_id, return_id


def _approved_return(world: _World) -> tuple[str, str]:
    order_id, return_id = _requested_return(world)
    world.service.approve_return(order_id, return_id=return_id, actor="C")
    return order_id, return_id


def _quote_id(world: _World) -> str:
    return world.service.quote(tea_shop_payload(tea=2, cups=1), actor="S").quote_id


# name -> builds the valid keyword arguments of one call on a fresh world
_SERVICE_CALLS: dict[str, Callable[[_World], dict[str, Any]]] = {
    "enter": lambda w: {"payload": tea_shop_payload(), "actor": "S", "idempotency_key": "k"},
    "enter_many": lambda w: {
        "payloads": [tea_shop_payload(), tea_shop_payload(cups=2)],
        "actor": "S",
        "idempotency_keys": ["k", None],
    },
    "check": lambda w: {"payload": tea_shop_payload()},
    "quote": lambda w: {
        "payload": tea_shop_payload(),
        "actor": "S",
        "valid_for": timedelta(days=3),
        "idempotency_key": "k",
    },
    "convert_quote": lambda w: {"quote_id": _quote_id(w), "actor": "S", "idempotency_key": "k"},
    "submit": lambda w: {"order_id": _entered(w), "actor": "S", "idempotency_key": "k"},
    "approve": lambda w: {
        "order_id": _entered(w),
        "level": "finance",
        "actor": "F",
        "comment": "ok",
        "idempotency_key": "k",
    },
    "reject": lambda w: {
        "order_id": _entered(w),
        "reasons": ["price"],
        "actor": "F",
        "idempotency_key": "k",
    },
    "confirm": lambda w: {"order_id": _entered(w), "actor": "S", "idempotency_key": "k"},
    "ship": lambda w: {
        "order_id": _confirmed(w),
        "lines": {"1": 1},
        "actor": "W",
        "carrier": "SF",
        "tracking_number": "T1",
        "idempotency_key": "k",
    },
    "deliver": lambda w: {
        "order_id": _delivered(w),
        "lines": {"1": 1},
        "actor": "W",
        "proof": "P",
        "idempotency_key": "k",
    },
    "invoice": lambda w: {
        "order_id": _delivered(w),
        "actor": "F",
        "kind": "general",
        "lines": {"1": 1},
        "amount": cny(100),
        "idempotency_key": "k",
    },
    "record_payment": lambda w: {
        "order_id": _confirmed(w),
        "amount": cny(10),
        "actor": "F",
        "reference": "R",
        "idempotency_key": "k",
        "state": "pending",
        "method": "cash",
        "payment_id": "P-9",
    },
    "confirm_payment": lambda w: {
        "order_id": _pending(w),
        "payment_id": "P-1",
        "actor": "F",
        "idempotency_key": "k",
    },
    "void_payment": lambda w: {
        "order_id": _pending(w),
        "payment_id": "P-1",
        "actor": "F",
        "failed": True,
        "reason": "declined",
        "idempotency_key": "k",
    },
    "record_refund": lambda w: {
        "order_id": _paid(w),
        "amount": cny(10),
        "actor": "F",
        "reference": "R",
        "idempotency_key": "k",
        "refunded_payment": "P-0",
        "method": "bank_transfer",
    },
    "complete": lambda w: {"order_id": _paid(w), "actor": "F", "idempotency_key": "k"},
    "cancel": lambda w: {
        "order_id": _confirmed(w),
        "reason": "customer",
        "actor": "S",
        "idempotency_key": "k",
    },
    "close": lambda w: {
        "order_id": _confirmed(w),
        "reason": "short",
        "actor": "S",
        "idempotency_key": "k",
    },
    "hold": lambda w: {
        "order_id": _confirmed(w),
        "reason": "credit",
        "actor": "S",
        "idempotency_key": "k",
    },
    "resume": lambda w: {"order_id": _confirmed(w), "actor": "S", "idempotency_key": "k"},
    "preview_amendment": lambda w: {
        "order_id": _confirmed(w),
        "changes": [lifecycle.ChangeQuantity("1", Decimal(3))],
    },
    "amend": lambda w: {
        "order_id": _confirmed(w),
        "changes": [lifecycle.ChangeQuantity("1", Decimal(3))],
        "actor": "S",
        "idempotency_key": "k",
    },
    "request_return": lambda w: {
        "order_id": _paid(w),
        "kind": "return",
        "lines": {"1": 1},
        "reason": "damaged",
        "actor": "C",
        "idempotency_key": "k",
    },
    "approve_return": lambda w: dict(
        zip(("order_id", "return_id"), _requested_return(w), strict=True),
        actor="C",
        idempotency_key="k",
    ),
    "receive_return": lambda w: dict(
        zip(("order_id", "return_id"), _approved_of(w, "exchange"), strict=True),
        actor="W",
        disposition="restock",
        replacement=[OrderLine("1", "CUP-CER-6", "cup", Decimal(1))],
        idempotency_key="k",
    ),
    "approve_amendment": lambda w: {
        "order_id": _proposed(w),
        "level": "sales_manager",
        "actor": "M",
        "comment": "ok",
        "idempotency_key": "k",
    },
    "reject_amendment": lambda w: {
        "order_id": _proposed(w),
        "reasons": ["price"],
        "actor": "M",
        "idempotency_key": "k",
    },
    "ship_repair": lambda w: dict(
        zip(("order_id", "return_id"), _received_repair(w), strict=True),
        actor="W",
        carrier="SF",
        tracking_number="SF123",
        shipment_id="B-1",
        idempotency_key="k",
    ),
    "deliver_repair": lambda w: dict(
        zip(("order_id", "return_id"), _repair_shipped(w), strict=True),
        actor="W",
        idempotency_key="k",
    ),
    "get": lambda w: {"order_id": _entered(w)},
    "get_by_number": lambda w: {"number": "SO-202611-000001"},
    "find": lambda w: {
        "customer_id": "C-1",
        "status": "draft",
        "created_from": START,
        "created_to": START,
    },
    "overdue": lambda w: {"now": START},
    "print_order": lambda w: {
        "order_id": _entered(w),
        "seller": SELLER,
        "locale": "zh_CN",
        "html": False,
        "issued_on": date(2026, 11, 30),
    },
    "price_order": lambda w: {"order": w.service.get(_entered(w)), "coupons": ["C"]},
    "edit_draft": lambda w: {
        "order_id": _entered(w),
        "payload": tea_shop_payload(tea=3, cups=1),
        "actor": "S",
        "idempotency_key": "k",
    },
    "discard": lambda w: {
        "order_id": _entered(w),
        "actor": "S",
        "reason": "discarded",
        "idempotency_key": "k",
    },
    "reschedule": lambda w: {
        "order_id": _confirmed(w),
        "requested_delivery_date": date(2026, 12, 24),
        "reason": "late",
        "actor": "S",
        "idempotency_key": "k",
    },
    "plan_shipment": lambda w: {
        "order_id": _confirmed(w),
        "lines": {"1": 1},
        "actor": "W",
        "shipment_id": "P-1",
        "carrier": "SF",
        "idempotency_key": "k",
    },
    "cancel_shipment": lambda w: {
        "order_id": _planned(w),
        "shipment_id": "P-1",
        "reason": "truck",
        "actor": "W",
        "idempotency_key": "k",
    },
    "void_shipment": lambda w: {
        "order_id": _shipped(w),
        "shipment_id": "S-1",
        "reason": "address",
        "actor": "W",
        "idempotency_key": "k",
    },
    "expire_orders": lambda w: {"now": START, "actor": "system"},
    "issue_invoice": lambda w: {
        "order_id": _delivered(w),
        "actor": "F",
        "lines": {"1": 1},
        "kind": "general",
        "delivered_only": False,
        "idempotency_key": "k",
    },
    "issue_credit_note": lambda w: {
        "order_id": (invoiced := _invoiced(w))[0],
        "invoice_number": invoiced[1],
        "actor": "F",
        "reason": "return",
        "lines": {"1": 1},
        "idempotency_key": "k",
    },
    "open_items": lambda w: {"order_id": _invoiced(w)[0], "on": date(2026, 11, 30)},
    "print_document": lambda w: {
        "order_id": (invoiced := _invoiced(w))[0],
        "number": invoiced[1],
        "seller": SELLER,
        "locale": "zh_CN",
        "html": False,
    },
    "remind_overdue": lambda w: {"on": date(2026, 11, 30), "actor": "system"},
}


def _proposed(world: _World) -> str:
    """A partly shipped order whose amendment awaits approval."""
    order_id = _shipped(world)
    world.service.amend(order_id, [lifecycle.ChangeQuantity("1", Decimal(3))], actor="S")
    return order_id


def _planned(world: _World) -> str:
    order_id = _confirmed(world)
    world.service.plan_shipment(order_id, lines={"1": 1}, actor="W", shipment_id="P-1")
    return order_id


def _shipped(world: _World) -> str:
    order_id = _confirmed(world)
    world.service.ship(order_id, lines={"1": 1}, actor="W", shipment_id="S-1")
    return order_id


def _invoiced(world: _World) -> tuple[str, str]:
    order_id = _delivered(world)
    document = world.service.issue_invoice(order_id, actor="F")
    return order_id, document.number


def test_every_service_use_case_is_probed() -> None:
    public = {
        name
        for name in dir(OrderService)
        if not name.startswith("_") and callable(getattr(OrderService, name))
    }
    assert public - set(_SERVICE_CALLS) == {"quotes", "deliver_notifications"}


@pytest.mark.parametrize("name", sorted(_SERVICE_CALLS))
def test_service_commands_refuse_hostile_arguments_with_codes(name: str) -> None:
    for argument in _SERVICE_CALLS[name](_world()):
        for value in HOSTILE:
            world = _world()
            arguments = _SERVICE_CALLS[name](world)
            arguments[argument] = value
            before = world.state()
            error = _escapes_only_coded(
                lambda world=world, arguments=arguments: getattr(world.service, name)(**arguments)
            )
            if error is not None:
                assert world.state() == before, (name, argument, value, error.code)


@pytest.mark.parametrize(
    ("argument", "value", "code"),
    [
        ("actor", "S\x00", "argument.not_storable"),
        ("actor", "\ud83d", "argument.not_storable"),
        ("actor", None, "argument.wrong_type"),
        ("idempotency_key", "k\x00", "argument.not_storable"),
        ("idempotency_key", "\udc00", "argument.not_storable"),
        ("idempotency_key", 7, "argument.wrong_type"),
        ("carrier", "SF\ud800", "argument.not_storable"),
        ("tracking_number", b"T", "argument.wrong_type"),
        ("lines", [("1", 1)], "argument.wrong_type"),
    ],
)
def test_ship_names_what_is_wrong_and_changes_nothing(
    argument: str, value: object, code: str
) -> None:
    world = _world()
    order_id = _confirmed(world)
    before = world.state()
    arguments: dict[str, Any] = {"lines": {"1": 1}, "actor": "W", argument: value}
    with pytest.raises(SalesOrderError) as caught:
        world.service.ship(order_id, **arguments)
    assert caught.value.code == code
    assert caught.value.params["argument"] == argument
    assert str(value) not in caught.value.params.values()
    assert world.state() == before


def test_a_reason_with_nul_is_refused_before_anything_is_written() -> None:
    world = _world()
    order_id = _confirmed(world)
    before = world.state()
    with pytest.raises(InvalidArgument) as caught:
        world.service.cancel(order_id, reason="late\x00", actor="S")
    assert caught.value.params == {"argument": "reason", "character": "NUL", "position": 4}
    assert isinstance(caught.value, ValueError)
    assert world.state() == before


def test_an_unknown_return_kind_lists_the_choices() -> None:
    world = _world()
    order_id = _paid(world)
    with pytest.raises(InvalidArgument) as caught:
        world.service.request_return(order_id, kind="swap", lines={"1": 1}, reason="r", actor="C")
    assert caught.value.code == "argument.not_a_choice"
    assert caught.value.params == {"argument": "kind", "choices": "return, exchange, repair"}


# -- the pure core ----------------------------------------------------------------------------

T = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


def _order(status: str = "draft") -> Order:
    world = _world()
    builders = {
        "draft": _entered,
        "approved": _approved,
        "confirmed": _confirmed,
        "delivered": _delivered,
    }
    order_id = builders[status](world)
    return world.service.get(order_id)


def _pending_order() -> Order:
    world = _world()
    return world.service.get(_pending(world))


def _paid_order() -> Order:
    world = _world()
    return world.service.get(_paid(world))


def _line(**changes: Any) -> OrderLine:
    return attrs.evolve(
        OrderLine("9", "TEA-LJ-250", "Tea", Decimal(1), unit_price=cny(10)), **changes
    )


# name -> (function, builds the valid arguments); positional arguments by index
_CORE_CALLS: dict[str, tuple[Callable[..., Any], Callable[[], dict[str, Any]]]] = {
    "lifecycle.confirm": (
        lifecycle.confirm,
        lambda: {
            "order": _order("approved"),
            "actor": "S",
            "at": T,
            "backordered": {},
            "idempotency_key": "k",
        },
    ),
    "lifecycle.hold": (
        lifecycle.hold,
        lambda: {"order": _order("confirmed"), "actor": "S", "at": T, "reason": "r"},
    ),
    "lifecycle.ship": (
        lifecycle.ship,
        lambda: {
            "order": _order("confirmed"),
            "lines": {"1": Decimal(1)},
            "actor": "W",
            "at": T,
            "carrier": "SF",
            "shipment_id": "S1",
            "idempotency_key": "k",
        },
    ),
    "lifecycle.record_payment": (
        lifecycle.record_payment,
        lambda: {
            "order": _order("confirmed"),
            "amount": cny(1),
            "actor": "F",
            "at": T,
            "reference": "R",
            "payment_id": "P1",
        },
    ),
    "lifecycle.confirm_payment": (
        lifecycle.confirm_payment,
        lambda: {"order": _pending_order(), "payment_id": "P-1", "actor": "F", "at": T},
    ),
    "lifecycle.void_payment": (
        lifecycle.void_payment,
        lambda: {
            "order": _pending_order(),
            "payment_id": "P-1",
            "actor": "F",
            "at": T,
            "failed": True,
            "reason": "declined",
        },
    ),
    "lifecycle.record_refund": (
        lifecycle.record_refund,
        lambda: {
            "order": _paid_order(),
            "amount": cny(1),
            "actor": "F",
            "at": T,
            "refunded_payment": "P-0",
            "method": "cash",
        },
    ),
    "lifecycle.invoice": (
        lifecycle.invoice,
        lambda: {
            "order": _order("delivered"),
            "kind": "general",
            "amount": cny(1),
            "lines": {"1": Decimal(1)},
            "actor": "F",
            "at": T,
            "invoice_id": "I1",
        },
    ),
    "lifecycle.cancel": (
        lifecycle.cancel,
        lambda: {"order": _order("confirmed"), "reason": "r", "actor": "S", "at": T},
    ),
    "lifecycle.amend (add a line)": (
        lifecycle.amend,
        lambda: {
            "order": _order("confirmed"),
            "changes": [lifecycle.AddLine(_line())],
            "pricing": lambda order: price(order, price_list=demo_price_list(), at=T),
            "approval_policy": lifecycle.ApprovalPolicy(),
            "actor": "S",
            "at": T,
        },
    ),
    "price": (
        price,
        lambda: {
            "order": _order(),
            "price_list": demo_price_list(),
            "at": T,
            "coupons": ["X"],
        },
    ),
    "validate": (
        validate,
        lambda: {
            "payload": tea_shop_payload(),
            "rules": default_rules(),
            "context": ValidationContext(),
        },
    ),
    "Money": (Money, lambda: {"amount": "1.00", "currency": "CNY"}),
    "to_decimal": (money.to_decimal, lambda: {"value": "1.5", "what": "quantity"}),
    "allocate": (
        money.allocate,
        lambda: {"total": cny(10), "weights": [1, 2], "rounding": money.RoundingMode.HALF_UP},
    ),
    "format_money": (money.format_money, lambda: {"money": cny(10), "locale": "zh_CN"}),
    "minor_unit": (money.minor_unit, lambda: {"currency": "CNY"}),
    "Money.quantize": (cny(1).quantize, lambda: {"rounding": money.RoundingMode.HALF_UP}),
    "Money.allocate": (cny(1).allocate, lambda: {"weights": [1, 1]}),
    "make_uscc": (tax_id.make_uscc, lambda: {"prefix": "91310115MA1H7Q5R"}),
    "is_valid_uscc": (tax_id.is_valid_uscc, lambda: {"code": "91350100M000100Y43"}),
    "organization_check_character": (
        tax_id.organization_check_character,
        lambda: {"body": "MA1H7Q5R"},
    ),
    "rmb_upper": (documents.rmb_upper, lambda: {"amount": Decimal("11000")}),
    "render_text": (
        documents.render_text,
        lambda: {
            "order": (order := _order()),
            "breakdown": price(order, price_list=demo_price_list(), at=T),
            "seller": SELLER,
            "locale": "en",
            "issued_on": date(2026, 11, 30),
        },
    ),
    "render_html": (
        documents.render_html,
        lambda: {
            "order": (order := _order()),
            "breakdown": price(order, price_list=demo_price_list(), at=T),
            "seller": SELLER,
            "locale": "zh_CN",
        },
    ),
    "render_pdf": (
        documents.render_pdf,
        lambda: {
            "order": (order := _order()),
            "breakdown": price(order, price_list=demo_price_list(), at=T),
            "seller": SELLER,
            "locale": "en",
            "issued_on": date(2026, 11, 30),
        },
    ),
    "sales_summary": (
        analytics.sales_summary,
        lambda: {"orders": [_order("confirmed")], "currency": "CNY"},
    ),
    "period_key": (
        analytics.period_key,
        lambda: {"moment": T, "period": analytics.Period.MONTH},
    ),
    "cycle_times": (
        analytics.cycle_times,
        lambda: {"orders": [_order("delivered")], "span": analytics.CycleSpan.CONFIRM_TO_SHIP},
    ),
}

# Arguments that take objects the library only reads through a protocol or a callable
# (a breakdown, a pricing function): a host's own object is welcome there, so an
# arbitrary object is not refused up front, and what it raises is the host's.
_HOST_OBJECTS = {
    ("render_text", "breakdown"),
    ("render_html", "breakdown"),
    ("render_pdf", "breakdown"),
}


@pytest.mark.parametrize("name", sorted(_CORE_CALLS))
def test_core_entry_points_raise_only_coded_errors(name: str) -> None:
    function, valid = _CORE_CALLS[name]
    assert _escapes_only_coded(lambda: function(**valid())) is None, "the valid call passes"
    for argument in valid():
        if (name, argument) in _HOST_OBJECTS:
            continue
        for value in HOSTILE:
            arguments = valid()
            arguments[argument] = value
            _escapes_only_coded(lambda arguments=arguments: function(**arguments))


@pytest.mark.parametrize("quantity", [Decimal("NaN"), Decimal("Infinity"), 1.5, "2", None, 2])
def test_price_refuses_a_line_quantity_that_is_not_a_finite_decimal(quantity: object) -> None:
    order = _order()
    order.lines = (attrs.evolve(order.lines[0], quantity=quantity),)
    error = _escapes_only_coded(lambda: price(order, price_list=demo_price_list(), at=T))
    if quantity in ("2", 2):
        assert error is None  # an int or numeric text is an exact number
    else:
        assert error is not None
        assert error.code in {"price.invalid", "money.float_refused"}


@pytest.mark.parametrize("quantity", [Decimal(0), Decimal(-1), 0])
def test_an_amendment_cannot_add_a_line_without_a_positive_quantity(quantity: object) -> None:
    order = _order("confirmed")
    snapshot = attrs.asdict(order)
    with pytest.raises(SalesOrderError) as caught:
        lifecycle.amend(
            order,
            [lifecycle.AddLine(_line(quantity=quantity))],
            pricing=lambda o: price(o, price_list=demo_price_list(), at=T),
            approval_policy=lifecycle.ApprovalPolicy(),
            actor="S",
            at=T,
        )
    assert caught.value.code == "lifecycle.quantity.not_positive"
    assert caught.value.params == {"line_id": "9"}
    assert attrs.asdict(order) == snapshot


@pytest.mark.parametrize("field", ["sku", "name", "line_id", "unit", "category"])
def test_an_added_line_with_unstorable_text_is_refused(field: str) -> None:
    order = _order("confirmed")
    with pytest.raises(InvalidArgument) as caught:
        lifecycle.amend(
            order,
            [lifecycle.AddLine(_line(**{field: "x\x00"}))],
            pricing=lambda o: price(o, price_list=demo_price_list(), at=T),
            approval_policy=lifecycle.ApprovalPolicy(),
            actor="S",
            at=T,
        )
    assert caught.value.params["argument"] == field
    assert order.status is Status.CONFIRMED


class TestMoneyOperands:
    @pytest.mark.parametrize("other", [5, Decimal(1), "1", None])
    def test_adding_anything_but_money_is_a_coded_type_error(self, other: object) -> None:
        with pytest.raises(ArgumentTypeError) as caught:
            other + cny(1)  # type: ignore[operator]
        assert caught.value.params == {
            "argument": "operand",
            "expected": "Money",
            "kind": type(other).__name__,
        }
        assert isinstance(caught.value, TypeError)
        with pytest.raises(ArgumentTypeError):
            cny(1) + other  # type: ignore[operator]
        with pytest.raises(ArgumentTypeError):
            cny(1) - other  # type: ignore[operator]
        with pytest.raises(ArgumentTypeError):
            other - cny(1)  # type: ignore[operator]

    def test_zero_still_starts_a_sum(self) -> None:
        assert sum([cny(1), cny(2)]) == cny(3)
        assert 0 + cny(1) == cny(1)

    @pytest.mark.parametrize("factor", ["2", None, True, cny(1)])
    def test_multiplying_by_anything_but_a_number_is_a_coded_type_error(
        self, factor: object
    ) -> None:
        with pytest.raises(ArgumentTypeError) as caught:
            cny(1) * factor  # type: ignore[operator]
        assert caught.value.params["argument"] == "factor"
        with pytest.raises(ArgumentTypeError):
            factor * cny(1)  # type: ignore[operator]

    def test_round_says_how_to_round(self) -> None:
        with pytest.raises(ArgumentTypeError, match="quantize"):
            round(cny(1))

    @pytest.mark.parametrize("value", [None, True, [], object()])
    def test_to_decimal_names_the_argument_and_the_type(self, value: object) -> None:
        with pytest.raises(ArgumentTypeError) as caught:
            money.to_decimal(value, what="unit price")
        assert caught.value.params == {
            "argument": "unit price",
            "expected": "a Decimal, int or string",
            "kind": type(value).__name__,
        }
