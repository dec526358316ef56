"""The checkpoint journal on its own: replay, in-doubt batches, torn lines, the row bitmap."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reconciler.sending.checkpoint import CheckpointError, Journal, RowSet


@given(st.sets(st.integers(min_value=0, max_value=100_000), max_size=300))
def test_rowset_is_a_set(rows: set[int]) -> None:
    bits = RowSet()
    for row in sorted(rows, reverse=True):
        bits.add(row)
        bits.add(row)
    assert len(bits) == len(rows)
    assert all(row in bits for row in rows)
    assert not any(row in bits for row in range(0, 500) if row not in rows)
    assert -1 not in bits


@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["end", "abort", "none"]), st.integers(1, 5)), max_size=12))
def test_replay_matches_what_was_written(
    tmp_path_factory: pytest.TempPathFactory, batches: list[tuple[str, int]]
) -> None:
    path = tmp_path_factory.mktemp("ck") / "journal"
    journal = Journal(path)
    journal.open()
    journal.start("r1", {"file": "x"})
    done: set[int] = set()
    doubt: dict[str, list[int]] = {}
    row = 0
    for number, (outcome, size) in enumerate(batches):
        rows = list(range(row, row + size))
        row += size
        name = f"b{number}"
        journal.begin(name, rows)
        if outcome == "end":
            journal.end(name, [(r, f"m{r}") for r in rows[:-1]], [(rows[-1], "MESSAGE_REJECTED", "")], [])
            done.update(rows)
        elif outcome == "abort":
            journal.abort(name, "TooManyRequestsException")
        else:
            doubt[name] = rows
    journal.close()
    replay = Journal(path).replay()
    assert replay is not None and replay.run_id == "r1"
    assert {r for r in range(row) if r in replay.done} == done
    assert replay.in_doubt == doubt
    assert replay.batches == len(batches)


def test_a_torn_last_line_is_ignored_and_a_foreign_file_refused(tmp_path: Path) -> None:
    path = tmp_path / "ck"
    journal = Journal(path)
    journal.open()
    journal.start("r1", {})
    journal.begin("b0", [0, 1])
    journal.close()
    with path.open("a") as handle:
        handle.write('{"type":"end","batch":"b0","sent":[[0,')  # the process died mid-write
    replay = Journal(path).replay()
    assert replay is not None and replay.in_doubt == {"b0": [0, 1]} and len(replay.done) == 0
    # The next session cuts the fragment before appending, so its lines stay readable.
    resumed = Journal(path)
    resumed.open()
    resumed.resume()
    resumed.resolved("b0", [(0, "m0")], [1], "test")
    resumed.close()
    replay = Journal(path).replay()
    assert replay is not None and replay.in_doubt == {} and 0 in replay.done and 1 not in replay.done
    other = tmp_path / "other"
    other.write_text('{"hello": 1}\n')
    with pytest.raises(CheckpointError, match="not a sesctl send checkpoint"):
        Journal(other).replay()
