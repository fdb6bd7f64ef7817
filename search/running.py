"""`nasc search` behind its options: data, space, study, workers, display, final table."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click
from rich.console import Console

from nasc.dsl import NascError
from nasc.search.executors.local import LocalExecutor
from nasc.search.progress import LiveProgress, PlainProgress, Tally
from nasc.search.report.table import sort_key, trials_table
from nasc.search.source import SpaceSource
from nasc.search.store import DATABASE
from nasc.search.study import Study

PRELOAD = ("torch", "nasc.search.training")
CLASSES = "classes"


@dataclass(frozen=True)
class SearchRequest:
    """What `nasc search` was asked to do."""

    space: str
    dataset: str | None
    strategy: str
    budget: int
    out: Path
    epochs: int | None = None
    resume: bool = False
    force: bool = False
    workers: int | None = None
    executor: str = "local"  # or "ray"
    ray_address: str | None = None
    max_retries: int = 1
    device: str = "auto"
    seed: int = 0
    objective: str | None = None
    overrides: Mapping[str, str] = field(default_factory=dict)
    strategy_settings: Mapping[str, str] = field(default_factory=dict)
    trial_timeout: float | None = None
    keep_weights: str = "best"
    recipe: str = "default"
    compile: bool = False


def _check_out(request: SearchRequest) -> None:
    held = (request.out / DATABASE).exists()
    if held and not request.resume:
        raise click.BadParameter(
            f"{request.out} already holds a run: add --resume to continue it, or choose another",
            param_hint="--out",
        )
    if request.resume and not held:
        raise click.BadParameter(f"{request.out} holds no run to resume", param_hint="--out")


def _objective(request: SearchRequest) -> Any:
    if request.objective is None:
        from nasc.search.builtin import TrainerObjective
        from nasc.search.training import RECIPES

        if request.recipe not in RECIPES:
            raise click.BadParameter(
                f"unknown recipe '{request.recipe}' (choose one of: {', '.join(sorted(RECIPES))})",
                param_hint="--recipe",
            )
        return TrainerObjective(request.recipe, request.epochs, request.compile)
    from nasc.search.executors.evaluate import resolve_objective

    try:
        resolve_objective(request.objective)
    except Exception as exc:  # the user's module may fail to import in any way
        raise click.BadParameter(
            f"cannot use '{request.objective}': {type(exc).__name__}: {exc}",
            param_hint="--objective",
        ) from None
    return request.objective


def _device(request: SearchRequest) -> tuple[str, list[str]]:
    """The device a trial gets, and the GPUs to spread workers over (one each) when
    ``cuda`` names several."""
    from nasc.search.training import resolve_device

    try:
        device = resolve_device(request.device)
    except NascError as exc:
        raise click.BadParameter(
            "; ".join(d.message for d in exc.diagnostics), param_hint="--device"
        ) from None
    if device != "cuda":
        return device, []
    import torch

    count = torch.cuda.device_count()
    return "cuda", [str(i) for i in range(count)] if count > 1 else []


def _space_source(request: SearchRequest, dataset: Any) -> SpaceSource:
    overrides = dict(request.overrides)
    if dataset is not None:
        from nasc.search.data import fit_space

        space = fit_space(request.space, dataset, overrides)
        if CLASSES not in overrides and any(p.name == CLASSES for p in space.params):
            overrides[CLASSES] = str(dataset.classes)
    return SpaceSource.read(request.space, overrides)


def run_search(request: SearchRequest, console: Console | None = None) -> int:
    """Run (or continue) the search; the exit status (130 when interrupted)."""
    _check_out(request)
    if not Path(request.space).is_file():
        raise click.BadParameter(f"no such file: {request.space}", param_hint="SPACE")
    if request.objective is not None and os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())  # the user's modules; spawned workers inherit the path
    executor: Any
    if request.executor == "ray":
        executor = _ray_executor(request)
    else:
        workers = request.workers or 1
        executor = LocalExecutor(workers, preload=PRELOAD if request.objective is None else ())
        executor.warm()  # workers start while the driver reads data and space
    held = [executor]
    try:
        return _run(request, held, console)
    except BaseException:
        held[0].shutdown(cancel=True)
        raise


def _ray_executor(request: SearchRequest) -> Any:
    from nasc.search.executors.ray import RayExecutor

    executor = RayExecutor(request.ray_address, request.workers, max_retries=request.max_retries)
    try:
        executor.connect()
    except NascError as exc:
        raise usage_error(exc, "--ray-address") from None
    return executor


def usage_error(error: NascError, option: str) -> click.BadParameter:
    return click.BadParameter("; ".join(d.message for d in error.diagnostics), param_hint=option)


def _run(request: SearchRequest, held: list[Any], console: Console | None) -> int:
    executor = held[0]
    dataset = None
    if request.dataset is not None:
        from nasc.search.data import load_dataset

        try:
            dataset = load_dataset(request.dataset, seed=request.seed)
        except NascError as exc:
            raise click.BadParameter(
                "; ".join(d.message for d in exc.diagnostics), param_hint="--dataset"
            ) from None
    objective = _objective(request)
    gpus: list[str] = []
    if not isinstance(executor, LocalExecutor):  # the cluster's devices, not this machine's
        try:
            device = executor.resolve_device(request.device)
        except NascError as exc:
            raise usage_error(exc, "--device") from None
    else:
        device, gpus = _device(request)
    if gpus:  # one worker per GPU, each seeing its own alone
        executor.shutdown(cancel=True)
        executor = LocalExecutor(request.workers or len(gpus), gpus=gpus, preload=executor.preload)
        held[0] = executor
    source = _space_source(request, dataset)
    settings = {
        "dataset": request.dataset,
        "objective": request.objective or f"built-in trainer, recipe {request.recipe}",
        "epochs": request.epochs,
        "compile": request.compile,
    }
    console = console or Console()
    plain = not console.is_terminal
    with Study(
        source,
        request.strategy,
        seed=request.seed,
        store=request.out,
        resume=request.resume,
        force=request.force,
        strategy_settings=request.strategy_settings,
        settings=settings,
        dataset=dataset,
        device=device,
        keep=request.keep_weights,
    ) as study:
        tally = Tally(request.budget, study.finished_count(), study.best, study.metric)
        progress = PlainProgress(tally, console) if plain else LiveProgress(tally, console)
        try:
            study.optimize(
                objective,
                request.budget,
                executor=executor,
                trial_timeout=request.trial_timeout,
                progress=progress,
            )
        except KeyboardInterrupt:
            progress.close()
            console.print(
                f"interrupted: running trials are marked interrupted; continue with "
                f"nasc search ... --out {request.out} --resume",
                markup=False,
            )
            return 130
        progress.close()
        _summary(study, console)
    return 0


def _summary(study: Study, console: Console) -> None:
    rows = sorted((("", t) for t in study.trials), key=sort_key(None))
    console.print(trials_table(rows, study.metric, limit=5))
    best = study.best
    if best is None:
        console.print("no trial finished successfully", markup=False)
        return
    extra = "".join(
        f", {name} {best.metrics[name]:.4f}" for name in ("test_error",) if name in best.metrics
    )
    console.print(
        f"best: trial {best.id}, {study.metric} {best.value:.4f}{extra}",
        markup=False,
        highlight=False,
    )
    console.print(best.term, markup=False, soft_wrap=True, highlight=False)


__all__ = ["SearchRequest", "run_search"]
