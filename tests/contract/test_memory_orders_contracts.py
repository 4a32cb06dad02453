from salesorder.adapters.memory import MemoryOrderRepository, MemoryOutbox
from salesorder.testing.contracts import OrderRepositoryContract, OutboxContract


class TestMemoryOrderRepository(OrderRepositoryContract):
    def make_repository(self) -> MemoryOrderRepository:
        return MemoryOrderRepository()


class TestMemoryOutbox(OutboxContract):
    def make_outbox(self) -> MemoryOutbox:
        return MemoryOutbox()
