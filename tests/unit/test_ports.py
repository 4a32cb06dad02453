"""Every protocol a host implements lives in salesorder.ports (and nowhere else)."""

from __future__ import annotations

import inspect
from typing import Protocol

import salesorder.ports
import salesorder.service
from salesorder.adapters.memory import MemoryCouponLedger, MemoryDatabase
from salesorder.ports import CouponLedger, IdempotencyKeys, QuoteRepository
from salesorder.pricing import CouponRedemptions


def test_every_protocol_of_the_ports_module_is_exported() -> None:
    protocols = {
        name
        for name, value in vars(salesorder.ports).items()
        if inspect.isclass(value)
        and value.__module__ == "salesorder.ports"
        and Protocol in value.__mro__
    }
    assert protocols <= set(salesorder.ports.__all__)
    assert {"QuoteRepository", "IdempotencyKeys", "ServiceUnitOfWork"} <= protocols


def test_the_service_module_defines_no_protocol() -> None:
    # The service and the value enter_many answers with; its protocols are in ports.
    assert salesorder.service.__all__ == ["EntryOutcome", "OrderService"]
    assert Protocol not in salesorder.service.EntryOutcome.__mro__
    defined_here = [
        value
        for value in vars(salesorder.service).values()
        if inspect.isclass(value)
        and value.__module__ == "salesorder.service"
        and Protocol in value.__mro__
    ]
    assert defined_here == []


def test_the_embedded_default_implements_the_service_ports() -> None:
    database = MemoryDatabase()
    assert isinstance(database.quotes, QuoteRepository)
    assert isinstance(database.idempotency, IdempotencyKeys)


def test_a_coupon_ledger_is_what_pricing_reads() -> None:
    assert issubclass(CouponLedger, CouponRedemptions)
    assert isinstance(MemoryCouponLedger(), CouponRedemptions)
