from llm_backends.cli import main


def test_cli_fills_workspaces_and_reports_usage(make_workspace, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("LLM_BACKEND", "scripted")
    ws1, ws2 = make_workspace({"a.py": "TODO"}), make_workspace({"b.py": "TODO"})
    code = main([str(ws1), str(ws2), "-i", "say hi", "--cache-dir", str(tmp_path / "c")])
    out = capsys.readouterr().out
    assert code == 0
    assert (ws1 / "a.py").read_text() == "# a.py: say hi\n"
    assert (ws2 / "b.py").read_text() == "# b.py: say hi\n"
    assert out.count("ok     ") == 2 and "usage: Usage(calls=2" in out


def test_cli_exits_1_when_a_task_fails(make_workspace, tmp_path, capsys):
    ws = make_workspace({"a.py": "TODO"})
    code = main([str(ws), "-i", "x", "-b", "scripted", "-f", "../escape.py", "--no-cache"])
    assert code == 1
    out = capsys.readouterr().out
    assert "FAILED" in out and "WorkspaceEscapeError" in out


def test_help_names_defaults_and_exit_statuses(capsys):
    import pytest

    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])
    out = capsys.readouterr().out
    assert exit_info.value.code == 0
    assert "exit status: 0" in out and "(default 120)" in out and "(default 5)" in out


def test_cli_rejects_a_negative_retry_count_with_a_one_line_error(make_workspace, capsys):
    ws = make_workspace({"a.py": "TODO"})
    code = main([str(ws), "-i", "x", "-b", "scripted", "--no-cache", "--retries", "-1"])
    err = capsys.readouterr().err
    assert code == 2
    assert err == "error: BackendConfigError: max_retries must be >= 0, got -1\n"
    assert (ws / "a.py").read_text() == "TODO"
