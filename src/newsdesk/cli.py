"""The ``newsdesk`` command.

Exit codes: 0 — everything processed; 1 — the run finished but some inputs were rejected (each is
named on its own line); 2 — the command line is wrong; 3 — the run could not go on (store, model
or output error).
"""

from __future__ import annotations

import argparse
import importlib
import json
import logging
import pkgutil
import sys
from pathlib import Path
from typing import Sequence

from . import __version__
from .errors import NewsdeskError, OptionsError

EXIT_OK, EXIT_REJECTIONS, EXIT_USAGE, EXIT_FATAL = 0, 1, 2, 3

log = logging.getLogger("newsdesk")


def _console(stderr: bool = False):
    from rich.console import Console

    return Console(stderr=stderr, highlight=False, soft_wrap=True)


def _add_store_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("store")
    group.add_argument("--db", default="newsdesk.db", metavar="PATH", help="SQLite store file (default: ./newsdesk.db)")


def _add_input_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("input")
    group.add_argument("paths", nargs="+", metavar="PATH", help="files or folders (.txt, .html, .jsonl[.gz]; folders are read recursively)")
    group.add_argument(
        "--max-document-mb", type=float, default=20.0, metavar="MB",
        help="largest single document (file or JSONL record) accepted, in MiB (default: 20)",
    )
    group.add_argument("--date", metavar="YYYY-MM-DD", help="publication date of every input of this run not yet stored (outranks the pages, records and sidecars)")
    group.add_argument("--outlet", metavar="NAME", help="outlet of every input of this run not yet stored (outranks the pages, records and sidecars)")


def _add_output_options(parser: argparse.ArgumentParser) -> None:
    from .analysis import STAGES

    group = parser.add_argument_group("output")
    group.add_argument("--out", default="out", metavar="DIR", help="folder for analysis.json, report.md, report.html (default: ./out)")
    group.add_argument(
        "--stages", default="all", metavar="LIST",
        help=f"analysis stages to run, comma-separated, 'all' or 'none' (stages, in order: {', '.join(s.NAME for s in STAGES)})",
    )


def _add_logging_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("logging")
    group.add_argument("-v", "--verbose", action="count", default=0, help="more log output (-vv for debug)")
    group.add_argument("-q", "--quiet", action="store_true", help="only errors")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="newsdesk",
        description="Raw news coverage in, a sourced brief out.",
        epilog="Exit codes: 0 ok; 1 some inputs rejected; 2 usage error; 3 fatal error.",
    )
    parser.add_argument("--version", action="version", version=f"newsdesk {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    ingest = commands.add_parser("ingest", help="add files and folders to the store")
    _add_input_options(ingest)
    _add_store_options(ingest)
    _add_logging_options(ingest)

    analyze = commands.add_parser("analyze", help="ingest, analyse the store and write the brief (analysis.json, report.md, report.html)")
    _add_input_options(analyze)
    _add_store_options(analyze)
    _add_output_options(analyze)
    _add_logging_options(analyze)

    report = commands.add_parser("report", help="write the brief of what is already in the store")
    _add_store_options(report)
    _add_output_options(report)
    _add_logging_options(report)

    serve = commands.add_parser("serve", help="browse the store in a local web UI with a JSON API")
    _add_store_options(serve)
    group = serve.add_argument_group("server")
    group.add_argument("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1, this machine only)")
    group.add_argument("--port", type=int, default=8765, help="port (default: 8765)")
    _add_logging_options(serve)

    bench = commands.add_parser("bench", help="run a benchmark (see `newsdesk bench --help`)")
    _add_plugin_commands(bench, "bench")
    train = commands.add_parser("train", help="train a bundled model (see `newsdesk train --help`)")
    _add_plugin_commands(train, "training")
    return parser


def _plugin_modules(package: str) -> dict[str, object]:
    try:
        pkg = importlib.import_module(f"newsdesk.{package}")
    except ImportError:
        return {}
    modules = {}
    for info in pkgutil.iter_modules(pkg.__path__):
        if info.name.startswith("_"):
            continue
        try:
            module = importlib.import_module(f"newsdesk.{package}.{info.name}")
        except Exception as exc:  # one broken plugin must not take the whole command down
            log.warning("newsdesk %s %s is unavailable: %s", package, info.name, exc)
            continue
        if hasattr(module, "run") and hasattr(module, "add_arguments"):
            modules[info.name] = module
    return modules


def _add_plugin_commands(parser: argparse.ArgumentParser, package: str) -> None:
    sub = parser.add_subparsers(dest="plugin", metavar="NAME", required=True)
    for name, module in sorted(_plugin_modules(package).items()):
        text = getattr(module, "HELP", "").replace("%", "%%")  # argparse formats help with %
        child = sub.add_parser(name, help=text, description=text or None)
        module.add_arguments(child)
        child.add_argument("--json", metavar="OUT.json", help="also write the figures as JSON")
        _add_logging_options(child)
        child.set_defaults(plugin_module=module)


def _setup_logging(args: argparse.Namespace) -> None:
    from rich.logging import RichHandler

    level = logging.ERROR if getattr(args, "quiet", False) else (
        logging.WARNING, logging.INFO, logging.DEBUG
    )[min(getattr(args, "verbose", 0), 2)]
    logging.basicConfig(
        level=level, format="%(message)s", handlers=[RichHandler(console=_console(stderr=True), show_path=False)]
    )
    for noisy in ("sentence_transformers", "transformers", "trafilatura", "htmldate", "urllib3", "filelock"):
        logging.getLogger(noisy).setLevel(max(level, logging.WARNING))


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    _setup_logging(args)
    try:
        if args.command in ("ingest", "analyze"):
            return _run_pipeline(args)
        if args.command == "report":
            return _run_report(args)
        if args.command == "serve":
            return _run_serve(args)
        return _run_plugin(args)
    except OptionsError as exc:
        _console(stderr=True).print(f"usage error: {exc}", markup=False)
        return EXIT_USAGE
    except NewsdeskError as exc:
        _console(stderr=True).print(f"error: {exc}", markup=False)
        return EXIT_FATAL
    except KeyboardInterrupt:
        _console(stderr=True).print("interrupted; rerun the same command to finish (nothing stored is lost)")
        return 130


def _pipeline_options(args: argparse.Namespace):
    from .analysis import STAGE_NAMES, AnalysisOptions
    from .ingest import IngestOptions
    from .options import PipelineOptions

    stages = getattr(args, "stages", "all")
    chosen = STAGE_NAMES if stages == "all" else frozenset() if stages == "none" else frozenset(
        s.strip() for s in stages.split(",") if s.strip()
    )
    max_mb = getattr(args, "max_document_mb", 20.0)
    ingest = IngestOptions(
        max_document_bytes=int(max_mb * 1024 * 1024), date=getattr(args, "date", None), outlet=getattr(args, "outlet", None)
    )
    return PipelineOptions(ingest=ingest, analysis=AnalysisOptions(stages=chosen))


def _run_pipeline(args: argparse.Namespace) -> int:
    from rich.markup import escape
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from . import pipeline
    from .store import open_store

    err = _console(stderr=True)
    options = _pipeline_options(args)
    with open_store(args.db) as store, Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
        console=err, transient=True, disable=args.quiet,
    ) as bar:
        task = bar.add_task("extracting", total=None)

        def progress(done: int, total: int, what: str) -> None:
            phase = "analysing" if what.startswith(pipeline.ANALYSING) else "extracting"
            bar.update(task, description=phase, completed=done, total=total)

        document = None
        if args.command == "analyze":
            analyzed = pipeline.analyze(args.paths, store=store, options=options, progress=progress)
            run, document = analyzed.run, analyzed.document
        else:
            run = pipeline.ingest(args.paths, store=store, options=options, progress=progress)
    for rejection in run.rejections:
        err.print(f"rejected: {escape(rejection.label())}: {escape(rejection.reason)} [{rejection.code}]")
    _print_stage_errors(document, err)
    out = _console()
    out.print(
        f"{run.files} files, {run.documents} documents: {run.new_articles} new articles, "
        f"{run.already_stored} already stored, {len(run.rejections)} rejected; "
        f"store {escape(args.db)}: {run.copies} merged copies, {run.stories} stories"
    )
    if document is not None:
        _write_outputs(document, Path(args.out), out)
    return EXIT_REJECTIONS if run.failed else EXIT_OK


def _run_report(args: argparse.Namespace) -> int:
    from . import pipeline
    from .store import open_store

    if not Path(args.db).exists():
        raise NewsdeskError(f"no store at {args.db!r}", hint="run `newsdesk analyze PATH…` first, or pass --db")
    options = _pipeline_options(args)
    with open_store(args.db) as store:
        document = pipeline.analysis_document(store, options=options)
    _print_stage_errors(document, _console(stderr=True))
    _write_outputs(document, Path(args.out), _console())
    return EXIT_OK


def _run_serve(args: argparse.Namespace) -> int:
    from .serve import run

    if not Path(args.db).exists():
        raise NewsdeskError(f"no store at {args.db!r}", hint="run `newsdesk analyze PATH…` first, or pass --db")
    run(args.db, host=args.host, port=args.port)
    return EXIT_OK


def _print_stage_errors(document, console) -> None:
    """One line per analysis stage that failed on a story (the brief is written without it)."""
    from rich.markup import escape

    for error in (document or {}).get("stage_errors", []):
        console.print(
            f"analysis: {escape(error['stage'])} failed on {escape(error['story'])}: "
            f"{escape(error['message'])} [{error['code']}]"
        )


def _write_outputs(analysis, out_dir: Path, console) -> None:
    from rich.markup import escape

    from .report import write_outputs

    for path in write_outputs(analysis, out_dir):
        console.print(f"wrote {escape(str(path))}")


def _run_plugin(args: argparse.Namespace) -> int:
    from rich.markup import escape
    from rich.table import Table

    report = args.plugin_module.run(args)
    out = _console()
    out.print(f"[bold]{escape(report.name)}[/] on {escape(report.dataset)}")
    for table in report.tables:
        grid = Table(title=table.title, title_justify="left")
        for column in table.columns:
            grid.add_column(column, justify="left" if column == table.columns[0] else "right")
        for row in table.rows:
            grid.add_row(*(_cell(row.get(column)) for column in table.columns))
        out.print(grid)
    for note in report.notes:
        out.print(escape(note))
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(report.to_json(), indent=2), encoding="utf-8")
    return EXIT_OK


def _cell(value) -> str:
    from rich.markup import escape

    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.4f}" if abs(value) < 10 else f"{value:.1f}"
    return escape(str(value))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
