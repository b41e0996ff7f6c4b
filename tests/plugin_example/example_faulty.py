"""Example suite for the fxtv pytest plugin: compiles under faulty passes without checking results."""

import pytest
import torch

from passes import get_pass


def test_faulty_pass() -> None:
    p = get_pass("split_cat_order")  # fires on post_grad_custom_pre_pass
    fn, args = p.trigger()
    with p.installed():
        torch.compile(fn)(*args)


@pytest.mark.fxtv
def test_marked_faulty_pass() -> None:
    p = get_pass("mul_zero_fold")
    fn, args = p.trigger()
    with p.installed():
        torch.compile(fn)(*args)
