"""The language server: pygls wiring of the features, and checks off the event loop.

Checks run on one worker thread. A change that arrives while a document is being
checked marks it dirty; when the check ends the newest text is checked next, so a
burst of keystrokes costs one check more, not one per keystroke. Every handler
answers with an empty result, and logs, rather than fail on an unexpected input.
"""

from __future__ import annotations

import asyncio
import functools
import traceback
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from importlib import metadata
from typing import Any, TypeVar

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path

from nasc.compiler.check.pipeline import CheckResult, check
from nasc.compiler.lsp import completion, diagnostics, navigation
from nasc.compiler.lsp.hover import KEYWORD_DOCS, describe, describe_key
from nasc.compiler.lsp.positions import LineIndex
from nasc.compiler.lsp.project import Project, compiler_path
from nasc.compiler.lsp.scan import scan
from nasc.dsl import STD_DISPLAY_PATH, NascError
from nasc.dsl.fmt import format_text

P = TypeVar("P")
R = TypeVar("R")


class NascServer(LanguageServer):
    def __init__(self) -> None:
        try:
            version = metadata.version("nasc")
        except metadata.PackageNotFoundError:
            version = "0"
        super().__init__("nasc", version)
        self.project = Project()
        self.checker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="nasc-check")
        self.running: set[str] = set()
        self.dirty: set[str] = set()
        self.tasks: set[asyncio.Task[None]] = set()

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
        try:
            result: CheckResult = await loop.run_in_executor(
                self.checker, functools.partial(check, path, None, overlays)
            )
        except RecursionError:
            return [diagnostics.internal(index, "the document is nested too deeply to check")]
        self.project.learn(path, result.sources, result.space, result.ok)
        return diagnostics.convert(self.project, result, path, index)

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
    @guarded
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
    @guarded
    def complete(ls: NascServer, params: types.CompletionParams) -> types.CompletionList:
        path, text = ls.document(params.text_document.uri)
        offset = LineIndex(text, ls.encoding).offset(params.position)
        items = completion.complete(ls.project.space(path), path, text, offset)
        return types.CompletionList(is_incomplete=False, items=items)

    @server.feature(types.TEXT_DOCUMENT_DEFINITION)
    @guarded
    def definition(ls: NascServer, params: types.DefinitionParams) -> list[types.Location]:
        path, text = ls.document(params.text_document.uri)
        offset = LineIndex(text, ls.encoding).offset(params.position)
        return navigation.definition(ls.project, path, offset, ls.encoding)

    @server.feature(types.TEXT_DOCUMENT_REFERENCES)
    @guarded
    def references(ls: NascServer, params: types.ReferenceParams) -> list[types.Location]:
        path, text = ls.document(params.text_document.uri)
        offset = LineIndex(text, ls.encoding).offset(params.position)
        include = params.context.include_declaration
        return navigation.references(ls.project, path, offset, include, ls.encoding)

    @server.feature(types.TEXT_DOCUMENT_DOCUMENT_SYMBOL)
    @guarded
    def outline(ls: NascServer, params: types.DocumentSymbolParams) -> list[types.DocumentSymbol]:
        _, text = ls.document(params.text_document.uri)
        return navigation.symbols(text, ls.encoding)

    @server.feature(types.TEXT_DOCUMENT_FORMATTING)
    @guarded
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
    create_server().start_io()
