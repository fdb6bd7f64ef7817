"""The Ray executor on a real two-node Ray cluster started on this machine.

Nodes are lost for real (their processes killed), worker processes by SIGKILL.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import random
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from nasc.backends.weights import WeightSet, init_weights
from nasc.compiler import build, format_term, load, parse_term, sample, summarize
from nasc.dsl import NascError
from tests.conftest import ROOT
from tests.search import ray_probe

ray = pytest.importorskip(
    "ray", reason="the Ray executor's tests need the ray extra: pip install 'nasc[ray]'"
)

from nasc.search.executors.base import Job, Outcome, TrialSpec  # noqa: E402
from nasc.search.executors.ray import RayExecutor  # noqa: E402

SPACES = ROOT / "tests" / "compiler" / "check" / "spaces"
NODE = {"num_cpus": 1, "object_store_memory": 80 * 2**20}
# a node that stops answering is dead after about 2 s (not Ray's default 15 s)
FAST_NODE_DEATH = {"health_check_period_ms": 500, "health_check_failure_threshold": 4}
WORKER = re.compile(r"node \d+\.\d+\.\d+\.\d+ pid \d+")


def _remove_all(cluster: Any) -> None:
    session = cluster.head_node.get_session_dir_path()
    for node in list(cluster.worker_nodes):
        cluster.remove_node(node)
    cluster.remove_node(cluster.head_node)
    cluster.shutdown()
    _kill_leftovers(session)


def _kill_leftovers(session: str) -> None:
    """SIGKILL what still holds a file of the cluster's session (a node killed with
    SIGKILL can leave its agent processes behind)."""
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            held = any(os.readlink(fd).startswith(session) for fd in (proc / "fd").iterdir())
        except OSError:
            continue
        if held and int(proc.name) != os.getpid():
            with contextlib.suppress(OSError):
                os.kill(int(proc.name), signal.SIGKILL)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A head and one worker node, one CPU each; the test process is the driver."""
    from ray.cluster_utils import Cluster

    home = tmp_path_factory.mktemp("ray-probe")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(ray_probe.HOME_VARIABLE, str(home))  # the nodes' processes inherit it
        yield from _cluster(Cluster)


def _cluster(Cluster: Any) -> Iterator[Any]:
    head = {**NODE, "include_dashboard": False, "_system_config": FAST_NODE_DEATH}
    made = Cluster(initialize_head=True, head_node_args=head)
    try:
        made.add_node(**NODE)
        ray.init(address=made.address, log_to_driver=False)
        ray.cloudpickle.register_pickle_by_value(ray_probe)  # the tests' objective
        yield made
    finally:
        ray.shutdown()
        _remove_all(made)


@pytest.fixture
def space_files(tmp_path: Path) -> tuple[Path, Path]:
    """A space that imports another file, copied where the test can delete it."""
    main, blocks = tmp_path / "space" / "main.nas", tmp_path / "space" / "blocks.nas"
    main.parent.mkdir()
    main.write_text((SPACES / "main.nas").read_text())
    blocks.write_text((SPACES / "blocks.nas").read_text())
    return main, blocks


def _job(space_files: tuple[Path, Path], objective: Any) -> Job:
    main, blocks = space_files
    imports = {str(blocks): blocks.read_text()}
    return Job(main.read_text(), str(main), imports, {"width": "4"}, objective, None)


def _terms(n: int) -> list[str]:
    space = load(str(SPACES / "main.nas"), {"width": "4"})
    return [format_term(space, sample(space, random.Random(i))) for i in range(n)]


def _all(executor: RayExecutor, n: int, limit: float = 90.0) -> list[Outcome]:
    outcomes: list[Outcome] = []
    deadline = time.monotonic() + limit
    while len(outcomes) < n:
        assert time.monotonic() < deadline, f"only {len(outcomes)} of {n} trials ended"
        outcomes.extend(executor.wait(1.0))
    return sorted(outcomes, key=lambda o: o.trial_id)


def _started(folder: Path, trial_id: int) -> list[tuple[int, str]]:
    """(pid, node id) of every run of the trial that the objective began."""
    runs = []
    for path in folder.glob(f"started-{trial_id}-*"):
        runs.append((int(path.name.rsplit("-", 1)[1]), path.read_text()))
    return runs


def _wait_for_start(
    executor: RayExecutor, folder: Path, trial_id: int, limit: float = 60.0
) -> tuple[int, str]:
    """The first run of the trial, driving the executor (which acts only in its calls)."""
    deadline = time.monotonic() + limit
    while not _started(folder, trial_id):
        assert time.monotonic() < deadline, f"trial {trial_id} never started"
        assert executor.wait(0.1) == []
    return _started(folder, trial_id)[0]


def test_trials_run_from_shipped_texts(
    cluster: Any, space_files: tuple[Path, Path], tmp_path: Path
) -> None:
    executor = RayExecutor(address=cluster.address)
    executor.start(_job(space_files, ray_probe.Probe(str(tmp_path), fail=(3,))))
    for path in space_files:  # workers must not need the driver's files
        path.unlink()
    assert executor.capacity() == 2
    terms = _terms(4)
    try:
        for i, term in enumerate(terms):
            executor.submit(TrialSpec(i, term, seed=i, device="cpu", timeout=None))
        outcomes = _all(executor, 4)
    finally:
        executor.shutdown()
    space = load(str(SPACES / "main.nas"), {"width": "4"})
    for outcome, term in zip(outcomes[:3], terms, strict=False):
        assert outcome.status == "done", outcome.error
        graph = build(space, parse_term(space, term))
        assert outcome.metrics is not None
        assert outcome.metrics["params"] == summarize(graph).total_params
        assert WORKER.fullmatch(outcome.worker)
        assert f"trial {outcome.trial_id} on node" in outcome.log
        assert outcome.weights is not None
        (tmp_path / "w.npz").write_bytes(outcome.weights)
        kept, seeded = WeightSet.load(tmp_path / "w.npz"), init_weights(graph, outcome.trial_id)
        assert kept.keys() == seeded.keys()
        assert all((kept[key] == seeded[key]).all() for key in kept)
    failed = outcomes[3]
    assert (failed.status, failed.error) == ("failed", "ValueError: trial 3 fails on purpose")
    assert "Traceback" in failed.log and failed.weights is None
    assert len(_started(tmp_path, 3)) == 1  # a raising objective is not retried


def test_capacity_follows_workers_and_wait_returns_on_time(
    cluster: Any, space_files: tuple[Path, Path], tmp_path: Path
) -> None:
    executor = RayExecutor(address=cluster.address, workers=1)
    executor.start(_job(space_files, ray_probe.Probe(str(tmp_path), hold=30.0)))
    try:
        assert executor.capacity() == 1
        assert executor.wait(0.1) == []  # nothing submitted: returns at once
        executor.submit(TrialSpec(0, _terms(1)[0], seed=0, device="cpu", timeout=None))
        executor.submit(TrialSpec(1, _terms(1)[0], seed=1, device="cpu", timeout=2.0))
        began = time.monotonic()
        assert executor.wait(0.3) == []
        assert time.monotonic() - began < 2.0
        assert set(executor.running()) == {0, 1}
        assert "waiting" in executor.running()[1]
        _wait_for_start(executor, tmp_path, 0)
        assert WORKER.fullmatch(executor.running()[0])
        (tmp_path / "release").touch()
        outcomes = _all(executor, 2)
    finally:
        executor.shutdown(cancel=True)
    assert [o.status for o in outcomes] == ["done", "done"]


def test_a_trial_over_its_timeout_fails(
    cluster: Any, space_files: tuple[Path, Path], tmp_path: Path
) -> None:
    executor = RayExecutor(address=cluster.address, workers=1)
    executor.start(_job(space_files, ray_probe.Probe(str(tmp_path), hold=60.0)))
    try:
        executor.submit(TrialSpec(0, _terms(1)[0], seed=0, device="cpu", timeout=3.0))
        (outcome,) = _all(executor, 1, limit=40.0)
    finally:
        executor.shutdown(cancel=True)
    assert (outcome.status, outcome.error) == ("failed", "timed out after 3 s (--trial-timeout)")
    assert len(_started(tmp_path, 0)) == 1


@pytest.mark.parametrize("retries", [1, 0])
def test_a_killed_worker_process_is_retried_then_fails(
    cluster: Any, space_files: tuple[Path, Path], tmp_path: Path, retries: int
) -> None:
    executor = RayExecutor(address=cluster.address, max_retries=retries)
    executor.start(_job(space_files, ray_probe.Probe(str(tmp_path), hold=60.0)))
    try:
        executor.submit(TrialSpec(0, _terms(1)[0], seed=0, device="cpu", timeout=None))
        pid, _ = _wait_for_start(executor, tmp_path, 0)
        assert executor.running()[0].endswith(f"pid {pid}")
        os.kill(pid, signal.SIGKILL)
        if retries:
            deadline = time.monotonic() + 60
            while len(_started(tmp_path, 0)) < 2:
                assert time.monotonic() < deadline, "the lost trial was not run again"
                assert executor.wait(0.2) == []
            (tmp_path / "release").touch()
        (outcome,) = _all(executor, 1)
    finally:
        executor.shutdown(cancel=True)
    if retries:
        assert outcome.status == "done", outcome.error
        assert "attempt 1 lost on node" in outcome.log
        assert not outcome.worker.endswith(f"pid {pid}")
    else:
        assert outcome.status == "failed"
        assert outcome.error is not None and outcome.error.startswith("lost: 1 run lost")
    assert len(_started(tmp_path, 0)) == 1 + retries


def test_without_ray_the_executor_names_the_extra(tmp_path: Path) -> None:
    script = (
        "import sys; sys.modules['ray'] = None\n"
        "from nasc.dsl import NascError\n"
        "from nasc.search.executors.ray import RayExecutor\n"
        "try:\n"
        "    RayExecutor().start(None)\n"
        "except NascError as exc:\n"
        "    print(exc.diagnostics[0].code, exc)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("E980 ") and "pip install 'nasc[ray]'" in done.stdout


def test_an_address_with_no_cluster_is_a_prompt_error(tmp_path: Path) -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    script = (
        "from nasc.dsl import NascError\n"
        "from nasc.search.executors.ray import RayExecutor\n"
        "try:\n"
        f"    RayExecutor(address='127.0.0.1:{port}').start(None)\n"
        "except NascError as exc:\n"
        "    print(exc.diagnostics[0].code, exc)\n"
    )
    began = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("E982 ")
    assert f"cannot reach a Ray cluster at 127.0.0.1:{port}" in done.stdout
    assert time.monotonic() - began < 30


def test_bad_settings_are_errors() -> None:
    for settings, text in [
        ({"workers": 0}, "workers must be at least 1"),
        ({"max_retries": -1}, "max_retries"),
    ]:
        with pytest.raises(NascError, match=text) as raised:
            RayExecutor(**settings)  # type: ignore[arg-type]
        assert raised.value.diagnostics[0].code == "E981"


def test_devices_come_from_the_cluster(cluster: Any) -> None:
    executor = RayExecutor(address=cluster.address)
    assert [executor.resolve_device(d) for d in ("auto", "cpu")] == ["cpu", "cpu"]
    for device in ("cuda", "cuda:1", "tpu"):  # the cluster has no GPU
        with pytest.raises(NascError) as raised:
            executor.resolve_device(device)
        assert raised.value.diagnostics[0].code == "E983"


# -- whole searches ------------------------------------------------------------------

DIGITS_SPACE = str(ROOT / "tests" / "search" / "spaces" / "digits.nas")
BUDGET = 4


@pytest.fixture(scope="module")
def digits() -> Any:
    from nasc.search.data import load_dataset

    return load_dataset("digits")


def _study(folder: Path, dataset: Any, resume: bool = False) -> Any:
    from nasc.search.study import Study

    return Study(DIGITS_SPACE, "random", seed=0, store=folder, dataset=dataset, resume=resume)


def _records(folder: Path) -> list[Any]:
    from nasc.search.store import RunStore

    with RunStore.open(folder, lock=False) as store:
        return store.trials()


def _held(folder: Path) -> bool:
    from nasc.search.store import DATABASE

    return (folder / DATABASE).is_file()


def _consistent(folder: Path) -> list[Any]:
    """The run's trials: the budget finished, each architecture once, one tell each."""
    from nasc.search.store import RunStore

    with RunStore.open(folder, lock=False) as store:
        records, events = store.trials(), store.events()
    assert [r.status for r in records] == ["done"] * BUDGET, [r.error for r in records]
    assert len({r.term for r in records}) == BUDGET  # no architecture twice
    tells = sorted(e.trial_id for e in events if e.kind != "ask")
    assert tells == sorted(r.id for r in records)  # each trial told once
    return records


def _search_in_background(
    folder: Path, dataset: Any, objective: Any, executor: Any
) -> tuple[Any, list[Any]]:
    """A search in a thread of its own (which opens, and alone uses, the run store)."""
    import threading

    failures: list[BaseException] = []

    def run() -> None:
        try:
            with _study(folder, dataset) as study:
                study.optimize(objective, BUDGET, executor=executor)
        except BaseException as exc:
            failures.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, failures


def _nasc(*args: str, timeout: float = 240) -> subprocess.CompletedProcess[str]:
    command = [str(Path(sys.executable).parent / "nasc"), *args]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=timeout)


def _search(out: Path, *extra: str) -> list[str]:
    return [
        "search", DIGITS_SPACE, "--dataset", "digits", "--budget", str(BUDGET),
        "--epochs", "1", "--device", "cpu", "--out", str(out), *extra,
    ]  # fmt: skip


def test_nasc_search_on_digits_with_ray_gives_what_the_local_executor_gives(
    cluster: Any, tmp_path: Path
) -> None:
    local = _nasc(*_search(tmp_path / "local"))
    assert local.returncode == 0, local.stderr
    remote = _nasc(
        *_search(tmp_path / "ray", "--executor", "ray", "--ray-address", cluster.address)
    )
    assert remote.returncode == 0, remote.stderr
    local_trials, remote_trials = _consistent(tmp_path / "local"), _consistent(tmp_path / "ray")
    assert sorted(r.term for r in remote_trials) == sorted(r.term for r in local_trials)
    assert all(WORKER.fullmatch(r.worker) for r in remote_trials)
    assert all(0.0 <= r.value <= 1.0 and r.metrics["epochs"] == 1 for r in remote_trials)
    assert any(r.weights for r in remote_trials)  # the best trial's trained weights came back


def test_nasc_search_ray_options_are_checked(tmp_path: Path) -> None:
    alone = _nasc(*_search(tmp_path / "a", "--ray-address", "auto"))
    assert alone.returncode == 2 and "--ray-address goes with --executor ray" in alone.stderr
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    nowhere = _nasc(
        *_search(tmp_path / "b", "--executor", "ray", "--ray-address", f"127.0.0.1:{port}")
    )
    assert nowhere.returncode == 2
    assert "--ray-address" in nowhere.stderr and "cannot reach a Ray cluster" in nowhere.stderr
    assert "Traceback" not in nowhere.stderr


def test_a_node_lost_mid_search_costs_no_trial(cluster: Any, digits: Any, tmp_path: Path) -> None:
    (worker_node,) = cluster.worker_nodes
    executor = RayExecutor(address=cluster.address, max_retries=1)
    objective = ray_probe.TrainDigits(str(tmp_path), hold=60.0)
    thread, failures = _search_in_background(tmp_path / "run", digits, objective, executor)
    try:
        deadline = time.monotonic() + 180
        while len(list(tmp_path.glob("started-*"))) < 2:
            assert time.monotonic() < deadline and not failures, failures
            time.sleep(0.1)
        runs = {int(p.name.split("-")[1]): p.read_text() for p in tmp_path.glob("started-*")}
        (victim,) = [i for i, node in runs.items() if node == worker_node.node_id]
        cluster.remove_node(worker_node, allow_graceful=False)
        (survivor,) = set(runs) - {victim}
        (tmp_path / f"release-{survivor}").touch()
        while len(_started(tmp_path, victim)) < 2:
            assert time.monotonic() < deadline and not failures, failures
            time.sleep(0.1)
        (tmp_path / "release").touch()
        thread.join(timeout=90)
        assert not thread.is_alive() and not failures, failures
        executor.connect()
        deadline = time.monotonic() + 30
        while executor.capacity() != 1:  # once Ray has marked the node dead
            assert time.monotonic() < deadline, "the lost node's CPU is still counted"
            time.sleep(0.2)
    finally:
        (tmp_path / "release").touch()
        thread.join(timeout=30)
        cluster.add_node(**NODE)
    records = {r.id: r for r in _consistent(tmp_path / "run")}
    assert "attempt 1 lost on node" in (records[victim].log or "")
    nodes = [node for _, node in _started(tmp_path, victim)]
    assert sorted(nodes) == sorted([worker_node.node_id, cluster.head_node.node_id])


def test_a_killed_driver_resumes_on_the_same_cluster(cluster: Any, tmp_path: Path) -> None:
    ray_probe.configure(tmp_path, hold=120.0, hold_from=3)  # trials 1 and 2 finish, 3 and 4 wait
    run = tmp_path / "run"
    command = [
        str(Path(sys.executable).parent / "nasc"),
        *_search(run, "--executor", "ray", "--ray-address", cluster.address),
        "--objective", "tests.search.ray_probe:configured",
    ]  # fmt: skip
    first = subprocess.Popen(
        command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 90
        while not (_held(run) and sum(r.status == "done" for r in _records(run)) == 2):
            assert time.monotonic() < deadline and first.poll() is None, "no trial finished"
            time.sleep(0.2)
        while not _started(tmp_path, 3):  # trial 3 is running
            assert time.monotonic() < deadline, "trial 3 never started"
            time.sleep(0.1)
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=30)
    finally:
        if first.poll() is None:
            first.kill()
    before = {r.id: r for r in _records(run) if r.status == "done"}
    assert sorted(before) == [1, 2]
    (tmp_path / "release").touch()
    second = subprocess.run(
        [*command, "--resume"], cwd=ROOT, capture_output=True, text=True, timeout=180
    )
    assert second.returncode == 0, second.stderr
    after = {r.id: r for r in _consistent(run)}
    for trial_id, record in before.items():  # finished trials kept as they were, not rerun
        # (only the best trial keeps its weights: which one that is may change)
        assert dataclasses.replace(after[trial_id], weights=None) == (
            dataclasses.replace(record, weights=None)
        )
        assert len(_started(tmp_path, trial_id)) == 1
    assert len(after) == BUDGET and len(_started(tmp_path, 3)) == 2  # trial 3 ran again
