"""Study: ask/tell, failures recorded, and a resumed run that proposes what an unbroken one would."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from nasc.dsl import NascError
from nasc.search import Study, Trial, TrialFailed
from tests.search.strategy_contract import MNIST1D, SPACES, score

SETTINGS = {"evolution": {"population": 4, "sample": 2}, "random": {}}


def objective(trial: Trial) -> float:
    return score(trial.derivation)


def test_tell_takes_a_value_metrics_or_a_failure(tmp_path: Path) -> None:
    with Study(MNIST1D, store=tmp_path / "run") as study:
        a, b, c, d = (study.ask() for _ in range(4))
        study.tell(a, 0.5)
        study.tell(b, {"val_error": 0.25, "test_error": 0.3})
        study.tell(c, TrialFailed("out of memory"))
        study.tell(d, {"accuracy": 0.9})
        records = {t.id: t for t in study.trials}
    assert (records[a.id].status, records[a.id].value) == ("done", 0.5)
    assert records[b.id].metrics == {"val_error": 0.25, "test_error": 0.3}
    assert (records[c.id].status, records[c.id].error) == ("failed", "out of memory")
    assert records[d.id].status == "failed"
    assert "no 'val_error'" in (records[d.id].error or "")


def test_a_trial_is_told_once(tmp_path: Path) -> None:
    with Study(MNIST1D, store=tmp_path / "run") as study:
        trial = study.ask()
        study.tell(trial, 0.5)
        with pytest.raises(NascError) as caught:
            study.tell(trial, 0.4)
        assert caught.value.diagnostics[0].code == "E971"
        with pytest.raises(NascError) as caught:
            study.tell(trial.id + 100, 0.4)
        assert caught.value.diagnostics[0].code == "E970"


def test_the_best_trial_is_the_lowest_value() -> None:
    study = Study(MNIST1D, seed=1)
    best = study.optimize(objective, budget=12)
    values = [t.value for t in study.trials if t.value is not None]
    assert best is not None and best.value == min(values)
    assert len(study.trials) == 12


def test_failures_nan_and_exceptions_are_recorded_and_the_search_completes() -> None:
    def flaky(trial: Trial) -> dict[str, float]:
        if trial.id == 2:
            raise ValueError("broken on purpose")
        if trial.id == 3:
            return {"val_error": math.nan}
        if trial.id == 4:
            raise TrialFailed("loss is nan")
        return {"val_error": score(trial.derivation)}

    study = Study(MNIST1D)
    study.optimize(flaky, budget=6)
    status = {t.id: (t.status, t.error) for t in study.trials}
    assert len(status) == 6
    assert status[2] == ("failed", "ValueError: broken on purpose")
    assert status[3] == ("failed", "the objective 'val_error' is nan")
    assert status[4] == ("failed", "loss is nan")
    assert {s for i, (s, _) in status.items() if i not in (2, 3, 4)} == {"done"}


@pytest.mark.parametrize("strategy", ["random", "evolution"])
def test_a_resumed_run_proposes_what_an_unbroken_run_would(tmp_path: Path, strategy: str) -> None:
    settings = SETTINGS[strategy]
    with Study(
        MNIST1D, strategy, seed=5, store=tmp_path / "unbroken", strategy_settings=settings
    ) as study:
        study.optimize(objective, budget=14)
        unbroken = [t.term for t in study.trials]

    def breaks_at_trial_9(trial: Trial) -> float:
        if trial.id == 9:
            raise KeyboardInterrupt
        return objective(trial)

    run = tmp_path / "broken"
    with Study(MNIST1D, strategy, seed=5, store=run, strategy_settings=settings) as study:
        with pytest.raises(KeyboardInterrupt):
            study.optimize(breaks_at_trial_9, budget=14)
        assert [t.status for t in study.trials][-1] == "interrupted"
    with Study(
        MNIST1D, strategy, seed=5, store=run, resume=True, strategy_settings=settings
    ) as study:
        study.optimize(objective, budget=14)
        resumed = study.trials
    assert [t.term for t in resumed] == unbroken
    assert all(t.status == "done" for t in resumed)
    assert resumed[8].attempts == 2


def test_resume_refuses_another_space_or_settings_unless_forced(tmp_path: Path) -> None:
    run = tmp_path / "run"
    with Study(MNIST1D, store=run, settings={"epochs": 1}) as study:
        study.optimize(objective, budget=2)
    with pytest.raises(NascError) as caught:
        Study(SPACES / "digits.nas", store=run, resume=True, settings={"epochs": 1})
    assert caught.value.diagnostics[0].code == "E953"
    assert "the space" in caught.value.diagnostics[0].message
    with pytest.raises(NascError) as caught:
        Study(MNIST1D, store=run, resume=True, settings={"epochs": 2})
    assert "epochs (1 then, 2 now)" in caught.value.diagnostics[0].message
    with Study(MNIST1D, store=run, resume=True, force=True, settings={"epochs": 2}) as study:
        study.optimize(objective, budget=3)
        assert len(study.trials) == 3
    with Study(MNIST1D, store=run, resume=True, settings={"epochs": 2}) as study:
        assert len(study.trials) == 3  # the forced settings are the run's settings now


def test_a_used_up_space_ends_the_search() -> None:
    study = Study(SPACES / "tiny.nas")
    study.optimize(objective, budget=10)
    assert len(study.trials) == 4
    with pytest.raises(NascError) as caught:
        study.ask()
    assert caught.value.diagnostics[0].code == "E962"
