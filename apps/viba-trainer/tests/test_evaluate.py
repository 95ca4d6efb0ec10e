"""`viba-train evaluate`: translations from a saved experience, scores, and clear errors."""

import shutil

import pytest

from viba_trainer.cli import main
from viba_trainer.dataset import load_pairs
from viba_trainer.evaluation import evaluate_files

PAIRS = ["seq", "guard"]


@pytest.fixture(scope="module")
def trained_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("run") / "viba"
    argv = ["--backend", "scripted", "--quiet", "--iterations", "1", "--output-dir", str(out)]
    assert main([*argv, "--pairs", *PAIRS]) == 0
    return out


@pytest.fixture
def sources(tmp_path):
    """The pairs' Python files and reference Viba files, written to disk."""
    files, references = [], []
    for pair in load_pairs(PAIRS):
        (tmp_path / f"{pair.name}.py").write_text(pair.python)
        (tmp_path / f"{pair.name}.ref.viba").write_text(pair.viba)
        files.append(tmp_path / f"{pair.name}.py")
        references.append(tmp_path / f"{pair.name}.ref.viba")
    return files, references


def evaluate(run, files, *extra):
    argv = ["evaluate", "--backend", "scripted", "--quiet", "--experience", str(run)]
    return main([*argv, *map(str, files), *extra])


def test_learned_experience_translates_its_pairs_exactly(trained_run, sources):
    files, references = sources
    report = evaluate_files(trained_run, files, references=references, backend="scripted")
    assert [r.loss for r in report.results] == [0.0, 0.0]
    assert report.mean_loss == 0.0 and report.valid_share == 1.0
    assert report.experience.name == "experience"


def test_evaluate_accepts_a_checkpoint_directory_and_writes_translations(
    trained_run, sources, tmp_path, capsys
):
    files, references = sources
    checkpoint = trained_run / "checkpoints" / "step-0001"
    out = tmp_path / "translations"
    code = evaluate(
        checkpoint, files, "--references", *map(str, references), "--output-dir", str(out)
    )
    assert code == 0
    printed = capsys.readouterr().out
    assert "mean loss: 0.0000" in printed and "strictly valid Viba: 100% of 2 files" in printed
    assert (out / "seq.viba").read_text() == load_pairs(["seq"])[0].viba


def test_unseen_python_is_translated_unit_by_unit_in_its_own_names(trained_run, tmp_path):
    # A variant of seq with other names and strings: canonically the same units, so the
    # learned rows answer every one (exact recall), and the names come back.
    source = tmp_path / "salute.py"
    source.write_text(
        'def salute(who: str) -> str:\n    start = "Hi"\n    text = start + " and " + who + "?"\n'
        "    return text\n"
    )
    (result,) = evaluate_files(trained_run, [source], backend="scripted").results
    assert result.loss is None  # no reference given
    assert result.translation == (
        'salute :=\n    $text str\n    <- $who str\n    $start str = "Hi"\n'
        '    $text = $start + " and " + $who + "?"\n    <- $text\n'
    )
    assert result.syntax_error is None


def test_evaluate_split_scores_a_dataset_split(trained_run):
    report = evaluate_files(trained_run, [], split="validation", backend="scripted")
    assert [r.source.name for r in report.results][:2] == ["seq_3.py", "branch_3.py"]
    assert all(r.loss is not None for r in report.results)
    assert report.llm_calls > 0 and 0 <= report.exact_share <= 1


def test_python_that_does_not_parse_is_rejected_before_any_work(trained_run, tmp_path, capsys):
    broken = tmp_path / "broken.py"
    broken.write_text("def f(:\n    pass\n")
    out = tmp_path / "translations"
    assert evaluate(trained_run, [broken], "--output-dir", str(out)) == 1
    err = capsys.readouterr().err
    assert f"{broken}:1:" in err and "not valid Python" in err
    assert not out.exists()


@pytest.mark.parametrize("make_dir", ["missing", "garbage", "empty-run", "binary-element"])
def test_unreadable_experience_directory_is_a_clear_error(
    make_dir, trained_run, tmp_path, sources, capsys
):
    experience = tmp_path / make_dir
    if make_dir == "garbage":
        experience.mkdir()
        (experience / "shape").write_text("not json")
    elif make_dir == "empty-run":
        (experience / "checkpoints").mkdir(parents=True)
    elif make_dir == "binary-element":
        shutil.copytree(trained_run / "checkpoints" / "step-0001" / "experience", experience)
        element = next((experience / "storage").rglob("data"))
        element.write_bytes(b"\xff\xfe not text")
    files, _ = sources
    out = tmp_path / "translations"
    assert evaluate(experience, files, "--output-dir", str(out)) == 1
    err = capsys.readouterr().err
    assert err.startswith("viba-train: error: ") and err.count("\n") == 1
    assert str(experience) in err and "Traceback" not in err
    assert not out.exists()


def test_reference_count_must_match_the_files(trained_run, sources, capsys):
    files, references = sources
    assert evaluate(trained_run, files, "--references", str(references[0])) == 2  # bad usage
    assert "2 files" in capsys.readouterr().err


def test_missing_python_file_is_a_clear_error(trained_run, tmp_path, capsys):
    assert evaluate(trained_run, [tmp_path / "nope.py"]) == 1
    assert "cannot read Python file" in capsys.readouterr().err


def test_an_experience_directory_without_read_permission_is_a_clear_error(
    trained_run, tmp_path, sources, monkeypatch, capsys
):
    # chmod 000 does not stop root (CI runs as root), so the copy is made to fail as it would
    def denied(source, destination, **kwargs):
        raise PermissionError(13, "Permission denied", str(source / "storage"))

    monkeypatch.setattr("viba_trainer.evaluation.shutil.copytree", denied)
    files, _ = sources
    out = tmp_path / "translations"
    assert evaluate(trained_run, files, "--output-dir", str(out)) == 1
    err = capsys.readouterr().err
    assert err.startswith("viba-train: error: cannot load the experience in ")
    assert "Permission denied" in err and err.count("\n") == 1
    assert not out.exists()


@pytest.mark.parametrize("top_k", ["0", "-1"])
def test_top_k_below_one_is_a_clear_error(top_k, trained_run, sources, tmp_path, capsys):
    files, _ = sources
    out = tmp_path / "translations"
    assert (
        evaluate(trained_run, files, "--top-k", top_k, "--output-dir", str(out)) == 2
    )  # bad usage
    assert f"--top-k must be at least 1, got {top_k}" in capsys.readouterr().err
    assert not out.exists()


@pytest.mark.parametrize("where", ["a-file", "a-file/sub"])
def test_an_output_dir_that_cannot_be_a_directory_is_refused_before_any_llm_work(
    where, trained_run, sources, tmp_path, monkeypatch, capsys
):
    def no_llm(*args, **kwargs):
        raise AssertionError("the output directory should be refused before the LLM is set up")

    monkeypatch.setattr("viba_trainer.evaluation.make_handler", no_llm)
    (tmp_path / "a-file").write_text("not a directory")
    files, _ = sources
    assert evaluate(trained_run, files, "--output-dir", str(tmp_path / where)) == 1
    err = capsys.readouterr().err
    assert err.startswith("viba-train: error: ") and err.count("\n") == 1
    assert "a-file" in err and "Traceback" not in err
    assert (tmp_path / "a-file").read_text() == "not a directory"


def test_a_module_of_several_functions_is_translated_function_by_function(trained_run, tmp_path):
    seq, guard = load_pairs(["seq", "guard"])
    source = tmp_path / "module.py"
    source.write_text(f"import math\n\n{seq.python}\n\nclass Unused:\n    pass\n\n{guard.python}")
    (result,) = evaluate_files(trained_run, [source], backend="scripted").results
    assert result.translation == f"{seq.viba}\n{guard.viba}"
    assert result.syntax_error is None
