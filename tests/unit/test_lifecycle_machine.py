"""The compiled table behaves exactly like python-statemachine running the same class."""

from __future__ import annotations

from typing import Any

import pytest
from statemachine.exceptions import TransitionNotAllowed

from salesorder import lifecycle as lc
from salesorder._lifecycle.engine import TABLE
from salesorder.records import Status


class GuardModel:
    """A model answering every guard with a fixed truth value."""

    def __init__(self, *, truth: bool, held_from: Status) -> None:
        self.state: Any = None
        self.truth = truth
        self.held_from = held_from


def _answer(name: str) -> Any:
    if name.startswith("was_held_from_"):
        wanted = name.removeprefix("was_held_from_")
        return lambda self: self.held_from.value == wanted
    return lambda self: self.truth


for _name in lc.GUARDS:
    setattr(GuardModel, _name, _answer(_name))


def table_target(status: Status, event: str, *, truth: bool, held_from: Status) -> Status | None:
    for target, guards in TABLE.get((status, event), ()):
        names = [guard.__name__ for guard in guards]
        if all(
            (held_from.value == n.removeprefix("was_held_from_"))
            if n.startswith("was_held_from_")
            else truth
            for n in names
        ):
            return target
    return None


@pytest.mark.parametrize("truth", [True, False])
@pytest.mark.parametrize("status", [s for s in Status if s not in lc.ARCHIVED])
def test_table_and_python_statemachine_agree(status: Status, truth: bool) -> None:
    held_from = Status.SHIPPED
    for event in lc.EVENTS:
        model = GuardModel(truth=truth, held_from=held_from)
        machine = lc.OrderLifecycle(model, start_value=status)
        try:
            machine.send(event)
            expected: Status | None = model.state
        except TransitionNotAllowed:
            expected = None
        assert table_target(status, event, truth=truth, held_from=held_from) == expected, event
