"""The commands `nasc search`, `nasc report` and `nasc export` (registered by entry point).

``--objective MODULE:FUNCTION`` imports and runs Python code of the user's, unlike a
`.nas` file, which is only ever read.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import NoReturn

import click

from nasc.dsl import NascError, format_all


def fail(error: NascError) -> NoReturn:
    """Print a NascError's diagnostics and exit 1."""
    click.echo(format_all(error.diagnostics), err=True)
    sys.exit(1)


def parse_pairs(values: tuple[str, ...], option: str) -> dict[str, str]:
    pairs: dict[str, str] = {}
    for item in values:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise click.BadParameter(f"expected NAME=VALUE, got '{item}'", param_hint=option)
        pairs[name.strip()] = value
    return pairs


def usage(error: NascError | str, option: str) -> click.BadParameter:
    text = (
        error
        if isinstance(error, str)
        else "; ".join(d.message + "".join(f" ({n})" for n in d.notes) for d in error.diagnostics)
    )
    return click.BadParameter(text, param_hint=option)


def _strategy_names() -> list[str]:
    from nasc.search.strategies import strategy_names

    return strategy_names()


def _writable_folder(out: Path) -> None:
    """Usage error naming --out when the run folder cannot be made or written."""
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe = out / ".nasc-write-test"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise click.BadParameter(
            f"cannot write to {out}: {exc.strerror}", param_hint="--out"
        ) from None


@click.command("search")
@click.argument("space", type=click.Path(dir_okay=False))
@click.option("--dataset", help="mnist1d, digits, PATH.npz, cifar10=DIR or cifar100=DIR.")
@click.option(
    "--strategy", type=click.Choice(_strategy_names()), default="random", show_default=True
)
@click.option(
    "--budget", type=click.IntRange(min=1), required=True, help="Trials to finish in all."
)
@click.option(
    "--epochs", type=click.IntRange(min=1), help="Epochs per trial (the recipe's otherwise)."
)
@click.option(
    "--out",
    "out",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="The run folder.",
)
@click.option("--resume", is_flag=True, help="Continue the run in --out.")
@click.option("--force", is_flag=True, help="With --resume: accept another space or settings.")
@click.option(
    "--workers", type=click.IntRange(min=1), help="Trials at once (default 1, or one per GPU)."
)
@click.option(
    "--executor",
    type=click.Choice(["local", "ray"]),
    default="local",
    show_default=True,
    help="Where trials run: worker processes here, or a Ray cluster.",
)
@click.option(
    "--ray-address",
    metavar="auto|HOST:PORT",
    help="With --executor ray: the cluster's head (default: start Ray on this machine).",
)
@click.option(
    "--max-retries",
    type=click.IntRange(min=0),
    default=1,
    show_default=True,
    help="With --executor ray: runs again of a trial whose worker or node was lost.",
)
@click.option("--device", default="auto", show_default=True, help="auto, cpu, cuda or cuda:N.")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option(
    "--objective",
    metavar="MODULE:FUNCTION",
    help="Your own objective instead of the built-in trainer (runs your code).",
)
@click.option(
    "--set", "sets", multiple=True, metavar="NAME=VALUE", help="Override a `param` of the space."
)
@click.option(
    "--strategy-set",
    "strategy_sets",
    multiple=True,
    metavar="NAME=VALUE",
    help="A strategy setting, e.g. population=30.",
)
@click.option(
    "--trial-timeout",
    type=click.FloatRange(min=0, min_open=True),
    metavar="SECONDS",
    help="Fail a trial that runs longer.",
)
@click.option(
    "--keep-weights",
    type=click.Choice(["best", "all", "none"]),
    default="best",
    show_default=True,
    help="Which trials' trained weights the run keeps.",
)
@click.option(
    "--recipe", default="default", show_default=True, help="The built-in trainer's recipe."
)
@click.option(
    "--compile", "use_compile", is_flag=True, help="torch.compile each model (built-in trainer)."
)
def search_command(
    space: str,
    dataset: str | None,
    strategy: str,
    budget: int,
    epochs: int | None,
    out: Path,
    resume: bool,
    force: bool,
    workers: int | None,
    executor: str,
    ray_address: str | None,
    max_retries: int,
    device: str,
    seed: int,
    objective: str | None,
    sets: tuple[str, ...],
    strategy_sets: tuple[str, ...],
    trial_timeout: float | None,
    keep_weights: str,
    recipe: str,
    use_compile: bool,
) -> None:
    """Search SPACE: train candidates, record every trial in --out, show the best."""
    from nasc.search.running import SearchRequest, run_search

    if force and not resume:
        raise click.BadParameter("--force only goes with --resume", param_hint="--force")
    if ray_address is not None and executor != "ray":
        raise click.BadParameter(
            "--ray-address goes with --executor ray", param_hint="--ray-address"
        )
    if objective is None and dataset is None:
        raise click.BadParameter(
            "the built-in trainer needs --dataset (or give --objective)", param_hint="--dataset"
        )
    request = SearchRequest(
        space=space,
        dataset=dataset,
        strategy=strategy,
        budget=budget,
        epochs=epochs,
        out=out,
        resume=resume,
        force=force,
        workers=workers,
        executor=executor,
        ray_address=ray_address,
        max_retries=max_retries,
        device=device,
        seed=seed,
        objective=objective,
        overrides=parse_pairs(sets, "--set"),
        strategy_settings=parse_pairs(strategy_sets, "--strategy-set"),
        trial_timeout=trial_timeout,
        keep_weights=keep_weights,
        recipe=recipe,
        compile=use_compile,
    )
    _writable_folder(out)
    try:
        code = run_search(request)
    except NascError as exc:
        fail(exc)
    sys.exit(code)


@click.command("report")
@click.argument(
    "runs", nargs=-1, required=True, type=click.Path(file_okay=False, exists=True, path_type=Path)
)
@click.option(
    "--sort", "sort", metavar="METRIC", help="Sort by this metric (the objective by default)."
)
@click.option("--json", "as_json", is_flag=True, help="Print the trials as JSON.")
@click.option("--csv", "as_csv", is_flag=True, help="Print the trials as CSV.")
@click.option(
    "--plots",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for the PNG plots (default: the first run's folder).",
)
@click.option(
    "--top", type=click.IntRange(min=1), default=20, show_default=True, help="Rows in the table."
)
def report_command(
    runs: tuple[Path, ...],
    sort: str | None,
    as_json: bool,
    as_csv: bool,
    plots: Path | None,
    top: int,
) -> None:
    """Print the trials of RUNS (best first) and the best architecture; write PNG plots."""
    from nasc.search.report.command import report_runs

    if as_json and as_csv:
        raise click.BadParameter("choose one of --json and --csv", param_hint="--json")
    try:
        report_runs(runs, sort, "json" if as_json else "csv" if as_csv else "table", plots, top)
    except NascError as exc:
        fail(exc)


@click.command("export")
@click.argument("run", type=click.Path(file_okay=False, exists=True, path_type=Path))
@click.option(
    "--backend",
    type=click.Choice(["torch", "onnx", "tensorflow"]),
    default="torch",
    show_default=True,
)
@click.option(
    "-o",
    "--output",
    "output",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="The model file to write.",
)
@click.option(
    "--trial", "trial_id", type=click.IntRange(min=1), help="A trial id (default: the best)."
)
def export_command(run: Path, backend: str, output: Path, trial_id: int | None) -> None:
    """Write RUN's best (or --trial) model with its trained weights."""
    from nasc.search.export import export_trial

    try:
        written = export_trial(run, backend, output, trial_id)
    except NascError as exc:
        fail(exc)
    click.echo(f"wrote {written}", err=True)


__all__ = ["export_command", "report_command", "search_command"]
