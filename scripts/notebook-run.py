#!/usr/bin/env python3
"""Execute one notebook in a real Jupyter kernel with nbclient, and report.

    python3 notebook-run.py NOTEBOOK.ipynb --output OUT.ipynb --report REPORT.json
            [--cwd DIR] [--kernel tslab] [--timeout 300]

The kernel runs in --cwd (default: the notebook's folder). Every cell runs,
even after a failure, and the report lists each code cell's execute_reply
status. That status matters for tslab: a cell that fails to compile sends an
"error" reply with the diagnostics on stderr and no error output, and every
later cell is answered with "abort", which nbclient on its own counts as a
success.

The output notebook carries no volatile metadata (no execution timings), so
executing the same notebook twice writes the same file.

Exit status: 0 when every code cell replied "ok" and no output is an error,
1 otherwise, 2 when the notebook could not be run at all.
"""
import argparse
import json
import os
import sys
import time
import traceback

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, DeadKernelError


class ReportingClient(NotebookClient):
    """A NotebookClient that records each cell's execute_reply status."""

    def __init__(self, nb, **kwargs):
        super().__init__(nb, **kwargs)
        self.replies = {}
        self.on_cell_executed = self._record_reply

    def _record_reply(self, cell, cell_index, execute_reply):
        content = (execute_reply or {}).get("content", {})
        self.replies[cell_index] = {
            "status": content.get("status"),
            "ename": content.get("ename"),
            "evalue": content.get("evalue"),
        }


def summarize_output(output):
    entry = {"output_type": output.get("output_type")}
    if output.get("output_type") == "stream":
        entry["name"] = output.get("name")
        entry["text"] = output.get("text", "")
    elif output.get("output_type") == "error":
        entry["ename"] = output.get("ename")
        entry["evalue"] = output.get("evalue")
    else:
        data = output.get("data", {})
        entry["mime"] = sorted(data.keys())
        entry["text"] = data.get("text/plain", "")
    return entry


def strip_volatile(nb):
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        if cell.cell_type == "code":
            for output in cell.outputs:
                output.pop("transient", None)
    return nb


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebook")
    parser.add_argument("--output", required=True)
    parser.add_argument("--report", required=True)
    parser.add_argument("--cwd")
    parser.add_argument("--kernel", default="tslab")
    parser.add_argument("--timeout", type=int, default=300)
    args = parser.parse_args(argv)

    nb = nbformat.read(args.notebook, as_version=4)
    cwd = args.cwd or os.path.dirname(os.path.abspath(args.notebook))
    client = ReportingClient(
        nb,
        kernel_name=args.kernel,
        timeout=args.timeout,
        allow_errors=True,
        record_timing=False,
        resources={"metadata": {"path": cwd}},
    )
    started = time.time()
    failure = None
    try:
        client.execute()
    except (CellExecutionError, DeadKernelError, Exception) as error:  # noqa: B014 - report whatever stopped the run
        failure = "".join(traceback.format_exception_only(type(error), error)).strip()
    duration = time.time() - started

    cells = []
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        reply = client.replies.get(index, {"status": None})
        cells.append(
            {
                "index": index,
                "id": cell.get("id"),
                "execution_count": cell.get("execution_count"),
                "status": reply.get("status"),
                "ename": reply.get("ename"),
                "evalue": reply.get("evalue"),
                "source": cell.source,
                "outputs": [summarize_output(o) for o in cell.get("outputs", [])],
            }
        )

    strip_volatile(nb)
    nbformat.validate(nb)
    nbformat.write(nb, args.output)
    with open(args.report, "w", encoding="utf-8") as handle:
        json.dump({"notebook": args.notebook, "duration": duration, "failure": failure, "cells": cells}, handle, indent=1)

    if failure and not cells:
        print(f"{args.notebook}: {failure}", file=sys.stderr)
        return 2
    bad = [c for c in cells if c["status"] != "ok" or any(o["output_type"] == "error" for o in c["outputs"])]
    if failure:
        print(f"{args.notebook}: {failure}", file=sys.stderr)
    for c in bad:
        stderr = "".join(o.get("text", "") for o in c["outputs"] if o.get("name") == "stderr").strip()
        print(f"{args.notebook}: cell {c['index']} replied {c['status']}" + (f": {stderr}" if stderr else ""), file=sys.stderr)
    return 1 if bad or failure else 0


if __name__ == "__main__":
    sys.exit(main())
