"""`nasc search`, `report` and `export` end to end, as a user runs them (real processes)."""

from __future__ import annotations

import csv
import io
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from nasc.compiler.cli import main
from nasc.search.store import DATABASE
from tests.search.strategy_contract import SPACES

NASC = str(Path(sys.executable).parent / "nasc")
ROOT = Path(__file__).resolve().parents[2]
DIGITS = str(SPACES / "digits.nas")
OBJECTIVE = "tests.search.objectives:train_dataset"


def nasc(
    *args: str, env: dict[str, str] | None = None, timeout: float = 240
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [NASC, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
    )


def search_args(out: Path, budget: int = 3, *extra: str) -> list[str]:
    return [
        "search",
        DIGITS,
        "--dataset",
        "digits",
        "--budget",
        str(budget),
        "--epochs",
        "1",
        "--out",
        str(out),
        "--device",
        "cpu",
        "--objective",
        OBJECTIVE,
        "--seed",
        "1",
        *extra,
    ]


def trials(run: Path) -> list[sqlite3.Row]:
    db = sqlite3.connect(run / DATABASE)
    db.row_factory = sqlite3.Row
    rows = db.execute("SELECT * FROM trials ORDER BY id").fetchall()
    db.close()
    return rows


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("cli") / "run"
    result = nasc(*search_args(out, 3))
    assert result.returncode == 0, result.stdout + result.stderr
    return out


def test_search_runs_the_budget_and_prints_the_best(run: Path) -> None:
    rows = trials(run)
    assert [r["status"] for r in rows] == ["done"] * 3
    assert len({r["term"] for r in rows}) == 3
    best = min(rows, key=lambda r: r["value"])
    assert best["weights"] and (run / best["weights"]).is_file()
    assert sum(1 for r in rows if r["weights"]) == 1  # --keep-weights best


def test_search_output_is_plain_lines_off_a_terminal(tmp_path: Path) -> None:
    result = nasc(*search_args(tmp_path / "run", 2))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert any(line.startswith("[1/2] trial") for line in lines)
    assert any(line.startswith("[2/2] trial") for line in lines)
    assert any(line.startswith("best: trial") for line in lines)
    assert "\x1b[" not in result.stdout


def test_report_prints_the_table_and_writes_plots_that_decode(run: Path, tmp_path: Path) -> None:
    from PIL import Image

    result = nasc("report", str(run), "--plots", str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert "best: trial" in result.stdout
    for name, width in (("best_so_far.png", 1100), ("pareto.png", 600)):
        with Image.open(tmp_path / name) as image:
            image.load()
            assert image.format == "PNG" and image.size[0] == width and image.size[1] >= 400
            assert (
                len(set(np.asarray(image.convert("L")).ravel().tolist())) > 10
            )  # something is drawn


def test_report_of_several_runs_draws_their_mean(run: Path, tmp_path: Path) -> None:
    result = nasc("report", str(run), str(run), "--plots", str(tmp_path), "--json")
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    assert len(rows) == 6 and {r["run"] for r in rows} == {"run", "run'"}
    assert (tmp_path / "best_so_far.png").stat().st_size > 10_000


def test_report_json_and_csv_are_sorted_by_the_metric(run: Path, tmp_path: Path) -> None:
    rows = json.loads(nasc("report", str(run), "--json", "--plots", str(tmp_path)).stdout)
    assert [r["value"] for r in rows] == sorted(r["value"] for r in rows)
    assert all(r["metrics"]["params"] > 0 for r in rows)
    table = list(
        csv.DictReader(
            io.StringIO(
                nasc(
                    "report", str(run), "--csv", "--sort", "params", "--plots", str(tmp_path)
                ).stdout
            )
        )
    )
    params = [float(r["params"]) for r in table]
    assert len(table) == 3 and params == sorted(params)


def test_exported_onnx_and_keras_models_reproduce_the_trained_torch_model(
    run: Path, tmp_path: Path
) -> None:
    import onnxruntime
    import torch

    from nasc.backends.weights import read_weights
    from nasc.compiler import load_backend
    from nasc.search.data import load_dataset
    from nasc.search.export import trained_graph

    graph, record, weights_path = trained_graph(run, None)
    weights = read_weights(weights_path, graph)
    x = load_dataset("digits", seed=1).x_val[:64]
    model = load_backend("torch").build_module(graph, weights=weights).eval()
    with torch.no_grad():
        expected = model(torch.from_numpy(x)).numpy()
    initial = (
        load_backend("torch")
        .build_module(graph, seed=record["seed"] if isinstance(record, dict) else record.seed)
        .eval()
    )
    with torch.no_grad():
        assert not np.allclose(initial(torch.from_numpy(x)).numpy(), expected, atol=1e-3)

    assert (
        nasc("export", str(run), "--backend", "onnx", "-o", str(tmp_path / "best.onnx")).returncode
        == 0
    )
    session = onnxruntime.InferenceSession(str(tmp_path / "best.onnx"))
    got = session.run(None, {session.get_inputs()[0].name: x})[0]
    np.testing.assert_allclose(got, expected, atol=1e-4)

    result = nasc("export", str(run), "--backend", "tensorflow", "-o", str(tmp_path / "best.keras"))
    assert result.returncode == 0, result.stderr
    import keras

    load_backend("tensorflow")  # registers nasc's Keras layers for loading
    keras_model = keras.models.load_model(tmp_path / "best.keras")
    np.testing.assert_allclose(np.asarray(keras_model(x)), expected, atol=1e-4)


def test_export_of_a_trial_without_weights_says_why(run: Path, tmp_path: Path) -> None:
    rows = trials(run)
    without = next(r["id"] for r in rows if not r["weights"])
    result = nasc(
        "export",
        str(run),
        "--trial",
        str(without),
        "-o",
        str(tmp_path / "m.onnx"),
        "--backend",
        "onnx",
    )
    assert result.returncode == 1
    assert "E973" in result.stderr and "kept no weights" in result.stderr
    assert "--keep-weights all" in result.stderr
    missing = nasc("export", str(run), "--trial", "99", "-o", str(tmp_path / "m.onnx"))
    assert missing.returncode == 1 and "E972" in missing.stderr and "no trial 99" in missing.stderr


@pytest.mark.parametrize(
    ("change", "option"),
    [
        ({"--budget": "0"}, "--budget"),
        ({"--dataset": "no-such-data"}, "--dataset"),
        ({"--device": "cuda:7"}, "--device"),
        ({"--strategy": "annealing"}, "--strategy"),
        ({"--objective": "no_such_module:f"}, "--objective"),
        ({"--workers": "0"}, "--workers"),
    ],
)
def test_bad_arguments_are_usage_errors_naming_the_option(
    tmp_path: Path, change: dict[str, str], option: str
) -> None:
    args = search_args(tmp_path / "run", 2)
    for key, value in change.items():
        if key in args:
            args[args.index(key) + 1] = value
        else:
            args += [key, value]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2, result.output
    assert (option in result.stderr and result.exception is None) or isinstance(
        result.exception, SystemExit
    )


def test_an_unwritable_out_is_a_usage_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    result = CliRunner().invoke(main, search_args(blocker / "run", 2))
    assert result.exit_code == 2 and "--out" in result.stderr


def test_another_space_on_resume_and_a_corrupt_store_are_refused(run: Path, tmp_path: Path) -> None:
    args = search_args(run, 3, "--resume")
    args[1] = str(SPACES / "tiny.nas")
    result = nasc(*args)
    assert result.returncode == 1 and "E953" in result.stderr and "the space" in result.stderr
    again = nasc(*search_args(run, 3))
    assert again.returncode == 2 and "--resume" in again.stderr
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / DATABASE).write_bytes(b"not a database at all " * 300)
    result = nasc("report", str(broken))
    assert result.returncode == 1 and "E951" in result.stderr and "Traceback" not in result.stderr


def _wait_for(run: Path, done: int, limit: float = 120) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if (run / DATABASE).exists():
            try:
                rows = trials(run)
            except sqlite3.Error:
                rows = []
            if sum(r["status"] == "done" for r in rows) >= done and any(
                r["status"] == "running" and r["started_at"] for r in rows
            ):
                return
        time.sleep(0.2)
    raise AssertionError(f"the search did not reach {done} finished trials")


@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGINT])
def test_a_killed_search_resumes_to_the_budget_without_loss_or_repeat(
    tmp_path: Path, how: signal.Signals
) -> None:
    out = tmp_path / "run"
    env = {**os.environ, "NASC_TEST_SLEEP": "1.5"}
    process = subprocess.Popen(
        [NASC, *search_args(out, 5, "--workers", "2")],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _wait_for(out, 2)
        os.kill(process.pid, how)
        process.wait(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == (-signal.SIGKILL if how == signal.SIGKILL else 130)
    before = {r["id"]: (r["term"], r["value"]) for r in trials(out) if r["status"] == "done"}
    unfinished = [r["status"] for r in trials(out) if r["status"] != "done"]
    assert unfinished and set(unfinished) <= (
        {"running"} if how == signal.SIGKILL else {"interrupted"}
    )

    result = nasc(*search_args(out, 5, "--workers", "2", "--resume"), env={"NASC_TEST_SLEEP": "0"})
    assert result.returncode == 0, result.stderr
    after = trials(out)
    assert [r["status"] for r in after] == ["done"] * 5
    assert len({r["term"] for r in after}) == 5
    assert {r["id"]: (r["term"], r["value"]) for r in after if r["id"] in before} == before


def test_the_built_in_trainer_is_the_default_objective(tmp_path: Path) -> None:
    out = tmp_path / "run"
    result = nasc(
        "search",
        DIGITS,
        "--dataset",
        "digits",
        "--budget",
        "1",
        "--epochs",
        "1",
        "--out",
        str(out),
        "--device",
        "cpu",
        "--strategy",
        "evolution",
    )
    assert result.returncode == 0, result.stderr
    [row] = trials(out)
    metrics = json.loads(row["metrics"])
    assert row["status"] == "done" and 0 <= row["value"] <= 1
    assert {"val_error", "test_error", "params", "macs", "train_seconds"} <= set(metrics)
    assert "test_error" in result.stdout
