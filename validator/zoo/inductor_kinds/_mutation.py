"""In-place mutation (functionalization and re-inplacing): in-place ops on inputs, through
views, by index, and on module buffers."""

from __future__ import annotations

import torch
from torch import Tensor, nn

from .._build import Built, _inference, _x
from .._registry import Registry

case = Registry()


def mut_add_mul_inputs(x: Tensor, y: Tensor, z: Tensor) -> Tensor:
    """In-place arithmetic on three inputs; later ops read the mutated values."""
    x.add_(y)
    y.mul_(2.0)
    z.sub_(x, alpha=0.5)
    x.div_(4.0)
    return x.sum(-1) + y.mean() + z[:, 0]


@case(tags=("mutation",))
def build_mut_add_mul_inputs() -> Built:
    """add_/mul_/sub_/div_ on three inputs, result reads the mutated values"""
    return mut_add_mul_inputs, (_x(4, 8), _x(4, 8), _x(4, 8))


def mut_slice_assign(x: Tensor, v: Tensor) -> Tensor:
    """Slice assignments on an input: a column, a block, a strided in-place mul, +=."""
    x[:, 0] = v
    x[1:, 2:4] = 0.5
    x[..., -1] *= 2.0
    x[:, 1] += x[:, 2]
    x[::2, 5] = v[::2] * -1.0
    return x + 1.0


@case(tags=("mutation", "views"))
def build_mut_slice_assign() -> Built:
    """x[:, 0] = v, block fill, strided *=, += of another column on an input"""
    return mut_slice_assign, (_x(6, 8), _x(6))


class BufferCopy(nn.Module):
    """copy_ into a module buffer, a counter buffer bumped with add_, and a zeroed slice."""

    cache: Tensor
    steps: Tensor

    def __init__(self) -> None:
        super().__init__()
        self.lin = nn.Linear(8, 8)
        self.register_buffer("cache", torch.randn(2, 8))
        self.register_buffer("steps", torch.zeros((), dtype=torch.long))

    def forward(self, x: Tensor) -> Tensor:
        self.cache.copy_(self.cache * 0.9 + x.mean(1) * 0.1)
        self.cache[:, :2].zero_()
        self.steps.add_(1)
        out: Tensor = self.lin(x) + self.cache[:, None, :] * self.steps
        return out


@case(tags=("nn", "mutation"))
def build_mut_buffer_copy() -> Built:
    """copy_ into a module buffer, zeroed buffer slice, counter buffer add_"""
    return _inference(BufferCopy()), (_x(2, 4, 8),)


def mut_view_inplace(x: Tensor) -> tuple[Tensor, Tensor]:
    """In-place ops through views of an input and of a local clone."""
    x.view(4, 32)[1].mul_(3.0)
    x.transpose(0, 1)[0].add_(1.0)
    x.unsqueeze(0).squeeze(0)[..., 0].sigmoid_()
    t = x.clone()
    t[..., ::2].clamp_(min=0.0)
    t.diagonal(dim1=-2, dim2=-1).zero_()
    t.narrow(1, 2, 3).mul_(-1.0)
    return t.sum(1), x * 1.0


@case(tags=("mutation", "views"))
def build_mut_view_inplace() -> Built:
    """in-place ops through view/transpose/unsqueeze views of an input and of a clone"""
    return mut_view_inplace, (_x(4, 8, 4),)


def mut_inplace_index_ops(buf: Tensor, idx: Tensor, vals: Tensor, mask: Tensor) -> Tensor:
    """index_add_ (duplicate indices), masked_fill_, clamp_ and scatter_add_ on an input."""
    buf.index_add_(0, idx, vals)
    buf.masked_fill_(mask, 0.0)
    buf.clamp_(-2.0, 2.0)
    buf.scatter_add_(1, idx[:4].view(1, 4).expand(6, 4), vals[:6, :4])
    return buf.sum(0)


@case(tags=("mutation", "indexing", "scatter"))
def build_mut_inplace_index_ops() -> Built:
    """index_add_, masked_fill_, clamp_, scatter_add_ on an input"""
    idx = torch.tensor([0, 3, 3, 1, 5, 0, 2])
    mask = torch.rand(6, 5) > 0.7
    return mut_inplace_index_ops, (_x(6, 5), idx, _x(7, 5), mask)
