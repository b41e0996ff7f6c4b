"""The runtime of a repro script: the helpers its literals call and the comparison ``main``.

Both are source text pasted into the script, which imports only torch and the standard library:
``RUNTIME_HELPERS`` rebuilds tensors from exact literals (``_t``, ``_c``) and the graphs' ``self``
(``_ns``); ``RUNTIME_MAIN`` runs before / after / before_float64 and compares them with a copy
of ``numeric._compare``'s rules (IEEE NaN / Inf / signed zero, then the tolerance model), exit
status 1 when they diverge.
"""

RUNTIME_HELPERS = '''
def _t(data, dtype, shape, stride=None, dev="cpu"):
    """A tensor from exact values, with the original strides when it had others."""
    t = torch.tensor(data, dtype=dtype, device=dev).reshape(shape)
    if stride is not None:
        try:
            s = torch.empty_strided(shape, stride, dtype=dtype, device=dev)
            s.copy_(t)
            t = s
        except RuntimeError:  # an overlapping (expanded) layout cannot be rebuilt: contiguous
            pass
    return t


def _c(real):
    return torch.view_as_complex(real.contiguous())


def _resolve(module, qualname):
    obj = importlib.import_module(module)
    for part in qualname.split("."):
        obj = getattr(obj, part)
    return obj


def _ns(attrs):
    """The ``self`` of a graph function: dotted get_attr targets as nested attributes."""
    root = types.SimpleNamespace()
    for name, value in attrs.items():
        obj = root
        *parents, last = name.split(".")
        for p in parents:
            if not hasattr(obj, p):
                setattr(obj, p, types.SimpleNamespace())
            obj = getattr(obj, p)
        setattr(obj, last, value)
    return root
'''.strip("\n")

RUNTIME_MAIN = '''
def _clone(v):
    if isinstance(v, torch.Tensor):
        try:
            out = torch.empty_strided(v.size(), v.stride(), dtype=v.dtype, device=v.device)
            out.copy_(v)
            return out
        except RuntimeError:
            return v.clone()
    if isinstance(v, (list, tuple)):
        return type(v)(_clone(x) for x in v)
    return v


def _widen(v):
    if isinstance(v, torch.Tensor) and v.is_floating_point() and v.dtype != torch.float64:
        return v.detach().to(torch.float64)
    if isinstance(v, torch.Tensor) and v.is_complex() and v.dtype != torch.complex128:
        return v.detach().to(torch.complex128)
    if isinstance(v, (list, tuple)):
        return type(v)(_widen(x) for x in v)
    return v


def _flat(out):
    if isinstance(out, (list, tuple)):
        return [y for x in out for y in _flat(x)]
    return [out]


def _run(fn, attrs, inputs):
    args = [_clone(x) for x in inputs]
    torch.manual_seed(SEED)
    try:
        with torch.no_grad():
            out = fn(attrs, *args)
    except Exception as e:
        return None, args, f"{type(e).__name__}: {e}"
    return _flat(out), args, None


def _tolerance(dtype, have_ref):
    # fxtv's model: rtol = u * (8 + 2 sqrt(K)), doubled without a float64 reference
    rtol = float(torch.finfo(dtype).eps) / 2 * (8 + 2 * math.sqrt(max(1, K)))
    return rtol if have_ref else 2 * rtol


def _at(t, mask, what, where, b, a, r=None):
    if not bool(mask.any()):
        return []
    idx = tuple(int(i) for i in mask.nonzero()[0])
    ref = f", float64={r[idx].item()!r}" if r is not None else ""
    return [f"{where}: {what}: {int(mask.sum())}/{mask.numel()} elements, first at {idx}: "
            f"before={b[idx].item()!r}, after={a[idx].item()!r}{ref}"]


def _compare(where, b, a, ref, have_ref):
    """fxtv's comparison rules (IEEE NaN / Inf / signed zero, then the tolerance model)."""
    if isinstance(b, torch.Tensor) or isinstance(a, torch.Tensor):
        if not (isinstance(b, torch.Tensor) and isinstance(a, torch.Tensor)):
            return [f"{where}: type: {type(b).__name__} became {type(a).__name__}"]
    else:
        if type(b) is not type(a) and not (isinstance(b, (int, float)) and isinstance(a, (int, float))):
            return [f"{where}: type: {type(b).__name__} became {type(a).__name__}"]
        if b != a and not (isinstance(b, float) and b != b and a != a):
            return [f"{where}: int: {b!r} became {a!r}"]
        return []
    rtol = _tolerance(b.dtype if b.is_floating_point() else torch.float32, have_ref)
    ref = ref if isinstance(ref, torch.Tensor) else None
    if b.shape != a.shape:
        return [f"{where}: shape: {tuple(b.shape)} became {tuple(a.shape)}"]
    if b.dtype != a.dtype:
        return [f"{where}: dtype: {b.dtype} became {a.dtype}"]
    b, a = b.detach().cpu(), a.detach().cpu()
    if b.is_complex():
        b, a = torch.view_as_real(b.resolve_conj()), torch.view_as_real(a.resolve_conj())
        ref = torch.view_as_real(ref.detach().cpu().resolve_conj()) if ref is not None and ref.is_complex() else None
    if not b.is_floating_point():
        return _at(b, b != a, "int: integer/bool values differ", where, b, a)
    b64, a64 = b.double(), a.double()
    r = ref.detach().cpu().double() if ref is not None and ref.shape == b.shape else b64
    nan_b, nan_a = torch.isnan(b64), torch.isnan(a64)
    inf_bad = (torch.isinf(b64) | torch.isinf(a64)) & ~nan_a & ~nan_b & (b64 != a64)
    out = _at(b64, nan_a & ~nan_b, "nan: new NaN", where, b64, a64, r)
    out += _at(b64, nan_b & ~nan_a, "nan: lost NaN", where, b64, a64, r)
    out += _at(b64, inf_bad, "inf: infinity differs", where, b64, a64, r)
    finite = torch.isfinite(b64) & torch.isfinite(a64) & torch.isfinite(r)
    if bool(finite.any()):
        zero = torch.zeros_like(r)
        rf = torch.where(finite, r, zero)
        err_b = torch.where(finite, (b64 - r).abs(), zero)
        err_a = torch.where(finite, (a64 - r).abs(), zero)
        rms = float(rf.pow(2).mean().sqrt()) if rf.numel() else 0.0
        allowed = rtol * (rf.abs() + rms) + 4.0 * float(err_b.max())
        out += _at(b64, finite & (err_a > allowed), "value: values differ beyond tolerance", where, b64, a64, r)
    signed = (b64 == 0) & (a64 == 0) & (torch.signbit(b64) != torch.signbit(a64))
    out += _at(b64, signed, "signed-zero: sign of zero differs", where, b64, a64)
    return out


def main():
    b_out, b_in, b_err = _run(before, BEFORE_ATTRS, INPUTS)
    if b_err is not None:
        print(f"before() raises {b_err}: cannot compare")
        return 2
    a_out, a_in, a_err = _run(after, AFTER_ATTRS, INPUTS)
    if a_err is not None:
        print(f"DIVERGED: graph: error: after() raises {a_err}")
        return 1
    r_out = r_in = None
    if USE_FLOAT64:
        r_out, r_in, r_err = _run(before_float64, FLOAT64_ATTRS, [_widen(x) for x in INPUTS])
        if r_err is not None:
            print(f"note: the float64 run failed ({r_err}); the before-graph is the reference")
            r_out = r_in = None
    have_ref = r_out is not None
    if len(b_out) != len(a_out):
        print(f"DIVERGED: graph: type: {len(b_out)} outputs became {len(a_out)}")
        return 1
    found = []
    for i, (bv, av) in enumerate(zip(b_out, a_out)):
        rv = r_out[i] if have_ref and i < len(r_out) else None
        found += _compare(f"output {i}", bv, av, rv, have_ref)
    for i, (bv, av) in enumerate(zip(b_in, a_in)):
        if isinstance(bv, torch.Tensor) and isinstance(av, torch.Tensor):
            rv = r_in[i] if have_ref and i < len(r_in) else None
            found += _compare(f"input {i} (after the run)", bv, av, rv, have_ref)
    for line in found:
        print(f"DIVERGED: {line}")
    if not found:
        print("equivalent: after() agrees with before() within fxtv's tolerance")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
'''.strip("\n")
