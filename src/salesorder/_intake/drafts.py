"""Rows into order drafts: grouping, building each payload, finding a pointer's cell.

Invariants:

* the rows of one order are consecutive; a row with a blank order key continues the
  order above it (as ERP import sheets put the order fields on the first row only);
* an order-level value is taken from the first row that has one; a different value
  on a later row of the same order is an issue at that cell;
* an order keeps at most ``Limits.max_lines`` lines in memory; more is one
  ``lines.too_many`` issue, so memory stays bounded whatever the file holds;
* every issue found here or by validation names its cell (:meth:`Group.locate`).
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, Final

import attrs

from salesorder._intake.cells import cell_text, restore
from salesorder._intake.codes import CELL_CONFLICTING, ORDER_KEY_MISSING
from salesorder._intake.mapping import LINE_FIELDS, ORDER_FIELDS, ORDER_KEY
from salesorder._intake.sources import FileFormat, Row, Table
from salesorder._validation.payload import LINES_TOO_MANY
from salesorder._validation.report import Issue, Severity
from salesorder.schema import Limits

__all__ = ["Group", "read_groups"]

#: How many forms of an order's order-level cells are remembered (first row, blank...).
_REMEMBERED_FORMS: Final = 4
_LINE_INDEX: Final = re.compile(r"^/lines/(\d+)(?:/([^/]+))?")
_DATE: Final = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")


def _iso_date(text: str) -> str:
    """``2026/12/5``, ``2026.12.05`` and ``2026年12月5日`` as ``2026-12-05``; else as is."""
    match = _DATE.match(text)
    if match is None:
        return text
    year, month, day = match.groups()
    return f"{year}-{int(month):02d}-{int(day):02d}"


@attrs.define
class Group:
    """The rows of one order, read into a payload.

    Attributes:
        key: The order key.
        first_row: The row the order starts on.
        last_row: The last row of the order.
        payload: The draft as JSON values (what :func:`~salesorder.validation.validate`
            and :meth:`~salesorder.service.OrderService.enter` take).
        issues: Problems found while reading the rows (formulas, conflicting values,
            too many lines), each at its cell.
        line_count: Rows of lines read, including those beyond the line limit.
        field_rows: The row each order-level field was taken from.
        order_values: The text each order-level field was taken as.
        seen_order_cells: Forms of the order-level cells already read (a few at most):
            a row that repeats one adds nothing and conflicts with nothing.
        line_rows: The row of each line.
        columns: The column of each field.
        cell: ``(row, column) -> cell reference``.
        row: ``row -> row reference``.
    """

    key: str
    first_row: int
    last_row: int
    payload: dict[str, Any]
    issues: list[Issue]
    line_count: int = 0
    field_rows: dict[str, int] = attrs.field(factory=dict)
    order_values: dict[str, str] = attrs.field(factory=dict)
    seen_order_cells: set[tuple[str, ...]] = attrs.field(factory=set)
    line_rows: list[int] = attrs.field(factory=list)
    columns: Mapping[str, int] = attrs.field(factory=dict)
    cell: Callable[[int, int], str] = attrs.field(default=lambda row, column: "")
    row: Callable[[int], str] = attrs.field(default=lambda row: "")

    def locate(self, path: str) -> str:
        """The cell (or row) a JSON pointer of this order's draft comes from."""
        match = _LINE_INDEX.match(path)
        if match is not None:
            index = int(match.group(1))
            row = self.line_rows[index] if index < len(self.line_rows) else self.first_row
            column = self.columns.get(f"line.{match.group(2)}")
            return self.row(row) if column is None else self.cell(row, column)
        parts = [part for part in path.split("/") if part]
        while parts:
            field = ".".join(parts)
            if field == "external_ref" and field not in self.field_rows:
                field = ORDER_KEY
            column = self.columns.get(field)
            if column is not None:
                # A blank value is reported where it is missing: the order's first row.
                return self.cell(self.field_rows.get(field, self.first_row), column)
            parts.pop()
        return self.row(self.first_row)

    def located(self, issue: Issue) -> Issue:
        """``issue`` with the cell its path points at."""
        if issue.cell is not None:
            return issue
        return attrs.evolve(issue, cell=self.locate(issue.path))


def _set(payload: dict[str, Any], field: str, value: str) -> None:
    *parents, name = field.split(".")
    target = payload
    for parent in parents:
        target = target.setdefault(parent, {})
    target[name] = value


@attrs.frozen
class _Reader:
    """How to read a row: the mapped columns in order, and where each field sits.

    A row's mapped cells are read once into a list (``cells``), in the order of
    ``mapped``; the fields refer to their position in that list.
    """

    table: Table
    columns: Mapping[str, int]
    limits: Limits
    currency: str | None
    mapped: tuple[int, ...] = attrs.field(init=False)
    order_fields: tuple[tuple[str, int, int], ...] = attrs.field(init=False)
    line_fields: tuple[tuple[str, int], ...] = attrs.field(init=False)
    key_position: int = attrs.field(init=False)
    pick: Callable[[Sequence[Any]], tuple[Any, ...]] = attrs.field(init=False)

    @pick.default
    def _pick(self) -> Callable[[Sequence[Any]], tuple[Any, ...]]:
        return _picker(self.mapped)

    @mapped.default
    def _mapped(self) -> tuple[int, ...]:
        return tuple(sorted(set(self.columns.values())))

    def _position(self, field: str) -> int:
        return self.mapped.index(self.columns[field])

    @order_fields.default
    def _order_fields(self) -> tuple[tuple[str, int, int], ...]:
        return tuple(
            (field, self._position(field), self.columns[field])
            for field in ORDER_FIELDS
            if field in self.columns
        )

    @line_fields.default
    def _line_fields(self) -> tuple[tuple[str, int], ...]:
        return tuple(
            (field.removeprefix("line."), self._position(field))
            for field in LINE_FIELDS
            if field in self.columns
        )

    @key_position.default
    def _key_position(self) -> int:
        return self._position(ORDER_KEY)

    def cells(self, values: Sequence[object]) -> list[str]:
        """The text of the mapped cells of a row."""
        width = len(values)
        if self.table.file_format is FileFormat.CSV and width > self.mapped[-1]:
            # The common case, kept fast: every cell of a CSV record is a str, and a
            # file without any apostrophe holds no neutralised cell to restore.
            texts: list[str] = list(map(str.strip, self.pick(values)))
            if self.table.apostrophes and "\x00'" in "\x00" + "\x00".join(texts):
                texts = [restore(text) for text in texts]
            return texts
        return [cell_text(values[column]) if column < width else "" for column in self.mapped]

    def new_group(self, key: str, row: Row) -> Group:
        # The order key is the source system's reference unless a column gives one.
        payload: dict[str, Any] = {"lines": [], "external_ref": key}
        if self.currency is not None:
            payload["currency"] = self.currency
        return Group(
            key,
            row.number,
            row.number,
            payload,
            [],
            columns=self.columns,
            cell=self.table.cell,
            row=self.table.row,
        )

    def add_order_fields(
        self, group: Group, row: Row, cells: list[str], seen: tuple[str, ...]
    ) -> None:
        """Take the order-level cells of a row whose form ``seen`` was not seen yet."""
        conflicts = len(group.issues)
        # A field is set from its first non-blank row; later rows are compared with it.
        known = group.field_rows
        values = group.order_values
        for field, position, column in self.order_fields:
            text = cells[position]
            if not text:
                continue
            if field == "requested_delivery_date":
                text = _iso_date(text)
            first = known.get(field)
            if first is None:
                known[field] = row.number
                values[field] = text
                _set(group.payload, field, text)
            elif values[field] != text:
                group.issues.append(
                    Issue(
                        CELL_CONFLICTING,
                        "/" + field.replace(".", "/"),
                        Severity.ERROR,
                        {"row": first},
                        cell=self.table.cell(row.number, column),
                    )
                )
        # Only a form that agrees with the order may be skipped: each conflicting row
        # is reported at its own cells.
        if len(group.issues) == conflicts and len(group.seen_order_cells) < _REMEMBERED_FORMS:
            group.seen_order_cells.add(seen)

    def too_many_lines(self, group: Group, row: Row) -> None:
        """Note the first line beyond the limit (those beyond are counted, not kept)."""
        group.issues.append(
            Issue(
                LINES_TOO_MANY,
                "/lines",
                Severity.ERROR,
                {"max": self.limits.max_lines},
                cell=self.table.row(row.number),
            )
        )


def _picker(positions: Sequence[int]) -> Callable[[Sequence[Any]], tuple[Any, ...]]:
    """A C-level getter of the cells at ``positions``, always as a tuple."""
    if len(positions) == 1:
        (position,) = positions
        return lambda cells: (cells[position],)
    return operator.itemgetter(*positions)


def _formula_issues(row: Row, reader: _Reader) -> Iterator[Issue]:
    if not row.formulas:
        return
    for column, code in sorted(row.formulas.items()):
        if column in reader.mapped:
            yield Issue(code, "", Severity.ERROR, cell=reader.table.cell(row.number, column))


def read_groups(
    table: Table,
    columns: Mapping[str, int],
    *,
    limits: Limits,
    currency: str | None,
    stray: Callable[[Issue], object],
) -> Iterator[Group]:
    """The orders of ``table``, one group at a time, in file order.

    Args:
        table: The opened file, header read.
        columns: The column of each field (the required ones present).
        limits: The validation limits (``max_lines``).
        currency: The currency of orders whose rows name none.
        stray: Called with each issue of a row that belongs to no order.

    Raises:
        Refused: from the table, when the file turns out unreadable further on.
    """
    reader = _Reader(table, columns, limits, currency)
    key_position = reader.key_position
    # The loop below runs once per row: its common path uses C-level getters only.
    order_form = _picker([position for _, position, _ in reader.order_fields])
    line_names = tuple(name for name, _ in reader.line_fields)
    line_cells = _picker([position for _, position in reader.line_fields])
    max_lines = limits.max_lines
    group: Group | None = None
    for row in table.rows:
        cells = reader.cells(row.values)
        if not any(cells):
            continue  # a blank row
        key = cells[key_position]
        formula_issues = list(_formula_issues(row, reader)) if row.formulas else []
        if key and (group is None or key != group.key):
            if group is not None:
                yield group
            group = reader.new_group(key, row)
        elif group is None:
            stray(
                Issue(ORDER_KEY_MISSING, "", cell=table.cell(row.number, reader.columns[ORDER_KEY]))
            )
            for issue in formula_issues:
                stray(issue)
            continue
        group.last_row = row.number
        if formula_issues:
            group.issues.extend(formula_issues)
        # Most rows repeat the order's cells exactly, or leave them blank: nothing new.
        seen = order_form(cells)
        if seen not in group.seen_order_cells:
            reader.add_order_fields(group, row, cells, seen)
        group.line_count += 1
        if group.line_count <= max_lines:
            texts = zip(line_names, line_cells(cells), strict=True)
            group.payload["lines"].append({name: text for name, text in texts if text})
            group.line_rows.append(row.number)
        elif group.line_count == max_lines + 1:
            reader.too_many_lines(group, row)
    if group is not None:
        yield group
