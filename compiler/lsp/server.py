"""The language server: pygls wiring of the features, and checks off the event loop.

Checks run in a child process (`nasc.compiler.lsp.worker`), each bounded in time
and stopped when its document closes, so one document never blocks the others. A
change that arrives while a document is being checked marks it dirty; when the
check ends the newest text is checked next, so a burst of keystrokes costs one
check more, not one per keystroke. Requests run on a small thread pool and are
answered within `REQUEST_SECONDS`, or refused with an LSP "request failed" error.
Every handler answers with an empty result, and logs, rather than fail on an
unexpected input. The transport (`nasc.compiler.lsp.transport`) survives bad frames.
"""

from __future__ import annotations

import asyncio
import functools
import sys
import traceback
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from importlib import metadata
from typing import Any, TypeVar

from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path

from nasc.compiler.check.pipeline import CheckResult
from nasc.compiler.lsp import completion, diagnostics, navigation
from nasc.compiler.lsp.hover import KEYWORD_DOCS, describe, describe_key
from nasc.compiler.lsp.positions import LineIndex
from nasc.compiler.lsp.project import Project, compiler_path
from nasc.compiler.lsp.scan import scan
from nasc.compiler.lsp.transport import serve_io
from nasc.compiler.lsp.worker import CheckStopped, CheckWorker
from nasc.dsl import STD_DISPLAY_PATH, NascError
from nasc.dsl.fmt import format_text

P = TypeVar("P")
R = TypeVar("R")

# the longest a request may take before it is refused (seconds)
REQUEST_SECONDS = 5.0
REQUEST_FAILED = -32803  # LSP's RequestFailed error code


class NascServer(LanguageServer):
    def __init__(self) -> None:
        try:
            version = metadata.version("nasc")
        except metadata.PackageNotFoundError:
            version = "0"
        super().__init__("nasc", version)
        self.project = Project()
        self.checker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="nasc-check")
        self.requests = ThreadPoolExecutor(max_workers=4, thread_name_prefix="nasc-request")
        self._worker: CheckWorker | None = None
        self.running: set[str] = set()
        self.dirty: set[str] = set()
        self.tasks: set[asyncio.Task[None]] = set()

    @property
    def worker(self) -> CheckWorker:
        """The child process that checks documents (started on first use)."""
        if self._worker is None:
            self._worker = CheckWorker()
        return self._worker

    @property
    def encoding(self) -> str:
        return str(self.workspace.position_encoding or types.PositionEncodingKind.Utf16)

    def document(self, uri: str) -> tuple[str, str]:
        """The compiler's path and the current text of an open document."""
        text = self.workspace.get_text_document(uri).source
        path = to_fs_path(uri) if uri.startswith("file:") else None
        return compiler_path(path or uri), text

    def schedule(self, uri: str) -> None:
        task = asyncio.ensure_future(self.refresh(uri))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def refresh(self, uri: str) -> None:
        """Check the document and publish its diagnostics, until no change is pending."""
        if uri in self.running:
            self.dirty.add(uri)
            return
        self.running.add(uri)
        try:
            while True:
                self.dirty.discard(uri)
                if uri not in self.workspace.text_documents:
                    return
                document = self.workspace.get_text_document(uri)
                path, text = self.document(uri)
                found = await self.diagnose(path, text)
                self.text_document_publish_diagnostics(
                    types.PublishDiagnosticsParams(
                        uri=uri, diagnostics=found, version=document.version
                    )
                )
                if uri not in self.dirty:
                    return
        except Exception:
            self.log(traceback.format_exc())
        finally:
            self.running.discard(uri)

    async def diagnose(self, path: str, text: str) -> list[types.Diagnostic]:
        if path == STD_DISPLAY_PATH:
            return []
        index = LineIndex(text, self.encoding)
        if len(text) > diagnostics.MAX_CHECKED_CHARS:
            return [diagnostics.too_large(index)]
        overlays = {
            p: t for p, t in self.project.open.items() if len(t) <= diagnostics.MAX_CHECKED_CHARS
        }
        overlays[path] = text
        loop = asyncio.get_running_loop()
        wanted = functools.partial(self._still_open, path)
        try:
            result: CheckResult = await loop.run_in_executor(
                self.checker,
                functools.partial(
                    self.worker.run, path, None, overlays, wanted, self.workspace_roots()
                ),
            )
        except RecursionError:
            return [diagnostics.internal(index, "the document is nested too deeply to check")]
        except CheckStopped as stopped:
            return [diagnostics.internal(index, f"{stopped}: run `nasc check` on it")]
        self.project.learn(path, result.sources, result.space, result.ok)
        return diagnostics.convert(self.project, result, path, index)

    def workspace_roots(self) -> tuple[str, ...]:
        """The workspace folders (and root): imports may read .nas files under them."""
        found = []
        for folder in self.workspace.folders.values():
            path = to_fs_path(folder.uri) if folder.uri.startswith("file:") else None
            if path:
                found.append(path)
        root = self.workspace.root_path
        if root:
            found.append(root)
        return tuple(found)

    def _still_open(self, path: str) -> bool:
        return path in self.project.open

    def log(self, message: str) -> None:
        self.window_log_message(
            types.LogMessageParams(type=types.MessageType.Error, message=message)
        )


def guarded(handler: Callable[[NascServer, P], R]) -> Callable[[NascServer, P], R | None]:
    """Answer nothing (and log) instead of failing on an unexpected error."""

    @functools.wraps(handler)
    def run(server: NascServer, params: P) -> R | None:
        try:
            return handler(server, params)
        except Exception:
            server.log(traceback.format_exc())
            return None

    return run


def bounded(
    handler: Callable[[NascServer, P], R],
) -> Callable[[NascServer, P], Awaitable[R | None]]:
    """Run a request off the event loop; refuse it with an LSP error past `REQUEST_SECONDS`."""
    safe = guarded(handler)

    @functools.wraps(handler)
    async def run(server: NascServer, params: P) -> R | None:
        loop = asyncio.get_running_loop()
        work = loop.run_in_executor(server.requests, safe, server, params)
        try:
            return await asyncio.wait_for(work, REQUEST_SECONDS)
        except TimeoutError:
            raise JsonRpcException(
                code=REQUEST_FAILED,
                message=f"{handler.__name__} took longer than {REQUEST_SECONDS:g} s",
            ) from None

    return run


def create_server() -> NascServer:
    """A nasc language server with every feature registered (not yet started)."""
    server = NascServer()

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    @guarded
    def changed(ls: NascServer, params: Any) -> None:
        uri = params.text_document.uri
        path, text = ls.document(uri)
        ls.project.open[path] = text
        ls.schedule(uri)
        for other in list(ls.workspace.text_documents):  # open files that import this one
            other_path, _ = ls.document(other)
            if other != uri and path in ls.project.closure(other_path)[1:]:
                ls.schedule(other)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    @guarded
    def closed(ls: NascServer, params: types.DidCloseTextDocumentParams) -> None:
        uri = params.text_document.uri
        path = to_fs_path(uri) if uri.startswith("file:") else None
        ls.project.open.pop(compiler_path(path or uri), None)
        ls.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=uri, diagnostics=[])
        )

    @server.feature(types.TEXT_DOCUMENT_HOVER)
    @bounded
    def hover(ls: NascServer, params: types.HoverParams) -> types.Hover | None:
        path, text = ls.document(params.text_document.uri)
        index = LineIndex(text, ls.encoding)
        offset = index.offset(params.position)
        occurrence = scan(text).at(offset)
        if occurrence is None:
            token = next(
                (t for t in scan(text).tokens if t.start <= offset <= t.start + len(t.text)), None
            )
            if token is None or token.kind != "name" or token.text not in KEYWORD_DOCS:
                return None
            value: str | None = KEYWORD_DOCS[token.text]
            start, end = token.start, token.start + len(token.text)
        else:
            value = _hover_text(ls.project, path, occurrence)
            start, end = occurrence.start, occurrence.end
        if not value:
            return None
        return types.Hover(
            contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value=value),
            range=index.range(start, end),
        )

    @server.feature(
        types.TEXT_DOCUMENT_COMPLETION,
        types.CompletionOptions(trigger_characters=["(", ",", "|", "="]),
    )
    @bounded
    def complete(ls: NascServer, params: types.CompletionParams) -> types.CompletionList:
        path, text = ls.document(params.text_document.uri)
        offset = LineIndex(text, ls.encoding).offset(params.position)
        items = completion.complete(ls.project.space(path), path, text, offset)
        return types.CompletionList(is_incomplete=False, items=items)

    @server.feature(types.TEXT_DOCUMENT_DEFINITION)
    @bounded
    def definition(ls: NascServer, params: types.DefinitionParams) -> list[types.Location]:
        path, text = ls.document(params.text_document.uri)
        offset = LineIndex(text, ls.encoding).offset(params.position)
        return navigation.definition(ls.project, path, offset, ls.encoding)

    @server.feature(types.TEXT_DOCUMENT_REFERENCES)
    @bounded
    def references(ls: NascServer, params: types.ReferenceParams) -> list[types.Location]:
        path, text = ls.document(params.text_document.uri)
        offset = LineIndex(text, ls.encoding).offset(params.position)
        include = params.context.include_declaration
        return navigation.references(ls.project, path, offset, include, ls.encoding)

    @server.feature(types.TEXT_DOCUMENT_DOCUMENT_SYMBOL)
    @bounded
    def outline(ls: NascServer, params: types.DocumentSymbolParams) -> list[types.DocumentSymbol]:
        _, text = ls.document(params.text_document.uri)
        return navigation.symbols(text, ls.encoding)

    @server.feature(types.TEXT_DOCUMENT_FORMATTING)
    @bounded
    def formatting(ls: NascServer, params: types.DocumentFormattingParams) -> list[types.TextEdit]:
        path, text = ls.document(params.text_document.uri)
        try:
            formatted = format_text(text, path)
        except NascError:
            return []  # a file with syntax errors is left as it is; its diagnostics say why
        if formatted == text:
            return []
        whole = LineIndex(text, ls.encoding).range(0, len(text))
        return [types.TextEdit(range=whole, new_text=formatted)]

    return server


def _hover_text(project: Project, path: str, occurrence: Any) -> str | None:
    space = project.space(path)
    if occurrence.role == "import":
        return f"Imports `{occurrence.name}`."
    if occurrence.role == "local" and occurrence.kind == "rule parameter":
        return f"Parameter `{occurrence.name}` of the rule: the value its caller gives."
    if occurrence.role == "local":
        owner = f" of topology `{occurrence.owner}`" if occurrence.owner else ""
        return f"Argument `{occurrence.name}`{owner}: it labels the edges at its position."
    if space is None:
        return None
    if occurrence.role == "key":
        return describe_key(space, occurrence.owner or "", occurrence.name)
    found = describe(space, occurrence.name, project.clean.get(path, False))
    if found is None and occurrence.kind:
        return f"`{occurrence.name}`: {occurrence.kind} defined here (not yet checked)."
    return found


def serve() -> None:
    """Run the language server over standard input and output."""
    server = create_server()
    server.worker  # noqa: B018 - start the checker while the editor initialises
    try:
        serve_io(server, sys.stdin.buffer, sys.stdout.buffer)
    finally:
        server.worker.close()
