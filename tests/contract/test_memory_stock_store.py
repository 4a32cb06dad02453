"""The in-memory stock store passes the StockStore contract."""

from salesorder.adapters.memory import InMemoryStockStore
from salesorder.ports import StockStore
from salesorder.testing.contracts import StockStoreContract


class TestInMemoryStockStore(StockStoreContract):
    def make_store(self) -> StockStore:
        return InMemoryStockStore()
