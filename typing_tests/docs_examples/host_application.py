"""Generated from docs/host-application.md by scripts/extract_docs_examples.py: do not edit."""

from datetime import datetime, timedelta, timezone
from decimal import Decimal

from salesorder import Money, OrderService, PriceEntry, PriceList, TaxPolicy
from salesorder.adapters.memory import FixedClock, MemoryDatabase, PatternNumbering
from salesorder.notifications import RecordingNotifier
from salesorder.settings import PricingSettings

CST = timezone(timedelta(hours=8))
clock = FixedClock(datetime(2026, 11, 23, 9, 0, tzinfo=CST))  # SystemClock() in production
database = MemoryDatabase()
notifier = RecordingNotifier()
service = OrderService(
    unit_of_work=database.unit_of_work,
    clock=clock,
    numbering=PatternNumbering(),                # SO-202611-000001, SO-202611-000002, ...
    pricing_settings=PricingSettings(
        price_list=PriceList("CNY", (PriceEntry("TEA-1", Money("128.00", "CNY")),)),
        tax=TaxPolicy.china_vat(),
    ),
    notifier=notifier,
)
database.stock.receive("TEA-1", "SH-01", quantity=100, operation_id="open-1", at=clock.now())

payload = {
    "customer": {"id": "C-1", "name": "Example Tea House"},
    "currency": "CNY",
    "shipping_address": {"country": "CN", "province": "上海市", "city": "上海市",
                         "street": "示例路 1 号"},
    "lines": [{"line_id": "1", "sku": "TEA-1", "name": "Longjing 250g", "quantity": "10"}],
}
order = service.enter(payload, actor="S-LI")
print(order.number, order.grand_total)            # SO-202611-000001 1446.40 CNY
service.submit(order.id, actor="S-LI")            # nothing to approve: approved at once
service.confirm(order.id, actor="S-LI")           # 10 reserved at SH-01
service.ship(order.id, lines={"1": 10}, actor="W-SH", carrier="SF")
print(service.get(order.id).status.value)         # shipped
print(database.stock.position("TEA-1", "SH-01").on_hand)   # 90

import json
import threading

from salesorder.codec import decode, encode
from salesorder.errors import ConcurrencyConflict, NotFound
from salesorder.order import Order


class JsonOrderRepository:
    """Orders as JSON documents in a dict: a stand-in for your table."""

    def __init__(self):
        self._rows = {}                   # id -> (version, JSON text)
        self._numbers = {}                # number -> id
        self._lock = threading.Lock()

    def get(self, order_id):
        with self._lock:
            row = self._rows.get(order_id)
        if row is None:
            raise NotFound(params={"entity": "order", "id": order_id})
        return decode(Order, json.loads(row[1]))      # a private copy, always

    def add(self, order):
        with self._lock:
            if order.id in self._rows or order.number in self._numbers:
                raise ConcurrencyConflict(params={"entity": "order", "expected": 0})
            order.version = 1
            self._rows[order.id] = (1, json.dumps(encode(order)))
            if order.number is not None:
                self._numbers[order.number] = order.id

    def save(self, order, *, expected_version):
        with self._lock:                  # in SQL: UPDATE ... WHERE version = :expected
            row = self._rows.get(order.id)
            if row is None:
                raise NotFound(params={"entity": "order", "id": order.id})
            if row[0] != expected_version:
                raise ConcurrencyConflict(params={"entity": "order", "expected": expected_version})
            order.version = expected_version + 1
            self._rows[order.id] = (order.version, json.dumps(encode(order)))

    def find_by_number(self, number):
        order_id = self._numbers.get(number)
        return None if order_id is None else self.get(order_id)

    def find(self, *, customer_id=None, status=None, created_from=None, created_to=None):
        found = [self.get(order_id) for order_id in list(self._rows)]
        found = [
            o for o in found
            if (customer_id is None or o.customer.id == customer_id)
            and (status is None or o.status.value == str(status))
            and (created_from is None or o.created_at >= created_from)
            and (created_to is None or o.created_at < created_to)
        ]
        return sorted(found, key=lambda o: (o.created_at, o.id))

from salesorder.testing.contracts import OrderRepositoryContract, OutboxContract


class TestJsonOrderRepository(OrderRepositoryContract):
    def make_repository(self):
        return JsonOrderRepository()


# pytest runs every inherited test; here, two of them by hand:
suite = TestJsonOrderRepository()
suite.test_stale_save_is_refused_and_writes_nothing()
suite.test_two_concurrent_saves_of_one_version_cannot_both_win()

from salesorder.adapters.memory import InMemoryStockStore
from salesorder.testing.contracts import StockStoreContract


class TestMyStockStore(StockStoreContract):
    def make_store(self):
        return InMemoryStockStore()       # your adapter, on an empty database


TestMyStockStore().test_reserve_beyond_available_is_refused_and_changes_nothing(
    InMemoryStockStore()
)

from salesorder.adapters.memory import MemoryDatabase
from salesorder.testing.contracts import UnitOfWorkContract


class UndoableJsonOrderRepository(JsonOrderRepository):
    """The JSON repository with what a unit of work needs to undo it."""

    def __init__(self):
        super().__init__()
        self._before = None

    def begin(self):                      # in SQL: BEGIN
        with self._lock:
            self._before = (dict(self._rows), dict(self._numbers))

    def commit(self):                     # in SQL: COMMIT
        self._before = None

    def rollback(self):                   # in SQL: ROLLBACK
        with self._lock:
            if self._before is not None:
                self._rows, self._numbers = self._before
                self._before = None


class JsonOrdersUnitOfWork:
    """Your orders, and the embedded default for stock, outbox, coupons, quotes, keys."""

    def __init__(self, database, orders):
        self._rest = database.unit_of_work()
        self.orders = orders
        self.stock = database.stock
        self.outbox = database.outbox
        self.coupons = database.coupons
        self.quotes = database.quotes
        self.idempotency = database.idempotency

    def __enter__(self):
        self._rest.__enter__()            # one unit of work at a time over the database
        self.orders.begin()
        return self

    def commit(self):
        self.orders.commit()              # the part that can fail, first
        self._rest.commit()
        self.orders.begin()               # later changes form a new batch

    def __exit__(self, *exc_info):
        try:
            self.orders.rollback()        # nothing left after a commit; else undo
        finally:
            self._rest.__exit__(*exc_info)


def json_orders_unit_of_work():
    database, orders = MemoryDatabase(), UndoableJsonOrderRepository()
    return lambda: JsonOrdersUnitOfWork(database, orders)


class TestJsonOrdersUnitOfWork(UnitOfWorkContract):
    def make_unit_of_work_factory(self):
        return json_orders_unit_of_work()


# pytest runs every inherited test; here, three of them by hand:
suite = TestJsonOrdersUnitOfWork()
suite.test_leaving_without_commit_rolls_back_orders(json_orders_unit_of_work())
suite.test_an_exception_inside_the_block_rolls_back(json_orders_unit_of_work())
suite.test_a_commit_then_more_changes_then_an_exception_keeps_only_the_committed_part(
    json_orders_unit_of_work()
)

import threading
from decimal import Decimal

import attrs

from salesorder.errors import NotFound, RuleViolation
from salesorder.inventory import (
    STOCK_RESERVATION_DUPLICATE,
    FixedPriority,
    Movement,
    MovementKind,
    OperationConflict,
    Reservation,
    StockPosition,
    backordered_demand,
    decide_backorder_fill,
    decide_commit,
    decide_count,
    decide_expiry,
    decide_receipt,
    decide_release,
    decide_reservation,
    decide_restock,
    decide_transfer,
    excess_stock_alerts,
    falling_stock_alerts,
    pack_reservation,
    plan_allocation,
    requested_quantities,
    reservation_demand,
    reservation_is_open,
    to_positive_quantity,
    to_quantity,
)

ZERO = Decimal(0)


class _Draft:
    """One operation's changes, stored only if the whole operation succeeds."""

    def __init__(self, store, operation_id, at, actor):
        self.store, self.operation_id, self.at, self.actor = store, operation_id, at, actor
        self.positions, self.reservations, self.movements, self.events = {}, {}, [], []
        self.before = {}                  # (sku, location) -> position before the operation

    def position(self, sku, location):
        return self.positions.get((sku, location)) or self.store.position(sku, location)

    def move(self, kind, sku, location, *, on_hand=ZERO, reserved=ZERO,
             order_id=None, reservation_id=None, reason=None):
        before = self.position(sku, location)
        self.before.setdefault((sku, location), before)
        self.positions[sku, location] = attrs.evolve(
            before, on_hand=before.on_hand + on_hand, reserved=before.reserved + reserved
        )
        self.movements.append(Movement(
            sequence=len(self.store._journal) + len(self.movements), kind=kind, sku=sku,
            location=location, on_hand_delta=on_hand, reserved_delta=reserved,
            order_id=order_id, reservation_id=reservation_id,
            operation_id=self.operation_id, actor=self.actor, reason=reason, at=self.at,
        ))

    def plan(self, demand, strategy, *, allow_safety_stock, allow_backorder):
        """Plan a demand on the draft's positions (the kernel's allocation)."""
        available = {
            sku: {p.location: p.available_to(allow_safety_stock=allow_safety_stock)
                  for p in self.store.positions(sku=sku)}
            for sku in demand
        }
        plan = plan_allocation(demand, available, strategy=strategy or FixedPriority(),
                               allow_backorder=allow_backorder)
        served: dict[str, list[tuple[str, Decimal]]] = {}
        for a in plan.allocations:
            served.setdefault(a.sku, []).append((a.location, a.quantity))
        return served

    def store_all(self):
        """Apply the draft: positions, reservations, journal, events (alerts last)."""
        store = self.store
        for (sku, location), before in sorted(self.before.items()):
            after = self.positions[sku, location]
            self.events += falling_stock_alerts(sku, location, after, before.free, self.at)
            self.events += excess_stock_alerts(sku, location, after, before.on_hand, self.at)
        store._positions.update(self.positions)
        store._reservations.update(self.reservations)
        store._journal += self.movements
        store._events += self.events


class DictStockStore:
    """A StockStore in dicts: storage here, every rule from salesorder.inventory."""

    def __init__(self):
        self._positions = {}              # (sku, location) -> StockPosition
        self._reservations = {}           # reservation id -> Reservation
        self._journal = []                # Movement, append-only
        self._events = []
        self._done = {}                   # operation id -> (request, result)
        self._lock = threading.Lock()

    def _once(self, operation_id, request, at, actor, decide):
        with self._lock:
            if operation_id in self._done:
                seen, result = self._done[operation_id]
                if seen != request:
                    raise OperationConflict(operation_id)
                return result
            draft = _Draft(self, operation_id, at, actor)
            result = decide(draft)        # raises before anything is stored
            draft.store_all()
            self._done[operation_id] = (request, result)
            return result

    # -- reading
    def position(self, sku, location):
        return self._positions.get((sku, location)) or StockPosition(sku, location)

    def positions(self, *, sku=None):
        return tuple(p for (s, _), p in sorted(self._positions.items()) if sku in (None, s))

    def available(self, sku, *, allow_safety_stock=False):
        return sum((p.available_to(allow_safety_stock=allow_safety_stock)
                    for p in self.positions(sku=sku)), ZERO)

    def reservation(self, reservation_id):
        if reservation_id not in self._reservations:
            raise NotFound(params={"entity": "reservation", "id": reservation_id})
        return self._reservations[reservation_id]

    def reservations(self, *, order_id=None):
        return tuple(r for r in self._reservations.values() if order_id in (None, r.order_id))

    def movements(self):
        return tuple(self._journal)

    def _rebuild(self, field):
        totals = dict.fromkeys(self._positions, ZERO)
        for m in self._journal:
            totals[m.sku, m.location] += getattr(m, field)
        return totals

    def rebuild_on_hand(self):
        return self._rebuild("on_hand_delta")

    def rebuild_reserved(self):
        return self._rebuild("reserved_delta")

    def drain_events(self):
        with self._lock:
            events, self._events = self._events, []
        return events

    # -- on hand
    def set_levels(self, sku, location, *, safety_stock=None, reorder_point=None, max_level=None):
        levels = {"safety_stock": safety_stock, "reorder_point": reorder_point,
                  "max_level": max_level}
        with self._lock:
            changed = attrs.evolve(self.position(sku, location),
                                   **{k: v for k, v in levels.items() if v is not None})
            self._positions[sku, location] = changed
        return changed

    def _on_hand(self, draft, change):
        """Apply a kernel decision on on hand (a receipt, a return, a count, a transfer)."""
        for move in change.moves:
            move.check_free(draft.position(move.sku, move.location).free)
        for move in change.moves:
            draft.move(move.kind, move.sku, move.location, on_hand=move.delta,
                       order_id=change.order_id, reason=change.reason)
        draft.events.append(change.event)
        return tuple(draft.position(move.sku, move.location) for move in change.moves)

    def receive(self, sku, location, *, quantity, operation_id, at, actor=None, reason=None):
        q = to_positive_quantity(quantity)
        change = decide_receipt(sku, location, q, at=at, reason=reason)
        return self._once(operation_id, ("receive", sku, location, q), at, actor,
                          lambda draft: self._on_hand(draft, change)[0])

    def restock(self, sku, location, *, quantity, operation_id, at, order_id=None,
                actor=None, reason=None):
        q = to_positive_quantity(quantity)
        change = decide_restock(sku, location, q, at=at, order_id=order_id, reason=reason)
        return self._once(operation_id, ("restock", sku, location, q, order_id), at, actor,
                          lambda draft: self._on_hand(draft, change)[0])

    def adjust(self, sku, location, *, counted, reason, operation_id, at, actor=None):
        q = to_quantity(counted, what="counted")

        def decide(draft):
            change = decide_count(draft.position(sku, location), q, at=at, reason=reason)
            return self._on_hand(draft, change)[0]

        return self._once(operation_id, ("adjust", sku, location, q, reason), at, actor, decide)

    def transfer(self, sku, *, source, destination, quantity, operation_id, at, actor=None,
                 reason=None):
        q = to_positive_quantity(quantity)

        def decide(draft):
            change = decide_transfer(sku, source=source, destination=destination, quantity=q,
                                     at=at, reason=reason)
            return self._on_hand(draft, change)

        request = ("transfer", sku, source, destination, q)
        return self._once(operation_id, request, at, actor, decide)

    # -- reservations
    def reserve(self, order_id, lines, *, operation_id, at, strategy=None,
                allow_backorder=False, allow_safety_stock=False, expires_at=None,
                reservation_id=None, actor=None):
        rid = operation_id if reservation_id is None else reservation_id
        request = tuple((line.line_id, line.sku, line.quantity) for line in lines)

        def decide(draft):
            if rid in self._reservations:
                raise RuleViolation(STOCK_RESERVATION_DUPLICATE, params={"reservation_id": rid})
            demand = reservation_demand(request)
            served = draft.plan(demand, strategy, allow_safety_stock=allow_safety_stock,
                                allow_backorder=allow_backorder)
            change = decide_reservation(rid, order_id, request, served, at=at,
                                        expires_at=expires_at)
            return self._allocate(draft, rid, change)

        fingerprint = ("reserve", order_id, repr(strategy), allow_backorder,
                       allow_safety_stock, expires_at, rid, request)
        return self._once(operation_id, fingerprint, at, actor, decide)

    def fill_backorders(self, reservation_id, *, operation_id, at, strategy=None,
                        allow_safety_stock=False, actor=None):
        def decide(draft):
            state = self.reservation(reservation_id).state
            _, demand = backordered_demand(state[4])
            served = draft.plan(demand, strategy, allow_safety_stock=allow_safety_stock,
                                allow_backorder=True)
            change = decide_backorder_fill(reservation_id, state, served, at=at)
            return self._allocate(draft, reservation_id, change)

        request = ("fill_backorders", reservation_id, repr(strategy), allow_safety_stock)
        return self._once(operation_id, request, at, actor, decide)

    def _allocate(self, draft, reservation_id, change):
        """Apply a kernel decision of a reservation or a backorder fill."""
        for sku, location, q in change.taken:
            draft.move(MovementKind.RESERVED, sku, location, reserved=q,
                       order_id=change.state[0], reservation_id=reservation_id)
        draft.reservations[reservation_id] = Reservation(
            reservation_id, state=pack_reservation(change.state)
        )
        draft.events += change.events
        return draft.reservations[reservation_id]

    def _give_back(self, draft, reservation_id, change):
        """Apply a kernel decision of a release, a shipment or an expiry."""
        order_id = change.state[0]
        for sku, location, q in change.taken:
            draft.move(change.kind, sku, location, on_hand=-q if change.ships else ZERO,
                       reserved=-q, order_id=order_id, reservation_id=reservation_id,
                       reason=change.reason)
        draft.reservations[reservation_id] = Reservation(
            reservation_id, state=pack_reservation(change.state)
        )
        draft.events.append(change.event)
        return draft.reservations[reservation_id]

    def release(self, reservation_id, *, operation_id, at, lines=None, actor=None, reason=None):
        def decide(draft):
            state = self.reservation(reservation_id).state
            wanted = requested_quantities(state[4], lines)
            change = decide_release(reservation_id, state, wanted, at=at, reason=reason)
            return self._give_back(draft, reservation_id, change)

        request = ("release", reservation_id, None if lines is None else sorted(
            (k, str(v)) for k, v in lines.items()))
        return self._once(operation_id, request, at, actor, decide)

    def commit(self, reservation_id, *, operation_id, at, lines=None, location=None,
               actor=None):
        def decide(draft):
            state = self.reservation(reservation_id).state
            wanted = requested_quantities(state[4], lines)
            change = decide_commit(reservation_id, state, wanted, at=at, location=location)
            return self._give_back(draft, reservation_id, change)

        request = ("commit", reservation_id, location, None if lines is None else sorted(
            (k, str(v)) for k, v in lines.items()))
        return self._once(operation_id, request, at, actor, decide)

    def expire(self, now, *, operation_id=None, actor=None):
        operation_id = f"expire:{now.isoformat()}" if operation_id is None else operation_id

        def decide(draft):
            due = [
                r for r in self._reservations.values()
                if r.expires_at is not None and r.expires_at <= now
                and reservation_is_open(r.state)
            ]
            return tuple(
                self._give_back(draft, r.reservation_id,
                                decide_expiry(r.reservation_id, r.state, now=now))
                for r in due
            )

        return self._once(operation_id, ("expire", now), now, actor, decide)

from salesorder.ports import StockStore
from salesorder.testing.contracts import StockStoreContract


class TestDictStockStore(StockStoreContract):
    def make_store(self):
        return DictStockStore()


assert isinstance(DictStockStore(), StockStore)
suite = TestDictStockStore()
for name in sorted(dir(suite)):
    if name.startswith("test_"):
        getattr(suite, name)(suite.make_store())

class WarehouseQueue:
    """Sends events to a message queue; fails while the queue is down."""

    def __init__(self):
        self.up = False
        self.published = []

    def notify(self, event, *, audiences):
        if not self.up:
            raise ConnectionError("queue unavailable")
        self.published.append((event.event_id, event.name, sorted(audiences)))

from salesorder.notifications import NotificationRouting

routing = NotificationRouting.from_mapping(
    {
        "OrderConfirmed": ["warehouse", "production"],
        "OrderShipped": ["customer"],
        "LowStockDetected": ["purchasing"],
    },
    default=[],
)
queue = WarehouseQueue()
erp_db = MemoryDatabase()
erp = OrderService(
    unit_of_work=erp_db.unit_of_work,
    clock=clock,
    numbering=PatternNumbering(prefix="ERP"),
    pricing_settings=PricingSettings(
        price_list=PriceList("CNY", (PriceEntry("TEA-1", Money("128.00", "CNY")),)),
    ),
    notifier=queue,
    routing=routing,
)
erp_db.stock.receive("TEA-1", "SH-01", quantity=50, operation_id="open-1", at=clock.now())
placed = erp.enter(payload, actor="S-LI")
erp.submit(placed.id, actor="S-LI")
erp.confirm(placed.id, actor="S-LI")                 # committed, although the queue is down
print(erp.get(placed.id).status.value)               # confirmed
print([entry.attempts for entry in erp_db.outbox.pending()])   # [1, 0]
# OrderConfirmed waits, and the order's next event (StockReserved) waits behind it.

queue.up = True
clock.advance(timedelta(seconds=5))                  # the backoff has passed
result = erp.deliver_notifications()                 # relay(outbox, notifier, routing=...)
print(result.delivered, result.failed)              # 2 0 (StockReserved: no audience)
print(queue.published[0][1:])                       # ('OrderConfirmed', ['production', 'warehouse'])

first = erp.enter(payload, actor="S-LI", idempotency_key="web-req-7781")
again = erp.enter(payload, actor="S-LI", idempotency_key="web-req-7781")
assert again.id == first.id and again.number == first.number

from salesorder.errors import IllegalTransition, SalesOrderError, ValidationFailed

try:
    erp.ship(placed.id, lines={"1": 999}, actor="W-SH")
except SalesOrderError as error:
    print(error.code)                  # lifecycle.ship.exceeds_remaining
    print(error.message("zh_CN"))

try:
    erp.enter({"customer": {"id": "C-1"}, "currency": "CNY", "lines": []}, actor="S-LI")
except ValidationFailed as error:
    print(sorted({issue.code for issue in error.report.errors}))   # ['field.missing']

try:
    erp.submit(placed.id, actor="S-LI")   # already confirmed
except IllegalTransition as error:
    print(error.code)                  # lifecycle.illegal_transition
