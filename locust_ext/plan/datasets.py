"""Data sets: CSV rows fed into variables as `${set.column}`, in one of three modes."""

from __future__ import annotations

import csv
import io
import itertools
import random
from collections import deque

from locust_ext.proto import fleet_pb2

Mode = fleet_pb2.DataSet.Mode


class DataSetExhausted(RuntimeError):
    """A UNIQUE_PER_USER data set has no row left for another user."""


def parse_csv(text: str) -> tuple[list[str], list[list[str]]]:
    """The header and rows of a CSV text; raises ValueError naming the line that is wrong."""
    reader = csv.reader(io.StringIO(text))
    try:
        rows = [row for row in reader if row]
    except csv.Error as error:  # a value beyond csv's field size limit, for one
        raise ValueError(f"line {reader.line_num}: {error}") from None
    if not rows:
        raise ValueError("expected a header row and at least one data row, got nothing")
    header = [column.strip() for column in rows[0]]
    if any(not column for column in header):
        raise ValueError(f"the header row has an empty column name: {rows[0]}")
    if len(set(header)) != len(header):
        raise ValueError(f"the header row names a column twice: {rows[0]}")
    if len(rows) < 2:
        raise ValueError("expected at least one data row after the header")
    for number, row in enumerate(rows[1:], start=2):
        if len(row) != len(header):
            raise ValueError(f"row {number} has {len(row)} values, the header has {len(header)}")
    return header, rows[1:]


class DataSetFeeder:
    """Hands rows of one data set to the virtual users of this process, as `{"set.column": value}`."""

    def __init__(self, data_set: fleet_pb2.DataSet) -> None:
        columns, rows = parse_csv(data_set.csv)
        self.name = data_set.name
        self.mode = data_set.mode
        self.rows = [
            {f"{self.name}.{column}": value for column, value in zip(columns, row, strict=True)} for row in rows
        ]
        self._cycle = itertools.cycle(self.rows)
        self._free = deque(self.rows)

    @property
    def per_user(self) -> bool:
        return self.mode == Mode.UNIQUE_PER_USER

    def take_for_user(self) -> dict[str, str]:
        """The row a new user keeps until it stops (UNIQUE_PER_USER)."""
        if not self._free:
            raise DataSetExhausted(
                f"data set {self.name}: no row left for another user ({len(self.rows)} rows, mode UNIQUE_PER_USER); "
                "add rows or run fewer users"
            )
        return self._free.popleft()

    def give_back(self, row: dict[str, str]) -> None:
        """A stopped user's row, free for the next user."""
        self._free.append(row)

    def take_for_iteration(self) -> dict[str, str]:
        """The row for one iteration (ROUND_ROBIN or RANDOM)."""
        if self.mode == Mode.RANDOM:
            return random.choice(self.rows)
        return next(self._cycle)
