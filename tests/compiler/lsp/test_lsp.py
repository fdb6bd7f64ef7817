"""The language server driven over stdio by a real LSP client (pygls's)."""

from __future__ import annotations

import asyncio
import importlib.util
import shutil
import sys
import threading
from collections.abc import Coroutine, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
from lsprotocol import types
from pygls.lsp.client import LanguageClient
from pygls.uris import from_fs_path

from nasc.compiler.lsp.diagnostics import MAX_CHECKED_CHARS
from nasc.compiler.lsp.project import std_file
from nasc.dsl.fmt import format_text
from tests.conftest import ROOT

T = TypeVar("T")
SERVER = [sys.executable, "-m", "nasc.compiler.lsp"]
HNB201 = ROOT / "examples" / "hnb201.nas"


class Session:
    """A client on its own event-loop thread, so that tests read as plain calls."""

    def __init__(self, command: list[str]) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.published: dict[str, list[types.PublishDiagnosticsParams]] = {}
        self.logged: list[str] = []
        self.arrived = threading.Condition()
        self.client: LanguageClient = self.run(self._start(command))
        self.versions: dict[str, int] = {}

    async def _start(self, command: list[str]) -> LanguageClient:
        client = LanguageClient("nasc-tests", "1")

        @client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        def publish(_: LanguageClient, params: types.PublishDiagnosticsParams) -> None:
            with self.arrived:
                self.published.setdefault(params.uri, []).append(params)
                self.arrived.notify_all()

        @client.feature(types.WINDOW_LOG_MESSAGE)
        def log(_: LanguageClient, params: types.LogMessageParams) -> None:
            self.logged.append(params.message)

        await client.start_io(*command)
        self.capabilities = (
            await client.initialize_async(
                types.InitializeParams(capabilities=types.ClientCapabilities(), process_id=None)
            )
        ).capabilities
        client.initialized(types.InitializedParams())
        return client

    def run(self, coroutine: Coroutine[Any, Any, T], timeout: float = 60) -> T:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    def call(self, function: Any, *args: Any) -> None:
        self.loop.call_soon_threadsafe(function, *args)

    def open(self, uri: str, text: str) -> list[types.Diagnostic]:
        self.versions[uri] = 1
        document = types.TextDocumentItem(uri=uri, language_id="nas", version=1, text=text)
        self.call(
            self.client.text_document_did_open,
            types.DidOpenTextDocumentParams(text_document=document),
        )
        return self.diagnostics(uri, 1)

    def change(self, uri: str, text: str) -> list[types.Diagnostic]:
        version = self.versions[uri] = self.versions[uri] + 1
        self.call(
            self.client.text_document_did_change,
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
                content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)],
            ),
        )
        return self.diagnostics(uri, version)

    def diagnostics(self, uri: str, version: int, timeout: float = 60) -> list[types.Diagnostic]:
        def ready() -> bool:
            return any(p.version == version for p in self.published.get(uri, []))

        with self.arrived:
            assert self.arrived.wait_for(ready, timeout), f"no diagnostics for {uri} v{version}"
            return list(next(p for p in self.published[uri] if p.version == version).diagnostics)

    def republished(self, uri: str, seen: int, timeout: float = 60) -> list[types.Diagnostic]:
        """The diagnostics published for uri after the first ``seen`` publications."""
        with self.arrived:
            assert self.arrived.wait_for(lambda: len(self.published[uri]) > seen, timeout)
            return list(self.published[uri][-1].diagnostics)

    def position(self, uri: str, line: int, character: int) -> dict[str, Any]:
        return {
            "text_document": types.TextDocumentIdentifier(uri=uri),
            "position": types.Position(line=line, character=character),
        }

    def hover(self, uri: str, line: int, character: int) -> str | None:
        params = types.HoverParams(**self.position(uri, line, character))
        found = self.run(self.client.text_document_hover_async(params))
        if found is None:
            return None
        assert isinstance(found.contents, types.MarkupContent)
        return found.contents.value

    def complete(self, uri: str, line: int, character: int) -> list[str]:
        params = types.CompletionParams(**self.position(uri, line, character))
        found = self.run(self.client.text_document_completion_async(params))
        items = found.items if isinstance(found, types.CompletionList) else found or []
        return [item.label for item in items]

    def definition(self, uri: str, line: int, character: int) -> list[types.Location]:
        params = types.DefinitionParams(**self.position(uri, line, character))
        found = self.run(self.client.text_document_definition_async(params))
        return found if isinstance(found, list) else [found] if found else []  # type: ignore[list-item]

    def close(self) -> None:
        async def stop() -> None:
            await self.client.shutdown_async(None)
            self.client.exit(None)
            await self.client.stop()

        try:
            self.run(stop(), timeout=20)
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(5)


@pytest.fixture(scope="module")
def server() -> Iterator[Session]:
    session = Session(SERVER)
    yield session
    session.close()


@pytest.fixture
def lsp(server: Session) -> Iterator[Session]:
    yield server
    assert server.logged == [], "the server logged errors"


def uri_of(path: Path) -> str:
    uri = from_fs_path(str(path))
    assert uri is not None
    return uri


def at(text: str, needle: str, nth: int = 0) -> tuple[int, int]:
    """0-based line and character (UTF-16) of the nth occurrence of needle."""
    offset = -1
    for _ in range(nth + 1):
        offset = text.index(needle, offset + 1)
    line = text.count("\n", 0, offset)
    column = text[text.rfind("\n", 0, offset) + 1 : offset]
    return line, len(column.encode("utf-16-le")) // 2


def test_initialize_announces_the_features(lsp: Session) -> None:
    caps = lsp.capabilities
    assert caps.position_encoding == types.PositionEncodingKind.Utf16
    for provider in (
        caps.hover_provider,
        caps.completion_provider,
        caps.definition_provider,
        caps.references_provider,
        caps.document_symbol_provider,
        caps.document_formatting_provider,
    ):
        assert provider


def test_a_clean_example_has_no_diagnostics(lsp: Session) -> None:
    assert lsp.open(uri_of(HNB201), HNB201.read_text(encoding="utf-8")) == []


def test_errors_have_exact_utf16_ranges_and_clear_on_change(lsp: Session, tmp_path: Path) -> None:
    uri = uri_of(tmp_path / "bad.nas")
    text = 'import std\ninput [3, 8, 8]\n"é 😀" A ::= conv3x4 | relu\nB ::= relu |\n'
    found = lsp.open(uri, text)
    assert [d.code for d in found] == ["E100"]  # a syntax error hides the rest
    line, character = at(text, "\n", 3)
    assert found[0].range.start == types.Position(line=line + 1, character=0)
    text = text.replace("B ::= relu |\n", "")
    found = lsp.change(uri, text)
    assert [d.code for d in found] == ["E200"]
    line, character = at(text, "conv3x4")
    assert (line, character) == (2, 13)  # 12 characters: the emoji is two UTF-16 units
    assert found[0].range == types.Range(
        start=types.Position(line=line, character=character),
        end=types.Position(line=line, character=character + len("conv3x4")),
    )
    assert found[0].severity == types.DiagnosticSeverity.Error
    assert "conv3x3" in found[0].message
    assert lsp.change(uri, text.replace("conv3x4", "conv3x3")) == []


def test_errors_in_an_imported_file_show_on_the_import_line(lsp: Session, tmp_path: Path) -> None:
    (tmp_path / "blocks.nas").write_text("import std\nB ::= relu | nosuch\n", encoding="utf-8")
    text = "import std\nimport blocks\ninput [3, 8, 8]\nA ::= Sequential(B, conv3x3)\n"
    found = lsp.open(uri_of(tmp_path / "main.nas"), text)
    assert [d.code for d in found] == ["E200"]
    line, character = at(text, "blocks")
    assert found[0].range.start == types.Position(line=line, character=character)
    assert "blocks.nas:2:14" in found[0].message
    related = found[0].related_information
    assert related and related[0].location.uri == uri_of(tmp_path / "blocks.nas")
    # Fixing the imported file in the editor (unsaved) clears the importer's error.
    main_uri = uri_of(tmp_path / "main.nas")
    seen = len(lsp.published[main_uri])
    lsp.open(uri_of(tmp_path / "blocks.nas"), "import std\nB ::= relu | gelu\n")
    assert lsp.republished(main_uri, seen) == []


def test_hover_on_a_nonterminal_shows_alternatives_and_count(lsp: Session) -> None:
    uri = uri_of(HNB201)
    text = HNB201.read_text(encoding="utf-8")
    lsp.open(uri, text)
    shown = lsp.hover(uri, *at(text, "OP", 1))
    assert shown is not None
    assert "OP ::= id" in shown and "| avg_pool" in shown
    if importlib.util.find_spec("nasc.compiler.derive.counting") is None:
        assert "not available" in shown
    else:
        assert "Derives **30** architectures" in shown
        cell = lsp.hover(uri, *at(text, "CELL ::="))
        assert cell is not None and "**728,919,959**" in cell


def test_hover_documents_primitives_parameters_and_keywords(lsp: Session) -> None:
    uri = uri_of(HNB201)
    text = HNB201.read_text(encoding="utf-8")
    lsp.open(uri, text)
    relu = lsp.hover(uri, *at(text, "relu"))
    assert relu is not None and "primitive relu" in relu and "max(x, 0)" in relu
    kernel = lsp.hover(uri, *at(text, "kernel"))
    assert kernel == "Parameter `kernel` of `conv`, default `3`."
    resblock = lsp.hover(uri, *at(text, "nb201_resblock"))
    assert (
        resblock is not None
        and "op nb201_resblock = nb201_basic(stride=2, channels=*2)" in resblock
    )
    cell = lsp.hover(uri, *at(text, "Cell("))
    assert cell is not None and "edges (0,1) (0,2)" in cell
    constraint = lsp.hover(uri, *at(text, "constraint"))
    assert constraint is not None and "connected" in constraint
    assert lsp.hover(uri, *at(text, "# primitives")) is None


def test_completion_works_while_the_file_has_a_syntax_error(lsp: Session, tmp_path: Path) -> None:
    uri = uri_of(tmp_path / "typing.nas")
    text = "import std\ninput [3, 8, 8]\nA ::= Sequential(B, \nB ::= relu | conv(\n"
    assert [d.code for d in lsp.open(uri, text)] == ["E100"]
    labels = lsp.complete(uri, *at(text, "\nB ::="))
    assert {"B", "A", "relu", "conv3x3", "Cell", "Sequential"} <= set(labels)
    keys = lsp.complete(uri, 3, len("B ::= relu | conv("))
    assert {"kernel=", "stride=", "channels="} <= set(keys)
    fresh = lsp.complete(uri, *at(text, "input"))  # a new statement may start here
    assert {"primitive", "topology", "constraint", "prune", "B", "relu"} <= set(fresh)
    lsp.change(uri, text + "prune ")
    assert lsp.complete(uri, 4, len("prune ")) == ["unreachable"]
    assert lsp.complete(uri, *at(text, "std")) == ["std"]


def test_go_to_definition_across_an_import_and_into_std(lsp: Session, tmp_path: Path) -> None:
    blocks = tmp_path / "blocks.nas"
    blocks.write_text('import std\n"A block."\nB ::= relu | gelu\n', encoding="utf-8")
    main = tmp_path / "main.nas"
    text = "import std\nimport blocks\ninput [3, 8, 8]\nA ::= Sequential(B, conv3x3, B)\n"
    uri = uri_of(main)
    assert lsp.open(uri, text) == []
    [found] = lsp.definition(uri, *at(text, "B"))
    assert found.uri == uri_of(blocks)
    assert found.range.start == types.Position(line=2, character=0)
    [module] = lsp.definition(uri, *at(text, "blocks"))
    assert module.uri == uri_of(blocks)
    [relu] = lsp.definition(uri, *at(text, "conv3x3"))
    assert relu.uri == uri_of(Path(std_file()))
    std_lines = Path(std_file()).read_text(encoding="utf-8").splitlines()
    assert std_lines[relu.range.start.line].startswith("op conv3x3")
    params = types.ReferenceParams(
        context=types.ReferenceContext(include_declaration=True),
        **lsp.position(uri, *at(text, "B")),
    )
    refs = lsp.run(lsp.client.text_document_references_async(params)) or []
    assert sorted((r.uri == uri, r.range.start.line) for r in refs) == [
        (False, 2),
        (True, 3),
        (True, 3),
    ]


def test_outline_and_formatting(lsp: Session, tmp_path: Path) -> None:
    uri = uri_of(HNB201)
    lsp.open(uri, HNB201.read_text(encoding="utf-8"))
    ident = types.TextDocumentIdentifier(uri=uri)
    symbols = lsp.run(
        lsp.client.text_document_document_symbol_async(
            types.DocumentSymbolParams(text_document=ident)
        )
    )
    names = [s.name for s in symbols or [] if isinstance(s, types.DocumentSymbol)]
    assert names[:4] == ["std", "classes", "ARCH", "STEM"] and names[-1] == "NORM"
    messy_uri = uri_of(tmp_path / "messy.nas")
    messy = "import std\ninput [3,8,8]\nA::=relu|gelu   # two\n"
    lsp.open(messy_uri, messy)
    options = types.FormattingOptions(tab_size=4, insert_spaces=True)
    edits = lsp.run(
        lsp.client.text_document_formatting_async(
            types.DocumentFormattingParams(
                text_document=types.TextDocumentIdentifier(uri=messy_uri), options=options
            )
        )
    )
    assert edits and edits[0].new_text == format_text(messy)
    assert edits[0].range.end == types.Position(line=3, character=0)


@pytest.mark.parametrize(
    "name, text",
    [
        ("junk", "\x00\x01\ufffd ::= ((( ||| \t\r\n\u2028 ]]] 'open"),
        ("nested", "A ::= " + "Sequential(" * 5000 + "id" + ")" * 5000 + "\n"),
        ("huge", "import std\n" + "A ::= relu | gelu\n" * (MAX_CHECKED_CHARS // 17 + 1)),
    ],
)
def test_malformed_and_huge_documents_never_crash_the_server(
    lsp: Session, tmp_path: Path, name: str, text: str
) -> None:
    uri = uri_of(tmp_path / f"{name}.nas")
    found = lsp.open(uri, text)
    assert found, "every such document gets a diagnostic"
    if name == "huge":
        assert found[0].severity == types.DiagnosticSeverity.Information
    lsp.hover(uri, 0, 3)
    lsp.hover(uri, 10**6, 10**6)
    lsp.complete(uri, 1, 2)
    lsp.definition(uri, 0, 1)
    assert lsp.hover(uri_of(HNB201), *at(HNB201.read_text(encoding="utf-8"), "relu"))


def test_nasc_lsp_command_serves_over_stdio() -> None:
    nasc = shutil.which("nasc", path=str(Path(sys.executable).parent))
    if nasc is None:
        pytest.skip("the nasc console script is not installed beside this Python")
    session = Session([nasc, "lsp"])
    try:
        assert session.capabilities.hover_provider
        text = HNB201.read_text(encoding="utf-8")
        assert session.open(uri_of(HNB201), text) == []
    finally:
        session.close()


def test_value_choices_and_parametrised_rules_in_the_editor(lsp: Session, tmp_path: Path) -> None:
    uri = uri_of(tmp_path / "values.nas")
    text = (
        "import std\ninput [3, 8, 8]\n"
        '"Kernel sizes."\nK ::= 3 | 5\n'
        '"A block."\nB(width, stride) ::= conv(width, kernel=K, stride=stride)\n'
        "NET ::= Sequential(B(8, 1), B(16, 2))\n"
    )
    assert lsp.open(uri, text) == []
    shown = lsp.hover(uri, *at(text, "K", 1))
    assert shown is not None and "K ::= 3 | 5" in shown and "Kernel sizes." in shown
    block = lsp.hover(uri, *at(text, "B", 2))
    assert block is not None and "B(width, stride) ::= conv(width" in block
    assert "`B(8, 1)`" in block and "`B(16, 2)`" in block
    width = lsp.hover(uri, *at(text, "width", 1))
    assert width is not None and "Parameter `width` of the rule" in width
    [found] = lsp.definition(uri, *at(text, "width", 1))
    assert found.range.start == types.Position(line=5, character=2)
    keys = lsp.complete(uri, 6, len("NET ::= Sequential(B("))
    assert {"width=", "stride=", "K"} <= set(keys)
    inside = lsp.complete(uri, 5, len("B(width, stride) ::= conv(width, kernel="))
    assert "K" in inside
    terms = lsp.complete(uri, 6, len("NET ::= "))
    assert "B" in terms and not any("(" in label for label in terms)
