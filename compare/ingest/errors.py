"""Errors raised while reading a plan file: one class per way a file can be unusable.

Every error names the file and says in plain English (with the Chinese term where it
helps) what is wrong and, where there is one, what to do about it. The build turns them
into ``FailedInput`` rows shown in every report. A class states its default reason in its
header: ``class EmptyFile(IngestError, reason="…")``.
"""

from __future__ import annotations

from typing import Any


class IngestError(Exception):
    """A file of docs_in/ could not be read as a plan."""

    default_reason = "cannot be read"

    def __init_subclass__(cls, reason: str | None = None, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if reason is not None:
            cls.default_reason = reason

    def __init__(self, source_file: str, reason: str | None = None) -> None:
        self.source_file = str(source_file)
        self.reason = reason or self.default_reason
        super().__init__(f"{self.source_file}: {self.reason}")

    def __reduce__(self) -> tuple[Any, ...]:
        # Rebuilt from file and reason, not from the message: an error sent back by a worker process
        # reads the same as one raised in the build process (the message would gain the default reason).
        return type(self), (self.source_file, self.reason), self.__dict__

    def with_source(self, source_file: str) -> IngestError:
        """The same error naming the file as ``source_file`` (e.g. relative to the input dir)."""
        err = type(self)(source_file, self.reason)
        err.__cause__ = self.__cause__
        return err


class UnreadableFile(IngestError, reason="the file cannot be opened"): ...


class UnsupportedFormat(
    IngestError, reason="unsupported file type (use .txt, .html/.htm, .docx or .pdf)"
): ...


class TooLarge(IngestError, reason="file too large"): ...


class EmptyFile(IngestError, reason="empty file (空文件): no text at all"): ...


class NotText(IngestError, reason="binary data, not text (非文本文件)"): ...


class UndetectableEncoding(
    IngestError,
    reason="the text encoding could not be detected as plausible Chinese (编码无法识别); "
    "save the file as UTF-8",
): ...


class BadHtml(IngestError, reason="the HTML page has no readable text"): ...


class BadDocx(IngestError, reason="not a valid .docx (Word 2007+) file"): ...


class BadPdf(IngestError, reason="not a valid PDF file"): ...


class EncryptedPdf(IngestError, reason="encrypted PDF (加密): remove the password and try again"): ...


class NoTextLayer(IngestError, reason="scanned PDF, no text layer (扫描件，无文字层): OCR it first"): ...
