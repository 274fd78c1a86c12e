"""The ``newsdesk`` command.

Exit codes: 0 — everything processed; 1 — the run finished but some inputs were rejected (each is
named on its own line); 2 — the command line is wrong; 3 — the run could not go on (store, model
or output error: the message says what and how to fix it); 4 — internal error, a bug in newsdesk
(a one-line message names the file its traceback was written to; never a bare traceback).
"""

from __future__ import annotations

import argparse
import importlib
import json
import logging
import pkgutil
import sys
from contextlib import nullcontext
from pathlib import Path
from typing import Sequence

from . import __version__
from .errors import NewsdeskError, OptionsError

EXIT_OK, EXIT_REJECTIONS, EXIT_USAGE, EXIT_FATAL, EXIT_INTERNAL = 0, 1, 2, 3, 4

EXIT_CODES_HELP = (
    "Exit codes: 0 ok; 1 some inputs rejected (each named on stderr); 2 usage error; "
    "3 fatal error (store, model or output: the message says how to fix it); "
    "4 internal error (a bug: the message names the file holding the traceback)."
)

log = logging.getLogger("newsdesk")


def _console(stderr: bool = False):
    from rich.console import Console

    return Console(stderr=stderr, highlight=False, soft_wrap=True)


def _add_store_options(parser: argparse.ArgumentParser, *, writes: bool = False) -> None:
    from .store import DEFAULT_LOCK_TIMEOUT

    group = parser.add_argument_group("store")
    group.add_argument("--db", default="newsdesk.db", metavar="PATH", help="SQLite store file (default: ./newsdesk.db)")
    if writes:
        group.add_argument(
            "--lock-timeout",
            type=float,
            default=DEFAULT_LOCK_TIMEOUT,
            metavar="SECONDS",
            help=f"when another newsdesk process is writing the store, wait this long for it, then give up "
            f"(default: {DEFAULT_LOCK_TIMEOUT:g}; 0 = do not wait)",
        )


def _add_input_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("input")
    group.add_argument(
        "paths",
        nargs="+",
        metavar="PATH",
        help="files or folders (.txt, .html, .jsonl[.gz]; folders are read recursively)",
    )
    group.add_argument(
        "--max-document-mb",
        type=float,
        default=20.0,
        metavar="MB",
        help="largest single document (file or JSONL record) accepted, in MiB (default: 20)",
    )
    group.add_argument(
        "--date",
        metavar="YYYY-MM-DD",
        help="publication date of every input of this run not yet stored (outranks the pages, records and sidecars)",
    )
    group.add_argument(
        "--outlet",
        metavar="NAME",
        help="outlet of every input of this run not yet stored (outranks the pages, records and sidecars)",
    )


def _add_output_options(parser: argparse.ArgumentParser) -> None:
    from .analysis import STAGES

    group = parser.add_argument_group("output")
    group.add_argument(
        "--out", default="out", metavar="DIR", help="folder for analysis.json, report.md, report.html (default: ./out)"
    )
    group.add_argument(
        "--stages",
        default="all",
        metavar="LIST",
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
        epilog=EXIT_CODES_HELP,
    )
    parser.add_argument("--version", action="version", version=f"newsdesk {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    ingest = commands.add_parser("ingest", help="add files and folders to the store", epilog=EXIT_CODES_HELP)
    _add_input_options(ingest)
    _add_store_options(ingest, writes=True)
    _add_logging_options(ingest)

    analyze = commands.add_parser(
        "analyze",
        help="ingest, analyse the store and write the brief (analysis.json, report.md, report.html)",
        epilog=EXIT_CODES_HELP,
    )
    _add_input_options(analyze)
    _add_store_options(analyze, writes=True)
    _add_output_options(analyze)
    group = analyze.add_argument_group("performance")
    group.add_argument(
        "--profile",
        action="store_true",
        help="print where the analysis time went (also in analysis.json's run.analysis)",
    )
    group.add_argument(
        "--scheduler",
        metavar="ADDRESS|local:N",
        help="analyse the stories as Dask tasks: a scheduler address (tcp://HOST:8786) or local:N worker processes",
    )
    _add_logging_options(analyze)

    report = commands.add_parser(
        "report",
        help="write the brief of what is already in the store (a read-only store is fine)",
        epilog=EXIT_CODES_HELP,
    )
    _add_store_options(report)
    _add_output_options(report)
    _add_logging_options(report)

    serve = commands.add_parser(
        "serve", help="browse the store in a local web UI with a JSON API (read-only)", epilog=EXIT_CODES_HELP
    )
    _add_store_options(serve)
    group = serve.add_argument_group("server")
    group.add_argument("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1, this machine only)")
    group.add_argument("--port", type=int, default=8765, help="port (default: 8765)")
    group.add_argument(
        "--allow-host",
        action="append",
        default=[],
        metavar="NAME",
        help="also answer requests for this host name (repeatable); by default only the bound address "
        "(and localhost) is accepted in the Host header, which stops DNS-rebinding attacks",
    )
    _add_logging_options(serve)

    doctor = commands.add_parser(
        "doctor",
        help="check the store (SQLite integrity, indexes) and, with --repair, rebuild it from its stored documents",
        epilog="Exit codes: 0 the store is sound (or was repaired); 3 it is damaged or inconsistent; 4 internal error.",
    )
    _add_store_options(doctor, writes=True)
    doctor.add_argument(
        "--repair",
        action="store_true",
        help="rebuild the store from its readable documents into a fresh file (articles, copies, stories and "
        "indexes recomputed); the old file is kept beside it as PATH.damaged-…",
    )
    _add_logging_options(doctor)

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

    level = (
        logging.ERROR
        if getattr(args, "quiet", False)
        else (logging.WARNING, logging.INFO, logging.DEBUG)[min(getattr(args, "verbose", 0), 2)]
    )
    handler = RichHandler(console=_console(stderr=True), show_path=False)
    handler.addFilter(_TracebacksToFile())
    logging.basicConfig(level=level, format="%(message)s", handlers=[handler])
    for noisy in ("sentence_transformers", "transformers", "trafilatura", "htmldate", "urllib3", "filelock"):
        logging.getLogger(noisy).setLevel(max(level, logging.WARNING))


# -- internal errors: one short line on the console, the traceback in a file ----------------------

_crash_log: Path | None = None


def crash_log_path() -> Path:
    """Where this process writes tracebacks: ``$NEWSDESK_LOG_DIR``, else ``$XDG_STATE_HOME/newsdesk``
    (``~/.local/state/newsdesk``), else the temporary folder; one file per process."""
    global _crash_log
    if _crash_log is None:
        import os
        import tempfile
        import time

        name = f"newsdesk-crash-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}.log"
        state = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
        candidates = [os.environ.get("NEWSDESK_LOG_DIR"), str(Path(state) / "newsdesk"), tempfile.gettempdir()]
        for folder in filter(None, candidates):
            try:
                Path(folder).mkdir(parents=True, exist_ok=True)
                path = Path(folder) / name
                path.touch()
                _crash_log = path
                break
            except OSError:
                continue
        else:
            _crash_log = Path(tempfile.gettempdir()) / name
    return _crash_log


def _log_traceback(exc_info, context: str) -> Path | None:
    """Append a traceback to this process's crash log; None when even that cannot be written."""
    import traceback

    path = crash_log_path()
    try:
        with open(path, "a", encoding="utf-8", errors="backslashreplace") as handle:
            handle.write(f"newsdesk {__version__}: {' '.join(sys.argv)}\n{context}\n")
            handle.write("".join(traceback.format_exception(*exc_info)))
            handle.write("\n")
        return path
    except OSError:
        return None


class _TracebacksToFile(logging.Filter):
    """Tracebacks logged by the library go to the crash log; the console gets the message and where."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and record.exc_info[0] is not None:
            from .ingest import printable

            message = printable(record.getMessage())
            path = _log_traceback(record.exc_info, message)
            record.msg = f"{message} ({record.exc_info[0].__name__}: traceback in {path})" if path else message
            record.args = None
            record.exc_info = None
            record.exc_text = None
        return True


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    _setup_logging(args)
    err = _console(stderr=True)
    try:
        if args.command in ("ingest", "analyze"):
            return _run_pipeline(args)
        if args.command == "report":
            return _run_report(args)
        if args.command == "serve":
            return _run_serve(args)
        if args.command == "doctor":
            return _run_doctor(args)
        return _run_plugin(args)
    except OptionsError as exc:
        err.print(f"usage error: {exc}", markup=False)
        return EXIT_USAGE
    except NewsdeskError as exc:
        err.print(f"error: {exc}", markup=False)
        return EXIT_FATAL
    except KeyboardInterrupt:
        err.print("interrupted; rerun the same command to finish (nothing stored is lost)")
        return 130
    except BrokenPipeError:  # the reader of our output went away (`newsdesk … | head`)
        return EXIT_OK
    except MemoryError:
        err.print("error: out of memory (lower --max-document-mb, or close other programs and rerun)", markup=False)
        return EXIT_FATAL
    except OSError as exc:
        import errno

        if exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EROFS):
            err.print(f"error: {exc.strerror}: {exc.filename or ''} (free some space and rerun)", markup=False)
            return EXIT_FATAL
        return _internal_error(exc, err)
    except Exception as exc:  # a bug: a short message and where the traceback is, never a bare traceback
        return _internal_error(exc, err)


def _internal_error(exc: BaseException, err) -> int:
    from .ingest import printable

    path = _log_traceback((type(exc), exc, exc.__traceback__), "internal error")
    where = f"the traceback is in {path}" if path else "the traceback could not be written"
    err.print(
        f"internal error: {type(exc).__name__}: {printable(str(exc))[:300]}\n"
        f"This is a bug in newsdesk; {where}. Please report it with that file. "
        "Nothing stored is lost: rerun the same command once it is fixed.",
        markup=False,
    )
    return EXIT_INTERNAL


def _pipeline_options(args: argparse.Namespace):
    from .analysis import STAGE_NAMES, AnalysisOptions
    from .ingest import IngestOptions
    from .options import PipelineOptions

    stages = getattr(args, "stages", "all")
    chosen = (
        STAGE_NAMES
        if stages == "all"
        else frozenset()
        if stages == "none"
        else frozenset(s.strip() for s in stages.split(",") if s.strip())
    )
    max_mb = getattr(args, "max_document_mb", 20.0)
    ingest = IngestOptions(
        max_document_bytes=int(max_mb * 1024 * 1024),
        date=getattr(args, "date", None),
        outlet=getattr(args, "outlet", None),
    )
    return PipelineOptions(ingest=ingest, analysis=AnalysisOptions(stages=chosen))


def _run_pipeline(args: argparse.Namespace) -> int:
    from rich.markup import escape
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from . import pipeline
    from .errors import InternalReadError
    from .ingest import display_path, printable
    from .store import open_store

    err = _console(stderr=True)
    options = _pipeline_options(args)
    with (
        open_store(args.db, lock_timeout=args.lock_timeout) as store,
        Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            console=err,
            transient=True,
            disable=args.quiet,
        ) as bar,
    ):
        task = bar.add_task("extracting", total=None)

        def progress(done: int, total: int, what: str) -> None:
            phase = "analysing" if what.startswith(pipeline.ANALYSING) else "extracting"
            bar.update(task, description=phase, completed=done, total=total)

        document = None
        if args.command == "analyze":
            if args.scheduler:
                from .distributed import parse_scheduler

                parse_scheduler(args.scheduler)  # a wrong address is a usage error before any work
            analyzed = pipeline.analyze(
                args.paths, store=store, options=options, progress=progress, scheduler=args.scheduler
            )
            run, document = analyzed.run, analyzed.document
        else:
            run = pipeline.ingest(args.paths, store=store, options=options, progress=progress)
    for rejection in run.rejections:
        # one line per rejection, whatever the file name holds (a newline cannot forge a second line)
        err.print(
            f"rejected: {escape(display_path(rejection.label()))}: {escape(printable(rejection.reason))} [{rejection.code}]"
        )
    _print_stage_errors(document, err)
    out = _console()
    out.print(
        f"{run.files} files, {run.documents} documents: {run.new_articles} new articles, "
        f"{run.already_stored} already stored, {len(run.rejections)} rejected; "
        f"store {escape(printable(args.db))}: {run.copies} merged copies, {run.stories} stories"
    )
    if document is not None:
        _write_outputs(document, Path(args.out), out)
        if args.profile:
            _print_profile((document.get("run") or {}).get("analysis") or {}, out)
    crashed = [r for r in run.rejections if r.code == InternalReadError.code]
    if crashed:
        err.print(
            f"internal error: {len(crashed)} input(s) could not be read because of a bug in newsdesk "
            f"(code {InternalReadError.code} above; the tracebacks are in {crash_log_path()}). "
            "Everything else was stored.",
            markup=False,
        )
        return EXIT_INTERNAL
    return EXIT_REJECTIONS if run.failed else EXIT_OK


def _print_profile(profile: dict, console) -> None:
    """The analysis timings of ``run.analysis`` as a table (``newsdesk analyze --profile``)."""
    from rich.table import Table

    console.print(
        f"analysis: {profile.get('stories_analysed', 0)} stories analysed, {profile.get('stories_reused', 0)} unchanged "
        f"and reused, {profile.get('articles_analysed', 0)} articles, {profile.get('seconds', 0):.1f} s "
        f"({profile.get('scheduler')}); ingest {profile.get('ingest_seconds') or 0:.1f} s"
    )
    stages = profile.get("stage_seconds") or {}
    total = sum(seconds for name, seconds in stages.items() if name != "embeddings") or 1.0
    grid = Table(
        title="seconds per stage (summed over stories; embeddings: the MiniLM encoder, inside the stages)",
        title_justify="left",
    )
    for column in ("stage", "seconds", "share"):
        grid.add_column(column, justify="left" if column == "stage" else "right")
    for name, seconds in stages.items():
        grid.add_row(name, f"{seconds:.2f}", f"{100 * seconds / total:.0f}%")
    console.print(grid)
    vectors = profile.get("sentence_vectors") or {}
    if vectors:
        console.print(
            f"sentence vectors: {vectors.get('encoded', 0)} encoded, {vectors.get('reused', 0)} reused from the store"
        )
    for cut in profile.get("truncated") or []:
        console.print(
            f"article {cut['article']}: {cut['chars']} characters, only the first {cut['analysed_chars']} analysed "
            "(max_article_chars)"
        )


def _run_report(args: argparse.Namespace) -> int:
    from . import pipeline

    if not Path(args.db).exists():
        raise NewsdeskError(f"no store at {args.db!r}", hint="run `newsdesk analyze PATH…` first, or pass --db")
    options = _pipeline_options(args)
    with _open_for_reading(args.db) as store:
        # read-only: one consistent view even while another process writes
        with store.snapshot() if store.read_only else nullcontext():
            document = pipeline.analysis_document(store, options=options)
    _print_stage_errors(document, _console(stderr=True))
    _write_outputs(document, Path(args.out), _console())
    return EXIT_OK


def _open_for_reading(db: str):
    """The store for a command that only reads it. Opened for writing when that is possible at once,
    so that the analysis it computes is saved for the next command; else read-only (the file or
    folder is read-only, or another process is writing: a reader never waits for a writer)."""
    from .errors import SchemaVersionError, StoreDamagedError, StoreError
    from .store import open_store

    try:
        return open_store(db, lock_timeout=0)
    except (StoreDamagedError, SchemaVersionError):
        raise
    except StoreError as exc:  # locked by a writer, read-only file or folder, no room for SQLite's side files…
        log.info("reading %s read-only: %s", db, exc.message)
        return open_store(db, read_only=True)


def _run_serve(args: argparse.Namespace) -> int:
    from .serve import ServeOptions, exposure_warning, run

    if not Path(args.db).exists():
        raise NewsdeskError(f"no store at {args.db!r}", hint="run `newsdesk analyze PATH…` first, or pass --db")
    warning = exposure_warning(args.host)
    if warning and args.quiet:  # -q hides warnings, but not this one: the store is open to the network
        _console(stderr=True).print(f"warning: {warning}", markup=False)
    options = ServeOptions(allowed_hosts=tuple(args.allow_host))
    run(args.db, host=args.host, port=args.port, options=options, log_level="warning" if args.quiet else "info")
    return EXIT_OK


def _run_doctor(args: argparse.Namespace) -> int:
    from rich.markup import escape

    from . import doctor
    from .ingest import printable

    out = _console()
    if not Path(args.db).exists():
        raise NewsdeskError(f"no store at {args.db!r}", hint="pass the --db path of an existing store")
    if args.repair:
        repaired = doctor.repair(args.db, options=_pipeline_options(args), lock_timeout=args.lock_timeout)
        for line in repaired.lines():
            out.print(escape(printable(line)))
        return EXIT_OK
    checkup = doctor.check(args.db)
    for line in checkup.lines():
        out.print(escape(printable(line)))
    return EXIT_OK if checkup.healthy else EXIT_FATAL


def _print_stage_errors(document, console) -> None:
    """One line per analysis stage that failed on a story (the brief is written without it)."""
    from rich.markup import escape

    from .ingest import printable

    for error in (document or {}).get("stage_errors", []):
        console.print(
            f"analysis: {escape(printable(error['stage']))} failed on {escape(printable(error['story']))}: "
            f"{escape(printable(error['message']))} [{error['code']}]"
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
