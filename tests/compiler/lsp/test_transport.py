"""The language server under hostile frames and documents, driven with raw bytes.

A wrong Content-Length, a body that is not JSON or a header without a blank line
must leave the server answering the next good request; the end of the input
must end it; a request with impossible parameters gets an error, not silence; a
document that imports a FIFO or /dev/stdin, or one whose check runs too long,
never keeps other documents from their diagnostics.
"""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nasc.compiler.lsp.transport import FrameReader

SERVER = [sys.executable, "-m", "nasc.compiler.lsp"]


def frame(message: dict[str, Any], length: int | None = None) -> bytes:
    body = json.dumps(message).encode()
    return f"Content-Length: {len(body) if length is None else length}\r\n\r\n".encode() + body


class Raw:
    """A server process and the messages it writes, read on a thread."""

    def __init__(self, env: dict[str, str] | None = None) -> None:
        self.process = subprocess.Popen(
            SERVER,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env={**os.environ, **(env or {})},
        )
        self.messages: queue.Queue[dict[str, Any]] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        self.next_id = 100

    def _read(self) -> None:
        out = self.process.stdout
        assert out is not None
        while True:
            header = b""
            while not header.endswith(b"\r\n\r\n"):
                byte = out.read(1)
                if not byte:
                    return
                header += byte
            length = int(header.split(b"Content-Length:")[1].split(b"\r\n")[0])
            self.messages.put(json.loads(out.read(length)))

    def send(self, data: bytes) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(data)
        self.process.stdin.flush()

    def request(self, method: str, params: Any) -> int:
        self.next_id += 1
        self.send(frame({"jsonrpc": "2.0", "id": self.next_id, "method": method, "params": params}))
        return self.next_id

    def notify(self, method: str, params: Any) -> None:
        self.send(frame({"jsonrpc": "2.0", "method": method, "params": params}))

    def wait(self, test: Any, timeout: float = 30) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError("the server did not answer in time")
            try:
                message = self.messages.get(timeout=left)
            except queue.Empty:
                continue
            if test(message):
                return message

    def answer(self, request_id: int, timeout: float = 30) -> dict[str, Any]:
        return self.wait(lambda m: m.get("id") == request_id and "method" not in m, timeout)

    def diagnostics(self, uri: str, timeout: float = 60) -> list[dict[str, Any]]:
        message = self.wait(
            lambda m: (
                m.get("method") == "textDocument/publishDiagnostics" and m["params"]["uri"] == uri
            ),
            timeout,
        )
        return list(message["params"]["diagnostics"])

    def initialize(self) -> None:
        answer = self.answer(self.request("initialize", {"processId": None, "capabilities": {}}))
        assert "capabilities" in answer["result"]
        self.notify("initialized", {})

    def open(self, uri: str, text: str) -> None:
        document = {"uri": uri, "languageId": "nas", "version": 1, "text": text}
        self.notify("textDocument/didOpen", {"textDocument": document})

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(10)


@pytest.fixture
def raw() -> Iterator[Raw]:
    server = Raw()
    server.initialize()
    yield server
    server.close()


def _uri(path: Path) -> str:
    return path.as_uri()


def _symbols(raw: Raw, uri: str) -> dict[str, Any]:
    return raw.answer(raw.request("textDocument/documentSymbol", {"textDocument": {"uri": uri}}))


def test_wrong_content_lengths_resynchronise(raw: Raw, tmp_path: Path) -> None:
    uri = _uri(tmp_path / "a.nas")
    raw.open(uri, "import std\ninput [3, 8, 8]\nA ::= relu\n")
    assert raw.diagnostics(uri) == []
    hover = {"textDocument": {"uri": uri}, "position": {"line": 2, "character": 0}}
    good = {"jsonrpc": "2.0", "id": 1, "method": "textDocument/hover", "params": hover}
    raw.send(frame(good, length=len(json.dumps(good)) + 40))  # too long, and then silence
    assert "result" in raw.answer(1)
    raw.send(frame({**good, "id": 2}, length=10) + frame({**good, "id": 3}))  # too short
    assert "result" in raw.answer(3)
    raw.send(b"Content-Length: 5\r\n\r\nnot json at all" + frame({**good, "id": 4}))
    assert "result" in raw.answer(4)
    raw.send(b"garbage without headers\r\n\r\n" + frame({**good, "id": 5}))
    assert "result" in raw.answer(5)
    raw.send(b"Content-Length: 99999999999\r\n\r\n" + frame({**good, "id": 6}))
    assert "result" in raw.answer(6)
    assert "result" in _symbols(raw, uri)


def test_the_end_of_the_input_ends_the_server(raw: Raw) -> None:
    assert raw.process.stdin is not None
    raw.process.stdin.close()
    assert raw.process.wait(15) is not None


def test_a_hover_at_line_minus_one_is_answered_with_an_error(raw: Raw, tmp_path: Path) -> None:
    uri = _uri(tmp_path / "a.nas")
    raw.open(uri, "import std\ninput [3, 8, 8]\nA ::= relu\n")
    position = {"line": -1, "character": -5}
    answer = raw.answer(
        raw.request("textDocument/hover", {"textDocument": {"uri": uri}, "position": position})
    )
    assert answer["error"]["code"] == -32602  # invalid params
    far = {"line": 10**6, "character": 10**6}
    answer = raw.answer(
        raw.request("textDocument/hover", {"textDocument": {"uri": uri}, "position": far})
    )
    assert "result" in answer


def test_imports_of_a_fifo_or_stdin_never_stall_the_server(raw: Raw, tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.nas"
    os.mkfifo(fifo)
    for name, target in [("fifo", str(fifo)), ("stdin", "/dev/stdin"), ("zero", "/dev/zero")]:
        uri = _uri(tmp_path / f"{name}.nas")
        raw.open(uri, f'import std\nimport "{target}"\ninput [3, 8, 8]\nA ::= relu\n')
        found = raw.diagnostics(uri, timeout=30)
        assert found and any(
            "regular file" in d["message"] or ".nas files" in d["message"] for d in found
        ), found
    uri = _uri(tmp_path / "after.nas")
    raw.open(uri, "import std\ninput [3, 8, 8]\nA ::= relu\n")
    assert raw.diagnostics(uri) == []


def test_a_check_that_runs_too_long_is_stopped_and_others_go_on(tmp_path: Path) -> None:
    raw = Raw({"NASC_LSP_CHECK_SECONDS": "0.3"})
    try:
        raw.initialize()
        rules = "".join(f"R{i} ::= relu | gelu | R{i + 1}\n" for i in range(6000))
        slow = _uri(tmp_path / "slow.nas")
        raw.open(slow, "import std\ninput [3, 8, 8]\n" + rules + "R6000 ::= id\n")
        quick = _uri(tmp_path / "quick.nas")
        raw.open(quick, "import std\ninput [3, 8, 8]\nA ::= relu\n")
        found = raw.diagnostics(slow)
        assert found and "longer than" in found[0]["message"], found
        assert raw.diagnostics(quick) == []
        assert "result" in _symbols(raw, quick)
    finally:
        raw.close()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.one_of(
            st.binary(max_size=40),
            st.sampled_from([b"Content-Length: ", b"\r\n", b"\r\n\r\n", b"{", b"}", b"7"]),
        ),
        max_size=12,
    )
)
def test_any_garbage_before_a_frame_leaves_the_frame_readable(junk: list[bytes]) -> None:
    """Whatever bytes come first, the reader finds the good frame that follows."""
    message = {"jsonrpc": "2.0", "id": 9, "method": "shutdown"}
    reader = FrameReader()
    reader.feed(b"".join(junk) + frame(message) + frame(message))
    reader.feed(b"")
    bodies = []
    while (body := reader.next_body(idle=True)) is not None:
        bodies.append(body)
    assert json.dumps(message).encode() in bodies
