"""Read and parse file rows in batches, in a child process when the file is large.

Reading a CSV or XLSX row and normalising it (names, phones, dates, money) is pure Python and costs as
much as resolving and writing it; on a machine with two cores a child process reads and parses batch
*n + 1* while this process resolves and writes batch *n*. The child reopens the file itself (a
:class:`RowSource`), so rows never cross between the processes — only the parsed batches do. The parse
function must be picklable and deterministic: the result is the same with or without the child (a test
proves it).
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import queue
import traceback
import warnings
from collections.abc import Callable, Iterator
from typing import Any, Generic, TypeVar

from klientura.imports.readers import Cell, RowSource, Table
from klientura.kit.errors import ValidationFailed

T = TypeVar("T")
Chunk = list[tuple[int, list[Cell]]]  # (row number in the file, cells)

PARALLEL_FROM_BYTES = 8 * 1024 * 1024  # below this a child process costs more than it saves
_AHEAD = 4  # parsed batches waiting for the writer: bounds the memory the child can run ahead with


def auto_workers(size_bytes: int) -> int:
    return 1 if size_bytes >= PARALLEL_FROM_BYTES and (os.cpu_count() or 1) >= 2 else 0


def chunks(rows: Iterator[list[Cell]], size: int, first_row_no: int = 2) -> Iterator[Chunk]:
    chunk: Chunk = []
    for row_no, row in enumerate(rows, start=first_row_no):
        chunk.append((row_no, row))
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


class Batch(Generic[T]):
    __slots__ = ("result", "rows")

    def __init__(self, rows: int, result: T) -> None:
        self.rows, self.result = rows, result


def parse_batches(
    table: Table, parse: Callable[[Chunk], T], *, batch_size: int, workers: int = 0
) -> Iterator[Batch[T]]:
    """Parsed batches in file order: here, or with ``workers`` > 0 in a child process reading ahead.

    The cyclic garbage collector is paused while the batches are consumed: an import allocates millions of
    small tuples and no reference cycles, and the collector's passes over them cost a fifth of the time.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield from _batches(table, parse, batch_size, workers)
    finally:
        if was_enabled:
            gc.enable()


def _batches(table: Table, parse: Callable[[Chunk], T], batch_size: int, workers: int) -> Iterator[Batch[T]]:
    if workers <= 0 or table.source is None or "fork" not in multiprocessing.get_all_start_methods():
        for chunk in chunks(table.rows, batch_size):
            yield Batch(len(chunk), parse(chunk))
        return
    # fork: no __main__ to import again (spawn and forkserver re-run the caller's script unless it is guarded),
    # nothing to pickle but the batches. Forking a threaded process (a web server, rich's refresh thread) is
    # safe for this child: it runs only our pure-Python parsing and its own queue, never a lock another
    # thread of the parent could have held (CPython re-initialises its import and logging locks at fork).
    ctx: Any = multiprocessing.get_context("fork")
    out: Any = ctx.Queue(maxsize=_AHEAD)
    child = ctx.Process(target=_produce, args=(table.source, parse, batch_size, out), daemon=True)
    with warnings.catch_warnings():  # Python 3.12+ warns about fork in any threaded process; see above
        warnings.simplefilter("ignore", DeprecationWarning)
        child.start()
    try:
        while True:
            try:
                item = out.get(timeout=1.0)
            except queue.Empty:
                if not child.is_alive():
                    raise RuntimeError(f"the parsing process died (exit code {child.exitcode})") from None
                continue
            if item[0] == "batch":
                yield Batch(item[1], item[2])
            elif item[0] == "done":
                return
            elif item[1]:
                raise ValidationFailed(item[2])
            else:
                raise RuntimeError(f"the parsing process failed: {item[2]}\n{item[3]}")
    finally:
        if child.is_alive():
            child.terminate()
        child.join()
        out.close()
        out.join_thread()


def _produce(source: RowSource, parse: Callable[[Chunk], Any], batch_size: int, out: Any) -> None:
    gc.disable()  # a short-lived process that allocates much and frees little
    try:
        for chunk in chunks(source.rows(), batch_size):
            out.put(("batch", len(chunk), parse(chunk)))
        out.put(("done",))
    except ValidationFailed as exc:
        out.put(("error", True, exc.detail, ""))
    except Exception as exc:
        out.put(("error", False, repr(exc), traceback.format_exc()))
    out.close()
    out.join_thread()
