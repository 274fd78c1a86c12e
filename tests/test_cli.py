"""CLI: exit codes, one line per rejected file, the closing summary, and the output paths."""

from __future__ import annotations

import json
import subprocess
import sys

from newsdesk.cli import EXIT_FATAL, EXIT_OK, EXIT_REJECTIONS, main


def test_analyze_writes_the_brief_and_says_where(tmp_path, examples_dir, capsys):
    code = main(["analyze", str(examples_dir), "--db", str(tmp_path / "n.db"), "--out", str(tmp_path / "out"), "-q"])
    out = capsys.readouterr().out
    assert code == EXIT_OK
    for name in ("analysis.json", "report.md", "report.html"):
        assert (tmp_path / "out" / name).exists()
        assert name in out
    assert "5 files" in out and "1 merged copies" in out


def test_rejected_inputs_are_named_and_set_the_exit_code(tmp_path, examples_dir, capsys):
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "blob.html").write_bytes(b"\x00\x01\x02" * 100)
    (tmp_path / "good.txt").write_text(
        (examples_dir / "003_f475c32dab00f800.txt").read_text(encoding="utf-8"), encoding="utf-8"
    )
    code = main(["ingest", str(tmp_path), "--db", str(tmp_path / "n.db"), "-q"])
    captured = capsys.readouterr()
    assert code == EXIT_REJECTIONS
    assert "empty.txt" in captured.err and "blob.html" in captured.err
    assert "1 new articles" in captured.out and "2 rejected" in captured.out


def test_store_that_cannot_be_opened_is_a_fatal_error(tmp_path, examples_dir, capsys):
    bad = tmp_path / "not-a-db.db"
    bad.write_text("hello, I am not SQLite" * 100)
    code = main(["ingest", str(examples_dir), "--db", str(bad), "-q"])
    assert code == EXIT_FATAL
    assert "cannot be opened" in capsys.readouterr().err


def test_usage_error_exits_2():
    result = subprocess.run([sys.executable, "-m", "newsdesk.cli", "analyze"], capture_output=True, text=True)
    assert result.returncode == 2


def test_report_rewrites_the_brief_from_the_store(tmp_path, examples_dir, capsys):
    db = str(tmp_path / "n.db")
    assert main(["ingest", str(examples_dir), "--db", db, "-q"]) == EXIT_OK
    assert main(["report", "--db", db, "--out", str(tmp_path / "out"), "-q"]) == EXIT_OK
    document = json.loads((tmp_path / "out" / "analysis.json").read_text(encoding="utf-8"))
    assert len(document["articles"]) == 5


def test_analyze_and_report_reuse_the_saved_analysis_when_nothing_changed(tmp_path, examples_dir, capsys, monkeypatch):
    from newsdesk import pipeline

    db, seed = str(tmp_path / "n.db"), str(examples_dir / "003_f475c32dab00f800.txt")
    assert main(["analyze", seed, "--db", db, "--out", str(tmp_path / "first"), "-q"]) == EXIT_OK
    first = json.loads((tmp_path / "first" / "analysis.json").read_text(encoding="utf-8"))

    def must_not_rebuild(*args, **kwargs):
        raise AssertionError("nothing changed: the saved analysis should be reused")

    monkeypatch.setattr(pipeline, "build_analysis", must_not_rebuild)
    assert main(["analyze", seed, "--db", db, "--out", str(tmp_path / "again"), "-q"]) == EXIT_OK
    assert main(["report", "--db", db, "--out", str(tmp_path / "report"), "-q"]) == EXIT_OK
    again = json.loads((tmp_path / "again" / "analysis.json").read_text(encoding="utf-8"))
    report = json.loads((tmp_path / "report" / "analysis.json").read_text(encoding="utf-8"))
    assert again["run"]["already_stored"] == 1 and again["run"]["new_articles"] == 0
    assert {**again, "run": None} == {**first, "run": None} == report
