"""The ``riskcap`` Typer application, its entry points and the ``--help`` panels.

Every :class:`~riskcap.errors.RiskcapError` becomes one line on stderr and the
error's exit code (see :mod:`riskcap.errors`); no traceback is shown for errors a
user can cause. The commands live in one module per group (:mod:`riskcap.cli.data`,
``risk``, ``frtb``, ``runs``, ``service``, ``demo``), each with a ``register(app)``
that :mod:`riskcap.cli` calls; heavy modules load inside the commands (fast
``--help``).
"""

from __future__ import annotations

import atexit
import logging
import os
import sys
from collections.abc import Sequence
from typing import Annotated

import typer

from riskcap.cli.render import err_console
from riskcap.errors import RiskcapError

# the panels of `riskcap --help`, in the order a day's work meets them
DATA = "Data"
RISK = "Risk"
REGULATORY = "Regulatory"
PIPELINE = "Pipeline"
SERVICE = "Service"

app = typer.Typer(
    name="riskcap",
    help="Market-risk and regulatory-capital engine.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


@app.callback()
def _root(
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log progress")] = False,
) -> None:
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )


def run(argv: Sequence[str] | None = None) -> int:
    """Run the CLI with ``argv``; return the exit code (errors as one stderr line)."""
    try:
        app(args=list(argv) if argv is not None else None, prog_name="riskcap")
    except SystemExit as exc:  # typer's normal exit, usage errors included (code 2)
        code = exc.code
        return code if isinstance(code, int) else (0 if code is None else 1)
    except RiskcapError as exc:
        err_console.print(f"riskcap: error: {exc}", markup=False, highlight=False, soft_wrap=True)
        return exc.exit_code
    except KeyboardInterrupt:
        err_console.print("riskcap: interrupted")
        return 130
    return 0


def main() -> None:
    """The ``riskcap`` command: run, then leave with exactly ``run``'s exit code.

    The process ends with ``os._exit`` after the atexit handlers have run and every
    stream is flushed, skipping the interpreter's teardown: native threads still alive
    then (delta-rs's Tokio pool, XLA's) could abort the process with status 134 after
    the correct message had been printed, which made a rejected ingest's exit code
    depend on timing.
    """
    code = run()
    try:
        atexit._run_exitfuncs()
        logging.shutdown()
        sys.stdout.flush()
        sys.stderr.flush()
    finally:
        os._exit(code)
