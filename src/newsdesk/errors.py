"""One exception root, a family per stage.

Every error carries a stable code (``E###``) and says what went wrong and how to fix it, in the
manner of spaCy's coded errors. Per-document problems raised inside a stage are caught by the
pipeline, logged, counted and turned into a :class:`newsdesk.models.Rejection`, so one bad file
never stops a batch.
"""

from __future__ import annotations


class NewsdeskError(Exception):
    """Root of every error newsdesk raises on purpose."""

    code = "E000"

    def __init__(self, message: str, *, hint: str | None = None, source: str | None = None) -> None:
        self.message = message  # the reason alone, without where
        self.hint = hint
        self.source = source  # the file (and record) concerned, when there is one
        super().__init__(self.__str__())

    def __str__(self) -> str:
        where = f"{self.source}: " if self.source else ""
        text = f"[{self.code}] {where}{self.message}"
        if self.hint:
            text += f" ({self.hint})"
        return text


class OptionsError(NewsdeskError, ValueError):
    """An options object was built with a value it cannot use."""

    code = "E001"


# --- ingest -----------------------------------------------------------------------------------


class IngestError(NewsdeskError):
    """A file or record could not be read as news coverage."""

    code = "E100"


class UnreadableFileError(IngestError):
    code = "E101"


class EmptyInputError(IngestError):
    code = "E102"


class BinaryInputError(IngestError):
    code = "E103"


class OversizeInputError(IngestError):
    code = "E104"


class DecodingError(IngestError):
    code = "E105"


class UnsupportedFormatError(IngestError):
    code = "E106"


class MalformedRecordError(IngestError):
    code = "E107"


class InternalReadError(IngestError):
    """A reader raised an exception it should not have (a bug in newsdesk): the file is rejected
    with this code, the batch goes on, the traceback is logged and the run exits with code 4."""

    code = "E108"


# --- extract ----------------------------------------------------------------------------------


class ExtractionError(NewsdeskError):
    """No article text could be found in a document."""

    code = "E200"


class NoArticleError(ExtractionError):
    """The page holds no article (a home page, a list page, only chrome)."""

    code = "E201"


# --- later stages -----------------------------------------------------------------------------


class DedupError(NewsdeskError):
    code = "E300"


class StoriesError(NewsdeskError):
    code = "E400"


class AnalysisError(NewsdeskError):
    """A later analysis stage (entities, quotes, positions, stance, timeline, summary) failed."""

    code = "E500"


class ModelUnavailableError(NewsdeskError):
    """A bundled model could not be loaded."""

    code = "E600"


# --- store and report -------------------------------------------------------------------------


class StoreError(NewsdeskError):
    code = "E700"


class SchemaVersionError(StoreError):
    code = "E701"


class StoreLockedError(StoreError):
    """Another process is writing to the store (one writer at a time)."""

    code = "E702"


class StoreDamagedError(StoreError):
    """The store file fails its integrity check; nothing is written into it."""

    code = "E703"


class StoreReadOnlyError(StoreError):
    """A write was asked of a store opened read-only, or the file or its folder cannot be written."""

    code = "E704"


class StoreWriteError(StoreError):
    """The disk is full (or failing, or over a size limit): the step being written was rolled back."""

    code = "E705"


class ReportError(NewsdeskError):
    code = "E800"


class BenchmarkError(NewsdeskError):
    """A benchmark dataset is missing or not in the expected format."""

    code = "E900"
