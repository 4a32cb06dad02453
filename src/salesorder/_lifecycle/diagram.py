"""The lifecycle drawn for people: Graphviz DOT source generated from the compiled table.

The drawing separates the main path (the events that take an order from draft to
completed) from the exception paths (hold, cancel, close, reject, re-approval), so that
it reads at page width: the main path runs down the middle in solid arrows; the
exception statuses sit beside it and their arrows are dashed and do not move the main
path. Self-transitions (facts recorded without a status change: invoices, payments,
partial deliveries, returns) are listed inside their status's box rather than drawn as
loops.

The source is deterministic (same machine, same text), so the docs keep a committed copy
and a test compares it with :func:`lifecycle_dot`; Graphviz is only needed to turn it
into the committed SVG.
"""

from __future__ import annotations

from typing import Final

from salesorder._lifecycle.machine import TRANSITIONS, Transition
from salesorder.records import ARCHIVED, Status

__all__ = ["MAIN_PATH_EVENTS", "lifecycle_dot"]

MAIN_PATH_EVENTS: Final[frozenset[str]] = frozenset(
    {"submit", "approve", "confirm", "ship", "deliver", "complete"}
)
"""The events of the main path: an arrow of these between two statuses is drawn solid."""

_MAIN_COLOUR: Final = "#1a5fb4"
_EXCEPTION_COLOUR: Final = "#8a5a00"
_ARCHIVED_FILL: Final = "#eeeeee"
_OPEN_FILL: Final = "#e8f0fe"
_EXCEPTION_FILL: Final = "#fff4e0"
_NOTE_WIDTH: Final = 34


def _label(row: Transition) -> str:
    # The guard on a line of its own keeps the labels, and so the drawing, narrow.
    return row.event + (f"\n[{' and '.join(row.guards)}]" if row.guards else "")


def _quoted(lines: list[str]) -> str:
    """A DOT string of ``lines``, one under the other."""
    split = (part for line in lines for part in line.split("\n"))
    escaped = (part.replace("\\", "\\\\").replace('"', '\\"') for part in split)
    return '"' + "\\n".join(escaped) + '"'


def _wrapped(words: list[str], width: int) -> list[str]:
    """``words`` joined with ``, `` into lines of at most ``width`` characters."""
    lines: list[str] = []
    current = ""
    for word in words:
        candidate = f"{current}, {word}" if current else word
        if current and len(candidate) > width:
            lines.append(current + ",")
            current = word
        else:
            current = candidate
    if current:
        lines.append(current)
    return lines


def _main_statuses() -> list[Status]:
    """The initial status and every status a main-path arrow enters, in declaration order."""
    entered = {
        row.target
        for row in TRANSITIONS
        if row.event in MAIN_PATH_EVENTS and row.source != row.target
    }
    return [status for status in Status if status is Status.DRAFT or status in entered]


def _node(status: Status, records: list[str], *, main: bool) -> str:
    fill = _ARCHIVED_FILL if status in ARCHIVED else _OPEN_FILL if main else _EXCEPTION_FILL
    shape = "doubleoctagon" if status in ARCHIVED else "box"
    lines = [status.value]
    if records:
        lines.extend(f"· {line}" for line in _wrapped(records, _NOTE_WIDTH))
    return f'    {status.value} [label={_quoted(lines)}, shape={shape}, fillcolor="{fill}"];'


_Arrows = dict[tuple[Status, Status], list[str]]


def _rank_beside(status: Status, main: list[Status], arrows: _Arrows) -> Status:
    """The main-path status to draw an exception status level with: its median neighbour."""
    neighbours = sorted(
        {main.index(other) for pair in arrows if status in pair for other in pair if other in main}
    )
    return main[neighbours[(len(neighbours) - 1) // 2]] if neighbours else main[-1]


def _arrow_lines(
    arrows: _Arrows, main_arrows: set[tuple[Status, Status]], main: list[Status]
) -> list[str]:
    """One DOT edge per pair of statuses; a pair of opposite exception arrows as one."""
    lines: list[str] = []
    drawn: set[tuple[Status, Status]] = set()
    for (source, target), labels in arrows.items():
        if (source, target) in drawn:
            continue
        if (source, target) in main_arrows:
            style = f'color="{_MAIN_COLOUR}", fontcolor="{_MAIN_COLOUR}", penwidth=1.6, weight=10'
            lines.append(
                f"    {source.value} -> {target.value} [label={_quoted(labels)}, {style}];"
            )
            continue
        style = f'color="{_EXCEPTION_COLOUR}", fontcolor="{_EXCEPTION_COLOUR}", style=dashed'
        back = arrows.get((target, source))
        if back is not None and (target, source) not in main_arrows:
            drawn.add((target, source))
            text = _quoted([f"{' / '.join(labels)} →", *(f"← {label}" for label in back)])
            style += ", dir=both"
        else:
            text = _quoted(labels)
        # An arrow between two main-path statuses must not bend the main path.
        if source in main and target in main:
            style += ", constraint=false"
        lines.append(f"    {source.value} -> {target.value} [label={text}, {style}];")
    return lines


def lifecycle_dot() -> str:
    """The lifecycle as Graphviz DOT source, generated from :data:`TRANSITIONS`.

    Arrows between the same two statuses are drawn once with their events joined, and a
    pair of opposite arrows (``hold`` and ``resume``) as one double-headed arrow; a guard
    is shown as ``event [guard]``. Render it with ``dot -Tsvg``.

    Returns:
        The DOT source, ending with a newline.
    """
    records: dict[Status, list[str]] = {status: [] for status in Status}
    arrows: _Arrows = {}
    main_arrows: set[tuple[Status, Status]] = set()
    for row in TRANSITIONS:
        if row.source == row.target:
            if row.event not in records[row.source]:
                records[row.source].append(row.event)
            continue
        labels = arrows.setdefault((row.source, row.target), [])
        if _label(row) not in labels:
            labels.append(_label(row))
        if row.event in MAIN_PATH_EVENTS:
            main_arrows.add((row.source, row.target))
    main = _main_statuses()
    out = [
        "digraph order_lifecycle {",
        (
            '    graph [rankdir=TB, nodesep=0.3, ranksep=0.35, fontname="Helvetica", '
            "fontsize=11, newrank=true];"
        ),
        '    node [style="rounded,filled", fontname="Helvetica", fontsize=11, margin="0.12,0.05"];',
        '    edge [fontname="Helvetica", fontsize=10, arrowsize=0.7];',
        '    start [shape=point, width=0.12, label=""];',
    ]
    out.extend(_node(status, records[status], main=True) for status in main)
    for status in Status:
        if status not in main:
            out.append(_node(status, records[status], main=False))
            beside = _rank_beside(status, main, arrows)
            out.append(f"    {{rank=same; {beside.value}; {status.value};}}")
    out.append(f'    start -> {Status.DRAFT.value} [color="{_MAIN_COLOUR}"];')
    out.extend(_arrow_lines(arrows, main_arrows, main))
    out.append("}")
    return "\n".join(out) + "\n"
