"""Progress display for long commands (rich), shared by every management command."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn


def console(*, stderr: bool = False) -> Console:
    return Console(stderr=stderr, highlight=False)


@contextmanager
def steps(title: str, *, quiet: bool = False) -> Iterator:
    """A progress bar whose callback has the generator signature (label, done, total)."""
    if quiet:
        yield lambda label, done, total: None
        return
    out = console(stderr=True)
    if not out.is_terminal:
        # cron, systemd, a pipe: one plain line a step, so logs show how far a job got
        last = [""]

        def log(label: str, done: int, total: int) -> None:
            if label != last[0]:
                out.file.write(f"{title}: {label} ({done}/{total})\n")
                out.file.flush()
                last[0] = label

        yield log
        if last[0] != "完成":
            out.file.write(f"{title}: 完成\n")
        return
    with Progress(
        SpinnerColumn(),
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=console(stderr=True),
        transient=False,
    ) as progress:
        task = progress.add_task(title, total=None)

        def update(label: str, done: int, total: int) -> None:
            progress.update(task, description=f"{title}: {label}", completed=done, total=total)

        yield update
        total = progress.tasks[0].total
        progress.update(task, description=f"{title}: 完成", completed=total)
