"""The contract suite of :class:`~salesorder.ports.InvoiceNumbering` (public in ``contracts``)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

from salesorder.ports import InvoiceNumbering, OrderNumbering

__all__ = ["InvoiceNumberingContract"]

_AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


class InvoiceNumberingContract:
    """The behaviour every :class:`~salesorder.ports.InvoiceNumbering` must show.

    Subclass it and say how to make a fresh numbering; say how to make the order
    numbering of the same store to check that the two series never meet::

        class TestMyInvoiceNumbering(InvoiceNumberingContract):
            def make_numbering(self):
                return MyInvoiceNumbering(database)

            def make_order_numbering(self):
                return MyOrderNumbering(database)   # or None when there is none
    """

    def make_numbering(self) -> InvoiceNumbering:
        """A fresh invoice numbering (override)."""
        raise NotImplementedError

    def make_order_numbering(self) -> OrderNumbering | None:
        """The order numbering of the same store, or None (override when there is one)."""
        return None

    def test_it_is_an_invoice_numbering(self) -> None:
        assert isinstance(self.make_numbering(), InvoiceNumbering)

    def test_numbers_are_unique_text_that_fits_a_document(self) -> None:
        numbering = self.make_numbering()
        numbers = [numbering.next_number(at=_AT) for _ in range(50)]
        assert len(set(numbers)) == len(numbers)
        assert all(isinstance(n, str) and 0 < len(n) <= 64 for n in numbers)

    def test_numbers_stay_unique_across_periods(self) -> None:
        numbering = self.make_numbering()
        later = _AT.replace(month=4)
        numbers = {numbering.next_number(at=_AT), numbering.next_number(at=later)}
        numbers.add(numbering.next_number(at=_AT))
        assert len(numbers) == 3

    def test_concurrent_calls_never_share_a_number(self) -> None:
        numbering = self.make_numbering()
        drawn: list[str] = []
        lock = threading.Lock()

        def worker() -> None:
            mine = [numbering.next_number(at=_AT) for _ in range(10)]
            with lock:
                drawn.extend(mine)

        threads = [threading.Thread(target=worker) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len(drawn) == 40
        assert len(set(drawn)) == 40

    def test_the_series_is_its_own(self) -> None:
        orders = self.make_order_numbering()
        if orders is None:
            return
        invoices = self.make_numbering()
        order_numbers = {orders.next_number(at=_AT) for _ in range(5)}
        invoice_numbers = {invoices.next_number(at=_AT) for _ in range(5)}
        assert not order_numbers & invoice_numbers
