"""Garbage collection inside a validation scans only the objects the validation made."""

from __future__ import annotations

import gc
import weakref

from validator.pipeline._run import _collecting_own_objects


class _Node:
    def __init__(self) -> None:
        self.me = self  # a reference cycle: only the collector frees it


def test_a_run_collects_its_own_cycles_with_older_objects_frozen_and_thaws_them_after() -> None:
    older = _Node()
    with _collecting_own_objects():
        assert gc.get_freeze_count() > 0  # what the process had before the run
        with _collecting_own_objects():  # a nested run leaves the outer run's freeze alone
            pass
        assert gc.get_freeze_count() > 0
        made = _Node()
        alive = weakref.ref(made)
        del made
        gc.collect()
        assert alive() is None  # the run's own garbage is still collected between phases
    assert gc.get_freeze_count() == 0
    gone = weakref.ref(older)
    del older
    gc.collect()
    assert gone() is None  # and older garbage after the run
