"""The order keeps the figures it was priced at; invoices are sliced from them.

A host that changes its tax table, price list or promotions after an order was
submitted must not change what that order is invoiced: the customer confirmed its
figures. Orders stored before snapshots were kept still invoice as they always did
(priced again).
"""

from __future__ import annotations

from decimal import Decimal

import attrs
import pytest

from salesorder.adapters.memory import FixedClock, MemoryDatabase, PatternNumbering
from salesorder.codec import decode, encode
from salesorder.demo import START, build_service, tea_shop_payload
from salesorder.lifecycle import AddLine, ChangeQuantity
from salesorder.money import Money
from salesorder.notifications import RecordingNotifier
from salesorder.order import Order, OrderLine
from salesorder.pricing import PriceList, TaxPolicy
from salesorder.records import InvoiceDocument, PriceSnapshot
from salesorder.service import OrderService
from salesorder.settings import PricingSettings

STOCK = (("TEA-LJ-250", "SH-01", 100), ("CUP-CER-6", "SH-01", 50))


class World:
    def __init__(self) -> None:
        self.clock = FixedClock(START)
        self.database = MemoryDatabase()
        self.service = build_service(
            self.clock, RecordingNotifier(), unit_of_work=self.database.unit_of_work
        )
        for sku, location, quantity in STOCK:
            self.database.stock.receive(
                sku, location, quantity=quantity, operation_id=f"open:{sku}", at=START
            )
        self.invoices = PatternNumbering(prefix="INV2")

    def confirmed(self, *, tea: int = 3, cups: int = 1) -> Order:
        order = self.service.enter(tea_shop_payload(tea=tea, cups=cups), actor="S-LI")
        self.service.submit(order.id, actor="S-LI")
        self.service.confirm(order.id, actor="S-LI")
        return self.service.get(order.id)

    def repriced_service(self, settings: PricingSettings) -> OrderService:
        """The host's service after it changed its pricing settings, on the same store."""
        return OrderService(
            unit_of_work=self.database.unit_of_work,
            clock=self.clock,
            numbering=PatternNumbering(prefix="SO2"),
            invoice_numbering=self.invoices,
            pricing_settings=settings,
            policy_settings=self.service.policy_settings,
        )

    def without_snapshot(self, order_id: str) -> None:
        """Store the order as a version without snapshots would have stored it."""
        with self.database.unit_of_work() as uow:
            order = uow.orders.get(order_id)
            data = encode(order)
            del data["price_snapshot"]
            legacy = decode(Order, data)
            assert legacy.price_snapshot is None
            uow.orders.save(legacy, expected_version=order.version)
            uow.commit()


@pytest.fixture
def world() -> World:
    return World()


def _new_tax(settings: PricingSettings) -> PricingSettings:
    rates = {**settings.tax.rates, "VAT13": Decimal("0.09")}
    return attrs.evolve(settings, tax=TaxPolicy(rates=rates))


def _new_prices(settings: PricingSettings) -> PricingSettings:
    dearer = PriceList(
        "CNY",
        tuple(
            attrs.evolve(entry, unit_price=entry.unit_price * 2)
            for entry in settings.price_list.entries
        ),
    )
    return attrs.evolve(settings, price_list=dearer)


def _no_promotions(settings: PricingSettings) -> PricingSettings:
    return attrs.evolve(settings, promotions=())


def _figures(document: InvoiceDocument) -> tuple[object, ...]:
    return (
        document.net_total,
        document.tax_total,
        document.tax_by_rate,
        tuple(attrs.evolve(line) for line in document.lines),
    )


class TestInvoicesCarryTheConfirmedFigures:
    # The list prices were already locked at entry (LockedPrice): a new price list moves
    # nothing even when priced again; a new tax table or promotions did.
    @pytest.mark.parametrize(
        ("change", "moves_today"), [(_new_tax, True), (_no_promotions, True), (_new_prices, False)]
    )
    def test_a_pricing_change_after_submission_does_not_move_the_invoice(
        self, world: World, change: object, moves_today: bool
    ) -> None:
        order = world.confirmed(tea=10, cups=1)  # 满1000减100 applies
        confirmed = order.grand_total
        assert confirmed is not None
        later = world.repriced_service(change(world.service.pricing_settings))  # type: ignore[operator]
        assert (later.price_order(order).grand_total != confirmed) is moves_today
        document = later.issue_invoice(order.id, actor="F-ZHOU")
        assert document.gross_total == confirmed
        assert {line.tax_rate for line in document.lines} == {Decimal("0.13")}
        grosses = {line.line_id: line.gross for line in document.lines}
        assert grosses == dict(world.service.get(order.id).line_totals)

    def test_partial_invoices_and_credit_notes_keep_the_confirmed_figures(
        self, world: World
    ) -> None:
        order = world.confirmed(tea=10, cups=1)
        later = world.repriced_service(_new_tax(world.service.pricing_settings))
        first = later.issue_invoice(order.id, actor="F", lines={"1": 3})
        note = later.issue_credit_note(
            order.id, invoice_number=first.number, actor="F", reason="return", lines={"1": 1}
        )
        rest = later.issue_invoice(order.id, actor="F")
        total = first.gross_total - note.gross_total + rest.gross_total
        assert total == order.grand_total


class TestTheSnapshotFollowsEveryPricing:
    def test_entry_submission_and_amendment_keep_a_snapshot_agreeing_with_the_totals(
        self, world: World
    ) -> None:
        entered = world.service.enter(tea_shop_payload(tea=3, cups=1), actor="S-LI")
        for order in (entered,):
            self._agrees(order)
        world.service.submit(entered.id, actor="S-LI")
        self._agrees(world.service.get(entered.id))
        world.service.confirm(entered.id, actor="S-LI")
        world.service.amend(
            entered.id,
            [
                ChangeQuantity("1", Decimal(4)),
                AddLine(OrderLine("9", "CUP-CER-6", "Cups", Decimal(1))),
            ],
            actor="S-LI",
        )
        amended = world.service.get(entered.id)
        assert amended.revision == 2
        self._agrees(amended)
        assert {row[0] for row in amended.price_snapshot.lines} == {"1", "2", "9"}  # type: ignore[union-attr]

    def test_an_amendment_across_a_quantity_break_keeps_what_it_priced(self) -> None:
        # The amendment prices a requantified line at the break its new quantity reaches;
        # the kept locks and figures must be those, not the old quantity's price.
        clock = FixedClock(START)
        database = MemoryDatabase()
        service = build_service(clock, RecordingNotifier(), unit_of_work=database.unit_of_work)
        entries = service.pricing_settings.price_list.entries
        tea = next(e for e in entries if e.sku == "TEA-LJ-250" and e.tier is not None)  # VIP
        breaks = PriceList(
            "CNY",
            (
                *service.pricing_settings.price_list.entries,
                attrs.evolve(tea, unit_price=Money("100.00", "CNY"), min_quantity=Decimal(10)),
            ),
        )
        service = OrderService(
            unit_of_work=database.unit_of_work,
            clock=clock,
            numbering=PatternNumbering(prefix="SOB"),
            pricing_settings=attrs.evolve(service.pricing_settings, price_list=breaks),
            policy_settings=service.policy_settings,
        )
        for sku, location, quantity in STOCK:
            database.stock.receive(sku, location, quantity=quantity, operation_id=sku, at=START)
        entered = service.enter(tea_shop_payload(tea=3, cups=1), actor="S-LI")
        service.submit(entered.id, actor="S-LI")
        before = service.get(entered.id).grand_total
        service.amend(entered.id, [ChangeQuantity("1", Decimal(12))], actor="S-LI")
        amended = service.get(entered.id)
        self._agrees(amended)
        assert amended.price_snapshot is not None
        assert amended.price_snapshot.lines[0][2] == Decimal("100.00")  # the break's price
        assert {lock.line_id: lock.unit_price for lock in amended.locked_prices}["1"] == Money(
            "100.00", "CNY"
        )
        assert amended.grand_total != before
        assert service.price_order(amended).grand_total == amended.grand_total

    @staticmethod
    def _agrees(order: Order) -> None:
        snapshot = order.price_snapshot
        assert isinstance(snapshot, PriceSnapshot)
        assert snapshot.grand_total() == order.grand_total
        assert snapshot.line_totals() == order.line_totals


class TestOrdersStoredWithoutSnapshot:
    def test_they_load_and_invoice_as_they_always_did(self, world: World) -> None:
        kept = world.confirmed(tea=4, cups=2)
        legacy = world.confirmed(tea=4, cups=2)
        world.without_snapshot(legacy.id)
        assert world.service.get(legacy.id).price_snapshot is None
        from_snapshot = world.service.issue_invoice(kept.id, actor="F", lines={"1": 3})
        repriced = world.service.issue_invoice(legacy.id, actor="F", lines={"1": 3})
        assert _figures(repriced) == _figures(from_snapshot)
        rest = world.service.issue_invoice(legacy.id, actor="F")
        assert repriced.gross_total + rest.gross_total == legacy.grand_total

    def test_a_snapshot_round_trips_through_the_codec(self, world: World) -> None:
        order = world.confirmed()
        snapshot = order.price_snapshot
        assert snapshot is not None
        assert decode(PriceSnapshot, encode(snapshot)) == snapshot
        assert decode(Order, encode(order)).price_snapshot == snapshot
        assert Money("0", "CNY") < snapshot.grand_total()
