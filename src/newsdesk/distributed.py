"""Scale-out: the analysis of stories as Dask tasks (``newsdesk analyze --scheduler``).

A story's analysis depends on nothing but its members and the options
(:func:`newsdesk.analysis.analyse_story`), so stories are ``dask.distributed`` tasks: each task
receives a run of consecutive stories (their canonical articles, up to :data:`TASK_CHARS`
characters, fewer when that leaves each worker under four tasks) and the options, loads the
models once per worker process (:mod:`newsdesk.resources` caches them) and returns each story's
:class:`~newsdesk.analysis.StoryAnalysis` (:func:`newsdesk.analysis.analyse_stories`: the
sentences of the task's stories are encoded in large batches, and each story's findings are
those of analysing it alone). The process that called :func:`analyse_on_dask` stays
the store's one writer: it receives the findings and saves them (see
:func:`newsdesk.pipeline.build_analysis`), so the output is the same as a single-process run.

``scheduler`` is the address of a running Dask scheduler (``tcp://host:8786``: start one with
``dask scheduler`` and workers with ``dask worker tcp://host:8786 --nthreads 1`` on each machine,
each with newsdesk installed), or ``local:N`` for a cluster of N worker processes on this machine.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator, Sequence

from .errors import OptionsError

if TYPE_CHECKING:  # pragma: no cover
    from .analysis import AnalysisOptions, StoryAnalysis
    from .analysis.cache import KeptVectors, SentenceVectors
    from .models import Article, Story
    from .pipeline import StoryJob

try:  # a worker plugin must be one to be registered as one
    from distributed.diagnostics.plugin import WorkerPlugin
except ImportError:  # pragma: no cover - dask[distributed] is a dependency
    WorkerPlugin = object  # type: ignore[assignment,misc]

log = logging.getLogger(__name__)

__all__ = ["analyse_on_dask", "parse_scheduler"]

_LOCAL = re.compile(r"local:(\d+)")
#: One thread per worker: each worker is one process, and spaCy and torch must not fight over cores.
_WORKER_ENV = {
    "OMP_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "TOKENIZERS_PARALLELISM": "false",
}


def parse_scheduler(scheduler: str) -> tuple[str, int | None]:
    """``("local", N)`` for ``local:N``, ``(address, None)`` for a scheduler address; raises
    :class:`OptionsError` otherwise."""
    match = _LOCAL.fullmatch(scheduler.strip())
    if match:
        workers = int(match.group(1))
        if workers < 1:
            raise OptionsError(
                f"--scheduler {scheduler}: a local cluster needs at least one worker",
                hint="use local:2 for two worker processes",
            )
        return "local", workers
    if "://" in scheduler or re.fullmatch(r"[\w.-]+:\d+", scheduler.strip()):
        return scheduler.strip(), None
    raise OptionsError(
        f"--scheduler {scheduler!r} is neither a Dask scheduler address nor local:N",
        hint="pass tcp://HOST:8786 (a running `dask scheduler`) or local:N",
    )


def analyse_on_dask(
    jobs: Sequence["StoryJob"],
    options: "AnalysisOptions",
    scheduler: str,
    *,
    vectors: "SentenceVectors | None" = None,
) -> Iterator[tuple["StoryJob", "StoryAnalysis"]]:
    """Each job's :class:`StoryAnalysis`, computed as a Dask task, yielded as tasks finish.

    ``vectors``: the caller's sentence vectors (:class:`~newsdesk.analysis.cache.SentenceVectors`).
    Each task then opens the store read-only where the worker runs and looks up the vectors of
    the texts kept there instead of encoding them (a local cluster, or workers that see the
    store's file on a shared disk; a worker that cannot open it encodes everything, as before);
    the vectors a task encodes travel back with its findings and the caller keeps them.
    """
    if not jobs:
        return
    try:
        from dask.distributed import Client, as_completed
    except ImportError as exc:  # pragma: no cover - dask[distributed] is a dependency
        raise OptionsError(
            f"--scheduler needs dask.distributed: {exc}", hint="pip install 'dask[distributed]'"
        ) from exc
    address, workers = parse_scheduler(scheduler)
    cluster: Any = None
    if workers is not None:
        cluster = local_cluster(workers)
        client = Client(cluster)
    else:
        client = Client(address)
    try:
        # every worker loads the models before the first task (a worker that joins later, when it starts)
        client.register_plugin(LoadModels(options), name="newsdesk-load-models")
        slots = workers or max(1, sum(client.nthreads().values()))
        tasks = task_chunks(jobs, slots)
        log.info("analysing %d stories as %d tasks on %s", len(jobs), len(tasks), client)
        shared = client.scatter(options, broadcast=True)
        store_path = None if vectors is None else str(Path(vectors.store.path).resolve())
        write = vectors is not None and vectors.write
        futures = {
            client.submit(
                _analyse,
                [(job.story, job.articles) for job in chunk],
                shared,
                store_path,
                write,
                key=f"newsdesk-stories-{chunk[0].key}-{len(chunk)}",
                pure=False,
            ): chunk
            for chunk in tasks
        }
        for future in as_completed(futures):
            chunk = futures[future]
            results, kept = future.result()
            future.release()
            if vectors is not None:
                vectors.adopt(kept)
            yield from zip(chunk, results)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


#: Dask settings of a local cluster's workers: no statistical profiler (it samples the running
#: task every 10 ms: two idle workers spent 2.1–3.4 CPU s, 1.1–1.9 without it, while one process
#: analysed 100 AllSides records) and a slower system monitor.
WORKER_CONFIG = {
    "distributed.worker.profile.enabled": False,
    "distributed.admin.system-monitor.interval": "5s",
}


def local_cluster(workers: int) -> Any:
    """A local Dask cluster of ``workers`` processes of one thread each, set up for newsdesk."""
    import dask
    from dask.distributed import LocalCluster

    with dask.config.set(WORKER_CONFIG):  # the nannies hand the configuration to their workers
        return LocalCluster(
            n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None, env=_WORKER_ENV
        )


class LoadModels(WorkerPlugin):  # type: ignore[misc]
    """A Dask worker plugin: the models the analysis' stages use, loaded when a worker starts
    (or when the plugin is registered), once per worker process (:mod:`newsdesk.resources`
    keeps them), instead of inside the first task."""

    def __init__(self, options: "AnalysisOptions") -> None:
        self.stages = frozenset(options.stages)

    def setup(self, worker: Any = None) -> None:
        from . import resources

        if not self.stages:
            return
        resources.nlp()
        if self.stages & {"claims", "summary", "timeline"}:
            resources.sentence_encoder()


#: Most article characters in one task (about the sentences ``analyse_stories`` encodes in one pass).
TASK_CHARS = 150_000
#: Tasks per worker at least (fewer, larger tasks when the pile is small would leave a worker idle
#: at the end; more cost batch size: the MiniLM pass is several times faster on large batches).
TASKS_PER_WORKER = 2


def task_chunks(jobs: Sequence["StoryJob"], workers: int, *, max_chars: int = TASK_CHARS) -> list[list["StoryJob"]]:
    """``jobs`` cut into runs of consecutive stories of at most ``max_chars`` article characters
    (a larger story is a task alone), smaller when needed to give each of ``workers``
    :data:`TASKS_PER_WORKER` tasks."""
    sizes = [sum(len(article.text) for article in job.articles) for job in jobs]
    target = max(1, min(max_chars, sum(sizes) // max(1, TASKS_PER_WORKER * workers)))
    chunks: list[list[StoryJob]] = []
    current: list[StoryJob] = []
    size = 0
    for job, chars in zip(jobs, sizes):
        if current and size + chars > target:
            chunks.append(current)
            current, size = [], 0
        current.append(job)
        size += chars
    if current:
        chunks.append(current)
    return chunks


def _analyse(
    items: list[tuple["Story", list["Article"]]],
    options: "AnalysisOptions",
    store_path: str | None = None,
    write: bool = False,
) -> tuple[list["StoryAnalysis"], "KeptVectors"]:
    """A task's stories analysed on a worker (the models load once per worker process), with
    the store's sentence vectors looked up when ``store_path`` opens here; returns the findings
    and what the task encoded (for the caller, the store's one writer, to keep)."""
    from .analysis import analyse_stories
    from .analysis.cache import KeptVectors, SentenceVectors

    store = _open_for_reading(store_path) if store_path else None
    if store is None:
        return list(analyse_stories(items, options)), KeptVectors()
    try:
        vectors = SentenceVectors(store, write=write)
        results = list(analyse_stories(items, options, vectors=vectors))
        return results, vectors.kept()
    finally:
        store.close()


def _open_for_reading(store_path: str) -> Any:
    """The store at ``store_path`` opened read-only on this worker, or None when it cannot be
    (a worker on another machine without the file): the task then encodes every text."""
    from .errors import NewsdeskError
    from .store import open_store

    if not Path(store_path).is_file():
        log.info("the store %s is not reachable from this worker: sentence vectors are encoded", store_path)
        return None
    try:
        # no quick_check: it reads the whole file (seconds at 20k articles), on every task; the
        # caller, the store's one writer, checked it when it opened it
        return open_store(store_path, read_only=True, check=False)
    except NewsdeskError as exc:
        log.warning("cannot read the sentence vectors of %s on this worker (%s): encoding them", store_path, exc)
        return None
