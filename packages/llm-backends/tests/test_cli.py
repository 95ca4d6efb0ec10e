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
