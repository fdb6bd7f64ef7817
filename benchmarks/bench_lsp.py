"""Language server latency: time from didChange to publishDiagnostics through a real client.

The server (`python -m nasc.compiler.lsp`) runs as a subprocess driven over stdio by
pygls's LanguageClient. Each change edits the document (alternately adding and
removing an error, so every check has real work), and the time runs until the
diagnostics of that version arrive. Target: under 300 ms for hnb201.nas.

.venv/bin/python benchmarks/bench_lsp.py [--changes 40] [SPACE.nas ...]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path

from lsprotocol import types
from pygls.lsp.client import LanguageClient
from pygls.uris import from_fs_path

ROOT = Path(__file__).resolve().parent.parent


async def measure(path: Path, changes: int) -> tuple[list[float], float]:
    """Milliseconds from each didChange to its diagnostics, and the first didOpen's."""
    client = LanguageClient("nasc-bench", "1")
    arrived: dict[int, float] = {}
    waiting: dict[int, asyncio.Event] = {}

    @client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    def published(_: LanguageClient, params: types.PublishDiagnosticsParams) -> None:
        if params.version is not None:
            arrived[params.version] = time.perf_counter()
            waiting.setdefault(params.version, asyncio.Event()).set()

    await client.start_io(sys.executable, "-m", "nasc.compiler.lsp")
    await client.initialize_async(
        types.InitializeParams(capabilities=types.ClientCapabilities(), process_id=None)
    )
    client.initialized(types.InitializedParams())
    uri = from_fs_path(str(path.resolve())) or str(path)
    text = path.read_text(encoding="utf-8")
    broken = text.replace("::=", "::= nosuch |", 1)

    sent = time.perf_counter()
    waiting[1] = asyncio.Event()
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(uri=uri, language_id="nas", version=1, text=text)
        )
    )
    await asyncio.wait_for(waiting[1].wait(), 60)
    first = (arrived[1] - sent) * 1000
    times = []
    for version in range(2, changes + 2):
        waiting[version] = asyncio.Event()
        sent = time.perf_counter()
        client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
                content_changes=[
                    types.TextDocumentContentChangeWholeDocument(
                        text=broken if version % 2 else text
                    )
                ],
            )
        )
        await asyncio.wait_for(waiting[version].wait(), 60)
        times.append((arrived[version] - sent) * 1000)
    await client.shutdown_async(None)
    client.exit(None)
    await client.stop()
    return times, first


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("spaces", nargs="*", type=Path)
    parser.add_argument("--changes", type=int, default=40)
    args = parser.parse_args()
    spaces = args.spaces or sorted((ROOT / "examples").glob("*.nas"))
    print(f"{'space':<18}{'median ms':>10}{'p90 ms':>9}{'max ms':>9}{'first open ms':>15}")
    for path in spaces:
        times, first = asyncio.run(measure(path, args.changes))
        p90 = statistics.quantiles(times, n=10)[-1]
        print(
            f"{path.name:<18}{statistics.median(times):>10.1f}{p90:>9.1f}"
            f"{max(times):>9.1f}{first:>15.1f}"
        )


if __name__ == "__main__":
    main()
