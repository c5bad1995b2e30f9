"""Gram matrices ``AᵀA`` by a symmetric rank-k update, and the statistics gradient descent
takes its full-batch loss and gradient from.

:func:`gram_matrix` is the one place a Gram is computed (the regularization paths and the
training core both call it): BLAS ``dsyrk`` on row blocks, which fills one triangle of the
symmetric result at half the arithmetic of a general product, accumulated in float64 and
mirrored at the end. A large Gram is split into one row range per BLAS thread the caller
allows (:func:`blas_threads`), each range computed by its own worker on one BLAS thread and
the parts added: the parallelism of a threaded syrk with one synchronization instead of many
(each of which, on a busy machine, waits for a core). Columns to append (a column of ones, the
targets) and a conversion to float64 (float32 data) are done one cache-sized chunk of rows at
a time, so no float64 copy of the data is ever made.

:class:`GramStats` are ``G = AᵀA/N``, ``c = AᵀY/N`` and ``yy = ΣY²/N`` for ``A = [X 1]``;
:func:`gram_loss` is the notes' mean squared error and its residual ``Gθ − c`` from them.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.linalg.blas

#: Below this many multiply-adds (n·d²) a Gram is computed on one thread.
GRAM_THREADED_MIN = 5e7
#: From this many multiply-adds (~0.1 s of arithmetic) a Gram takes every idle core, whatever
#: the BLAS thread limit (the app's is one per session): :func:`idle_cores` decides.
GRAM_IDLE_CORES_MIN = 5e8
#: Below this many multiply-adds the data are stacked once and multiplied by numpy (also a
#: syrk), without the thread limit (which costs ~50 µs; BLAS runs a product this small on
#: one thread anyway).
TINY = 1e6
#: Rows per chunk when columns are appended or converted (a few MB of float64: cache-sized).
CHUNK_ROWS = 4096

_blas_lock = threading.Lock()
_blas_depth = 0
_blas_limiter: Any = None
_blas_controller: Any = None


@contextlib.contextmanager
def one_blas_thread():
    """BLAS and LAPACK on one thread inside the block (threadpoolctl, if installed).

    Small products and solves gain little from threads, and on a busy machine a threaded
    BLAS call can wait a scheduler time slice for a core at every synchronization, turning
    microseconds into milliseconds. Nested and concurrent uses share one limit, set by the
    first to enter and lifted by the last to leave.
    """
    global _blas_depth, _blas_limiter
    with _blas_lock:
        if _blas_depth == 0:
            _blas_limiter = _blas_limit_one()
        _blas_depth += 1
    try:
        yield
    finally:
        with _blas_lock:
            _blas_depth -= 1
            if _blas_depth == 0 and _blas_limiter is not None:
                _blas_limiter.restore_original_limits()
                _blas_limiter = None


def _blas_control() -> Any:
    """threadpoolctl's controller of the loaded BLAS libraries (None without threadpoolctl)."""
    global _blas_controller
    if _blas_controller is None:
        try:
            from threadpoolctl import ThreadpoolController
        except ImportError:  # pragma: no cover - a dependency of scikit-learn
            _blas_controller = False
        else:
            _blas_controller = ThreadpoolController()
    return _blas_controller or None


def _blas_limit_one() -> Any:
    control = _blas_control()
    return None if control is None else control.limit(limits=1, user_api="blas")


def blas_threads() -> int:
    """The number of threads BLAS may use now (1 inside :func:`one_blas_thread` or under the
    app's per-session limit; the machine's cores when nobody limits it)."""
    control = _blas_control()
    if control is None:
        return 1
    counts = [lib.num_threads for lib in control.lib_controllers if lib.user_api == "blas"]
    return max(1, min(counts, default=1))


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def _cpu_times() -> tuple[int, int]:
    """(all, idle) jiffies of the machine since boot, from /proc/stat (idle + iowait)."""
    with open("/proc/stat", "rb") as fh:
        fields = [int(v) for v in fh.readline().split()[1:]]
    return sum(fields[:8]), fields[3] + fields[4]


def idle_cores(sample_s: float = 0.02) -> int:
    """How many of this process's cores are idle now (at least 1): the machine's idle share
    over ``sample_s`` seconds times its cores. "Both cores when the machine is free": on a
    busy server (other sessions training) a large Gram stays on one core."""
    cores = _cores()
    if cores == 1:
        return 1
    try:
        total0, idle0 = _cpu_times()
        time.sleep(sample_s)
        total1, idle1 = _cpu_times()
    except (OSError, ValueError, IndexError):  # no /proc (not Linux): no guess
        return 1
    if total1 <= total0:
        return 1
    idle = (os.cpu_count() or cores) * (idle1 - idle0) / (total1 - total0)
    return max(1, min(cores, int(idle + 0.5)))


def _columns(block: Any) -> int:
    return 1 if np.ndim(block) < 2 else np.shape(block)[1]


def _syrk_rows(blocks: list, start: int, stop: int, width: int) -> np.ndarray:
    """The lower triangle of ``BᵀB`` for rows ``start:stop`` of ``B = [blocks…]`` (float64)."""
    C = np.zeros((width, width), order="F")
    syrk = scipy.linalg.blas.dsyrk
    only = blocks[0] if len(blocks) == 1 else None
    if only is not None and only.dtype == np.float64 and only.flags.c_contiguous:
        # No copy: the rows of a C-ordered array are the columns of its Fortran transpose.
        syrk(1.0, only[start:stop].T, beta=1.0, c=C, trans=0, lower=1, overwrite_c=1)
        return C
    buf = np.empty((min(CHUNK_ROWS, stop - start), width))
    for a in range(start, stop, CHUNK_ROWS):
        b = min(a + CHUNK_ROWS, stop)
        chunk = _stack(blocks, a, b, buf[: b - a])
        syrk(1.0, chunk.T, beta=1.0, c=C, trans=0, lower=1, overwrite_c=1)
    return C


def _stack(blocks: list, a: int, b: int, out: np.ndarray) -> np.ndarray:
    """Rows ``a:b`` of ``[blocks…]`` side by side, written into ``out`` (float64)."""
    col = 0
    for block in blocks:
        k = _columns(block)
        if np.ndim(block) == 0:
            out[:, col] = block  # a constant column (the intercept's ones)
        else:
            out[:, col:col + k] = np.reshape(block[a:b], (b - a, k))
        col += k
    return out


def gram_matrix(*blocks: Any, threads: int | None = None) -> np.ndarray:
    """``BᵀB`` in float64 for ``B = [blocks…]`` side by side (each an (n, k) or (n,) array, or
    a scalar for a constant column), by ``dsyrk`` on row ranges, exactly symmetric.

    ``threads`` workers (default: :func:`blas_threads`, capped by the cores this process may
    run on; 1 below :data:`GRAM_THREADED_MIN` multiply-adds; from
    :data:`GRAM_IDLE_CORES_MIN` at least the :func:`idle_cores`) each take one range of rows
    (at least 64 of them) on one BLAS thread; their lower triangles are added and mirrored.
    """
    columns = list(blocks)
    n = next(np.shape(b)[0] for b in columns if np.ndim(b) > 0)
    width = sum(_columns(b) for b in columns)
    work = n * width * width
    if threads is None:
        threads = 1 if work < GRAM_THREADED_MIN else min(blas_threads(), _cores())
        if work >= GRAM_IDLE_CORES_MIN:
            threads = max(threads, idle_cores())
    k = max(1, min(threads, n // max(width, 64)))
    if k == 1 and work < TINY:  # one BLAS thread anyway: no limiter, no f2py call
        B = _stack(columns, 0, n, np.empty((n, width)))
        return B.T @ B  # numpy's syrk, mirrored: exactly symmetric
    if k == 1:
        with one_blas_thread():
            C = _syrk_rows(columns, 0, n, width)
    else:
        cuts = np.linspace(0, n, k + 1).astype(int).tolist()
        with one_blas_thread(), ThreadPoolExecutor(max_workers=k) as pool:
            parts = list(pool.map(lambda r: _syrk_rows(columns, r[0], r[1], width),
                                  itertools.pairwise(cuts)))
        C = parts[0]
        for part in parts[1:]:
            C += part
    lower = np.tril(C)
    return np.ascontiguousarray(lower + np.tril(lower, -1).T)


@dataclass
class GramStats:
    """``G = AᵀA/N``, ``c = AᵀY/N`` and ``yy = ΣY²/N`` for ``A = [X 1]`` (float64)."""

    G: np.ndarray
    c: np.ndarray
    yy: float
    n: int


def gram_stats(X: Any, y: Any) -> GramStats:
    """One pass over the data: ``[X 1 Y]ᵀ[X 1 Y]`` by :func:`gram_matrix` (float64)."""
    X = np.asarray(X)
    y2 = np.asarray(y).reshape(len(y), -1)
    n, d = X.shape
    M = gram_matrix(X, 1.0, y2)
    return GramStats(G=M[:d + 1, :d + 1] / n, c=M[:d + 1, d + 1:] / n,
                     yy=float(np.trace(M[d + 1:, d + 1:])) / n, n=n)


def gram_loss(gs: GramStats, theta: np.ndarray) -> tuple[float, np.ndarray]:
    """``mean((Aθ − Y)²)`` and the residual ``r = Gθ − c`` for ``θ = [W; b]`` (float64).

    ``(θᵀGθ − 2θᵀc + yy)/D_out``, computed as ``(θᵀ(r − c) + yy)/D_out`` so that ``r`` serves
    the gradient ``∂MSE/∂θ = (2/D_out)·r`` too (N is folded into ``G`` and ``c``). Not clamped:
    rounding can make it slightly negative at an exact fit.
    """
    r = gs.G @ theta - gs.c
    return (float((theta * (r - gs.c)).sum()) + gs.yy) / theta.shape[1], r
