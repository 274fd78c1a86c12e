"""Scale-out: the analysis of stories as Dask tasks (``newsdesk analyze --scheduler``).

A story's analysis depends on nothing but its members and the options
(:func:`newsdesk.analysis.analyse_story`), so each story is one ``dask.distributed`` task: the
task receives the story, its canonical articles and the options, loads the models once per
worker process (:mod:`newsdesk.resources` caches them) and returns the story's
:class:`~newsdesk.analysis.StoryAnalysis`. The process that called :func:`analyse_on_dask` stays
the store's one writer: it receives the findings and saves them (see
:func:`newsdesk.pipeline.build_analysis`), so the output is the same as a single-process run.

``scheduler`` is the address of a running Dask scheduler (``tcp://host:8786``: start one with
``dask scheduler`` and workers with ``dask worker tcp://host:8786 --nthreads 1`` on each machine,
each with newsdesk installed), or ``local:N`` for a cluster of N worker processes on this machine.
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any, Iterator, Sequence

from .errors import OptionsError

if TYPE_CHECKING:  # pragma: no cover
    from .analysis import AnalysisOptions, StoryAnalysis
    from .models import Article, Story
    from .pipeline import StoryJob

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
    jobs: Sequence["StoryJob"], options: "AnalysisOptions", scheduler: str
) -> Iterator[tuple["StoryJob", "StoryAnalysis"]]:
    """Each job's :class:`StoryAnalysis`, computed as a Dask task, yielded as tasks finish."""
    if not jobs:
        return
    try:
        from dask.distributed import Client, LocalCluster, as_completed
    except ImportError as exc:  # pragma: no cover - dask[distributed] is a dependency
        raise OptionsError(
            f"--scheduler needs dask.distributed: {exc}", hint="pip install 'dask[distributed]'"
        ) from exc
    address, workers = parse_scheduler(scheduler)
    cluster: Any = None
    if workers is not None:
        cluster = LocalCluster(
            n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None, env=_WORKER_ENV
        )
        client = Client(cluster)
    else:
        client = Client(address)
    log.info("analysing %d stories on %s", len(jobs), client)
    try:
        shared = client.scatter(options, broadcast=True)
        futures = {
            client.submit(_analyse, job.story, job.articles, shared, key=f"newsdesk-story-{job.key}", pure=False): job
            for job in jobs
        }
        for future in as_completed(futures):
            job = futures[future]
            result: StoryAnalysis = future.result()
            future.release()
            yield job, result
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def _analyse(story: "Story", articles: list["Article"], options: "AnalysisOptions") -> "StoryAnalysis":
    """One story's analysis on a worker (the models load once per worker process)."""
    from .analysis import analyse_story

    return analyse_story(story, articles, options)
