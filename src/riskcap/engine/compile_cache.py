"""JAX's persistent compilation cache, pointed at ``engine.compile_cache``.

A riskcap process compiles its kernels (one per instrument family and block shape) the
first time it meets them; XLA compilation is most of a cold EOD's seconds. With the
cache on, the compiled executables are written to a folder and the next process loads
them instead of compiling: same executable, same numbers. Keys are JAX's own (the
program, its shapes, the JAX/XLA version, the device and flags), so a stale entry is
never used; deleting the folder is always safe.

Call :func:`use_compile_cache` before the first kernel runs in a process (the EOD
runner, the service and the risk commands do); later calls are no-ops.
"""

from __future__ import annotations

import logging
from pathlib import Path

import jax

from riskcap.config import Settings

# Compilations shorter than this are not written: loading an entry costs a file read
# and a deserialisation (~1-5 ms), which beats compiling only above a few ms.
MIN_COMPILE_SECONDS = 0.02

_chosen: list[Path | None] = []
log = logging.getLogger(__name__)


def use_compile_cache(settings: Settings) -> Path | None:
    """Switch the persistent cache on at ``engine.compile_cache`` (once per process);
    return the folder, or ``None`` when the config switches it off or the folder cannot
    be made (logged; kernels are then compiled in every process, as without a cache)."""
    if _chosen:
        return _chosen[0]
    folder = settings.engine.compile_cache.strip()
    path = Path(folder).expanduser() if folder else None
    if path is not None and not path.is_absolute():
        path = (settings.base_dir / path).resolve()
    if path is not None:
        try:
            path.mkdir(parents=True, exist_ok=True)
        except OSError as exc:  # a read-only home, a file in the way: compile as before
            log.warning("compilation cache %s not usable (%s); kernels are compiled", path, exc)
            path = None
    if path is not None:
        jax.config.update("jax_compilation_cache_dir", str(path))  # type: ignore[no-untyped-call]
        jax.config.update("jax_persistent_cache_min_compile_time_secs", MIN_COMPILE_SECONDS)  # type: ignore[no-untyped-call]
        jax.config.update("jax_persistent_cache_min_entry_size_bytes", 0)  # type: ignore[no-untyped-call]
    _chosen.append(path)
    return path
