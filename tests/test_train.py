import json
import os
import subprocess
import sys

import pytest
import torch

from voice.checkpoint import load_model
from voice.config import from_dict, load_recipe
from voice.errors import VoiceError
from voice.training.trainer import TrainConfig, train

from .toy_task import ToyTask


def _config(tmp_path, **overrides) -> TrainConfig:
    base = dict(lr=0.01, epochs=3, warmup_steps=2, eval_every=4, checkpoint_every=2, threads=1,
                run_dir=str(tmp_path / "run"), export_dir=str(tmp_path / "model"))
    return TrainConfig(**{**base, **overrides})


def test_trainer_learns_and_exports_best(tmp_path):
    task = ToyTask()
    before = task.evaluate(task.model)["score"]
    best = train(task, _config(tmp_path, epochs=20))
    assert best["score"] > before / 5
    state, config = load_model(tmp_path / "model")
    assert config["dev"]["score"] == best["score"]
    assert state["0.weight"].shape == (16, 4)
    log = (tmp_path / "run" / "log.jsonl").read_text().splitlines()
    assert len(log) > 20 and '"lr"' in log[0]


def test_default_threads_are_the_cores_the_process_may_run_on(tmp_path):
    allowed, threads = os.sched_getaffinity(0), torch.get_num_threads()
    try:
        os.sched_setaffinity(0, {min(allowed)})  # as under `taskset -c N`
        train(ToyTask(), _config(tmp_path, epochs=1, threads=0))
        assert torch.get_num_threads() == 1
    finally:
        os.sched_setaffinity(0, allowed)
        torch.set_num_threads(threads)


def test_sigterm_checkpoints_and_resume_matches_uninterrupted(tmp_path):
    straight = ToyTask()
    train(straight, _config(tmp_path / "a"))
    interrupted = ToyTask(stop_after=11)
    with pytest.raises(SystemExit) as stopped:
        train(interrupted, _config(tmp_path / "b"))
    assert stopped.value.code == 143
    assert (tmp_path / "b" / "run" / "last.pt").exists()
    resumed = ToyTask()
    train(resumed, _config(tmp_path / "b"), resume=True)
    for key, value in straight.model.state_dict().items():
        assert torch.allclose(value, resumed.model.state_dict()[key], atol=1e-6), key


def test_two_process_ddp_keeps_ranks_identical(tmp_path):
    env = {**os.environ, "PYTHONPATH": os.getcwd(), "OMP_NUM_THREADS": "1"}
    subprocess.run([sys.executable, "-m", "torch.distributed.run", "--nproc-per-node", "2",
                    "--master-port", "29517", "tests/ddp_worker.py", str(tmp_path)],
                   check=True, env=env, timeout=240, capture_output=True)
    ranks = [torch.load(tmp_path / f"rank{r}.pt") for r in (0, 1)]
    for key, value in ranks[0]["trained"].items():
        assert torch.equal(value, ranks[1]["trained"][key]), key
        assert not torch.equal(value, ranks[0]["original"][key]), key


def test_recipe_typos_are_errors(tmp_path):
    recipe = tmp_path / "r.toml"
    recipe.write_text("lr = 0.1\nepochz = 3\n")
    with pytest.raises(VoiceError, match="unknown option.*epochz"):
        load_recipe(recipe, TrainConfig)
    assert from_dict(TrainConfig, {"lr": 0.5}).lr == 0.5


def test_a_recipe_variant_changes_only_what_it_states(tmp_path):
    (tmp_path / "base.toml").write_text("lr = 0.1\nepochs = 3\n")
    (tmp_path / "variant.toml").write_text('base = "base.toml"\nlr = 0.5\n')
    config = load_recipe(tmp_path / "variant.toml", TrainConfig)
    assert (config.lr, config.epochs) == (0.5, 3)
    (tmp_path / "base.toml").write_text('base = "variant.toml"\n')
    with pytest.raises(VoiceError, match="name each other"):
        load_recipe(tmp_path / "variant.toml", TrainConfig)


def test_time_budget_ends_with_an_evaluation_and_export(tmp_path):
    task = ToyTask()
    train(task, _config(tmp_path, epochs=50, eval_every=10_000, max_minutes=1e-6))
    log = (tmp_path / "run" / "log.jsonl").read_text().splitlines()
    assert sum('"eval"' in line for line in log) == 1
    assert '"step": 1,' in log[-1] and (tmp_path / "model" / "model.safetensors").exists()


def test_a_run_cut_by_its_time_budget_still_anneals(tmp_path):
    """The schedule ends at the budget when that comes before the last step: the final steps
    run near the floor of the cosine, not at the rate of mid-schedule."""
    train(ToyTask(), _config(tmp_path, epochs=100_000, eval_every=10_000, warmup_steps=1,
                             checkpoint_every=10_000, max_minutes=0.05, anneal_by_time=True))
    rates = [json.loads(line)["lr"] for line in
             (tmp_path / "run" / "log.jsonl").read_text().splitlines() if '"lr"' in line]
    assert len(rates) > 20 and rates[-1] < 0.1 * max(rates)
    assert all(a >= b for a, b in zip(rates, rates[1:], strict=False))


def test_fine_tuning_starts_from_an_exported_model(tmp_path):
    trained = ToyTask()
    best = train(trained, _config(tmp_path / "a", epochs=20))
    fresh = ToyTask()
    scratch = fresh.evaluate(fresh.model)["score"]
    # one step at a tiny learning rate: the first evaluation shows where training started
    train(fresh, _config(tmp_path / "b", epochs=1, lr=1e-9, eval_every=1,
                         init=str(tmp_path / "a" / "model")))
    first = load_model(tmp_path / "b" / "model")[1]["dev"]["score"]
    assert first > scratch / 5 and first == pytest.approx(best["score"], rel=0.05)
    # a fine-tune that only gets worse leaves the starting model as the export
    train(ToyTask(), _config(tmp_path / "d", epochs=1, lr=10.0, eval_every=1,
                             init=str(tmp_path / "a" / "model")))
    kept = load_model(tmp_path / "d" / "model")[1]["dev"]["score"]
    assert kept == pytest.approx(best["score"], rel=0.05)

    other = ToyTask()
    other.model = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.Tanh(),
                                      torch.nn.Linear(8, 1))
    with pytest.raises(VoiceError, match="init does not fit.*size mismatch"):
        train(other, _config(tmp_path / "c", init=str(tmp_path / "a" / "model")))


def test_weight_average_is_what_is_exported_and_it_survives_resume(tmp_path):
    averaging = dict(ema=0.9, eval_every=24, eval_each_epoch=False)  # one evaluation, at the end
    straight = ToyTask()
    train(straight, _config(tmp_path / "a", **averaging))
    exported = load_model(tmp_path / "a" / "model")[0]
    raw = straight.model.state_dict()  # the export is fp16: 2e-4 apart from the raw weights
    assert not torch.allclose(exported["0.weight"], raw["0.weight"], atol=5e-3)
    scored = ToyTask()
    scored.model.load_state_dict(exported)  # the evaluation was of the exported average
    logged = json.loads((tmp_path / "a" / "run" / "log.jsonl").read_text().splitlines()[-1])
    assert logged["eval"]["score"] == pytest.approx(scored.evaluate(scored.model)["score"],
                                                    rel=1e-2)
    with pytest.raises(SystemExit):
        train(ToyTask(stop_after=11), _config(tmp_path / "b", **averaging))
    train(ToyTask(), _config(tmp_path / "b", **averaging), resume=True)
    for key, value in load_model(tmp_path / "b" / "model")[0].items():
        assert torch.allclose(value, exported[key], atol=1e-6), key


def test_an_average_turned_on_at_resume_starts_from_the_resumed_weights(tmp_path):
    # stopped after the 8th (last) batch of epoch 0: the end-of-epoch evaluation comes first
    with pytest.raises(SystemExit):
        train(ToyTask(stop_after=7), _config(tmp_path, eval_every=5))
    resumed = ToyTask()
    resumed.model.load_state_dict(torch.load(tmp_path / "run" / "last.pt")["model"])
    expected = resumed.evaluate(resumed.model)["score"]
    train(ToyTask(), _config(tmp_path, eval_every=5, ema=0.9), resume=True)
    log = [json.loads(line) for line in (tmp_path / "run" / "log.jsonl").read_text().splitlines()]
    first = [r["eval"]["score"] for r in log if "eval" in r and r["step"] == 8]  # after resuming
    assert first == [pytest.approx(expected)]


def test_a_weight_average_decay_of_one_or_more_is_an_error(tmp_path):
    with pytest.raises(VoiceError, match="ema must be"):
        train(ToyTask(), _config(tmp_path, ema=1.0))


def test_cut_batches_keeps_order_and_the_padded_budget():
    from voice.training.trainer import cut_batches

    sizes = [1, 2, 2, 3, 5, 5, 9, 12]
    batches = cut_batches(sizes, lambda s: s, budget=10)
    assert [s for batch in batches for s in batch] == sizes  # nothing lost, nothing reordered
    assert all(len(b) * max(b) <= 10 for b in batches if len(b) > 1)
    assert batches == [[1, 2, 2], [3, 5], [5], [9], [12]]  # an item over budget rides alone


def test_every_task_is_built_one_way_and_every_recipe_names_its_manifests():
    import inspect
    from pathlib import Path

    from voice.training.tasks import TASKS

    for entry in TASKS.values():
        recipe_class, task_class = entry.classes()
        assert list(inspect.signature(task_class).parameters) == ["recipe", "resume"]
        for path in sorted(Path("recipes").rglob(f"{entry.module.split('.')[1]}-*.toml")):
            manifests = load_recipe(path, recipe_class).manifests()
            assert manifests and all(m.endswith(".jsonl") for m in manifests), path


def test_an_asr_recipe_without_dev_sets_is_refused_before_training(tmp_path):
    recipe = tmp_path / "bad.toml"
    recipe.write_text('[data]\ntrain = ["a.jsonl", "b.jsonl"]\nrepeat = [1]\n')
    result = subprocess.run([sys.executable, "-m", "voice", "train", "asr", "--recipe",
                             str(recipe)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert f"{recipe}: [data] needs dev manifests" in result.stderr


def test_a_model_lr_scales_slow_down_only_the_parameters_they_name(tmp_path):
    """Pretrained blocks tuned at a fraction of the rate (the encoder recogniser's
    `tune_lr`): a scale of zero leaves them exactly as they were, the rest still learns."""
    task = ToyTask()
    task.model.lr_scales = {"0.": 0.0}
    first = {k: v.clone() for k, v in task.model.state_dict().items()}
    train(task, _config(tmp_path, epochs=2, weight_decay=0.0))
    state = task.model.state_dict()
    assert torch.equal(state["0.weight"], first["0.weight"])
    assert torch.equal(state["0.bias"], first["0.bias"])
    assert not torch.equal(state["2.weight"], first["2.weight"])
