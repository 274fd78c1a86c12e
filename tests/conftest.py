"""Shared fixtures. Heavy models load once per test session through newsdesk.resources (cached)."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SHARED_BENCH = REPO.parent / "shared" / "bench"


@pytest.fixture(scope="session")
def examples_dir() -> Path:
    return EXAMPLES


@pytest.fixture(scope="session")
def fixtures_dir() -> Path:
    return FIXTURES


@pytest.fixture(scope="session")
def shared_bench() -> Path:
    if not SHARED_BENCH.exists():
        pytest.skip("../shared/bench is not beside the repository")
    return SHARED_BENCH


@pytest.fixture(scope="session")
def seed_analysis(tmp_path_factory):
    """The seeds analysed once for the whole session, as ``newsdesk analyze`` does (the analysis
    is saved in the store): (analysis.json document, store path, output folder)."""
    from newsdesk import pipeline
    from newsdesk.report import write_outputs
    from newsdesk.store import open_store

    work = tmp_path_factory.mktemp("seeds")
    with open_store(work / "seeds.db") as store:
        document = pipeline.analyze([EXAMPLES], store=store).document
    write_outputs(document, work / "out")
    return document, work / "seeds.db", work / "out"
