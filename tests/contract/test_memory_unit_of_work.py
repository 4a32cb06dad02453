"""The embedded default's unit of work passes the unit-of-work contract."""

from salesorder.adapters.memory import MemoryDatabase
from salesorder.testing.contracts import UnitOfWorkContract, UnitOfWorkFactory


class TestMemoryUnitOfWork(UnitOfWorkContract):
    def make_unit_of_work_factory(self) -> UnitOfWorkFactory:
        return MemoryDatabase().unit_of_work
