#!/usr/bin/python3
"""Executes every notebooks/*.ipynb with Jupyter's own client (nbclient) and the Deno kernel.

An independent check of the notebooks, beside the project's own runner: a project-local kernelspec (found
through JUPYTER_PATH) starts `deno jupyter --kernel` with COLLAPSE_PRESET=smoke, and COLLAPSE_RESULTS_DIR and
COLLAPSE_STORE_DIR in a temporary folder (figures go there; runs are recomputed, not read from runs/). The
notebooks are executed in memory and never saved. A notebook fails if any cell errors, or if a code cell that has
outputs in the committed notebook gets none in the fresh run.

Usage: /usr/bin/python3 .ci/check_notebooks.py [DENO_PATH [NOTEBOOK...]]
DENO_PATH defaults to $DENO_BIN, else `deno` on PATH; the notebooks to notebooks/*.ipynb.
Needs Debian's jupyter-nbconvert (nbclient, nbformat, jupyter_client).
Prints one PASS/FAIL line per notebook and ends with "notebooks: N passed, M failed".
"""

import asyncio
import copy
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path
from queue import Empty

try:
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionComplete
except ImportError as error:  # pragma: no cover
    sys.exit(f"check_notebooks: {error}; install Debian's jupyter-nbconvert and run with /usr/bin/python3")

ROOT = Path(__file__).resolve().parent.parent
# How long to keep listening after a cell's `idle` for output the Deno kernel publishes late.
LATE_OUTPUT_S = 0.3
CELL_TIMEOUT_S = 1800


class LateOutputClient(NotebookClient):
    """An nbclient that survives the Deno 2.9.6 kernel publishing a cell's output after its `idle` status.

    Stock nbclient stops reading IOPub at `idle` and later drops messages whose parent is an earlier cell. This
    client keeps draining IOPub for LATE_OUTPUT_S after `idle` and files messages whose parent is this cell's
    request under this cell.
    """

    late_outputs = 0

    async def _async_poll_output_msg(self, parent_msg_id, cell, cell_index):
        await super()._async_poll_output_msg(parent_msg_id, cell, cell_index)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + LATE_OUTPUT_S
        while (left := deadline - loop.time()) > 0:
            try:
                msg = await self.kc.iopub_channel.get_msg(timeout=left)
            except (Empty, asyncio.TimeoutError):
                break
            if msg["parent_header"].get("msg_id") != parent_msg_id:
                continue
            if msg["msg_type"] in ("stream", "display_data", "execute_result", "error", "clear_output"):
                self.late_outputs += 1
            try:
                self.process_message(msg, cell, cell_index)
            except CellExecutionComplete:
                pass


def write_kernelspec(folder: Path, deno: str, scratch: Path) -> None:
    spec_dir = folder / "kernels" / "deno"
    spec_dir.mkdir(parents=True)
    spec = {
        "argv": [deno, "jupyter", "--kernel", "--conn", "{connection_file}"],
        "display_name": "Deno",
        "language": "typescript",
        "env": {
            "NO_COLOR": "1",
            "COLLAPSE_PRESET": "smoke",
            "COLLAPSE_RESULTS_DIR": str(scratch / "results"),
            "COLLAPSE_STORE_DIR": str(scratch / "runs"),
        },
    }
    (spec_dir / "kernel.json").write_text(json.dumps(spec, indent=1))


def check(path: Path) -> list[str]:
    """Runs one notebook in memory; returns the problems found (empty: it passed)."""
    try:
        committed = nbformat.read(path, as_version=4)
        notebook = copy.deepcopy(committed)
        client = LateOutputClient(
            notebook,
            kernel_name="deno",
            timeout=CELL_TIMEOUT_S,
            startup_timeout=120,
            resources={"metadata": {"path": str(path.parent)}},
        )
        client.execute()
    except Exception as error:  # CellExecutionError, DeadKernelError, CellTimeoutError, ...
        return [f"{type(error).__name__}: {error}"]
    problems = []
    for index, (before, after) in enumerate(zip(committed.cells, notebook.cells)):
        if after.cell_type != "code":
            continue
        errors = [o for o in after.get("outputs", []) if o.get("output_type") == "error"]
        if errors:
            problems.append(f"cell {index}: {errors[0].get('ename')}: {errors[0].get('evalue')}")
        elif before.get("outputs") and not after.get("outputs"):
            problems.append(f"cell {index}: has outputs in the committed notebook, none in the fresh run")
    if client.late_outputs:
        print(f"  ({client.late_outputs} output(s) arrived after idle and were kept)")
    return problems


def display(path: Path) -> str:
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def main() -> int:
    deno = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("DENO_BIN") or shutil.which("deno")
    if not deno or not Path(deno).exists():
        print("check_notebooks: no Deno binary: pass its path as argv[1] or set DENO_BIN", file=sys.stderr)
        return 2
    notebooks = [Path(p).resolve() for p in sys.argv[2:]] or sorted((ROOT / "notebooks").glob("*.ipynb"))
    passed = failed = 0
    with tempfile.TemporaryDirectory(prefix="check_notebooks_") as tmp:
        (Path(tmp) / "results").mkdir()
        write_kernelspec(Path(tmp) / "jupyter", str(Path(deno).resolve()), Path(tmp))
        os.environ["JUPYTER_PATH"] = os.pathsep.join(
            [str(Path(tmp) / "jupyter")] + [p for p in os.environ.get("JUPYTER_PATH", "").split(os.pathsep) if p]
        )
        for path in notebooks:
            print(f"RUN  {display(path)}", flush=True)
            problems = check(path)
            status = "FAIL" if problems else "PASS"
            print(f"{status} {display(path)}", flush=True)
            for problem in problems:
                print(f"  {problem}")
            passed += not problems
            failed += bool(problems)
    print(f"notebooks: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
