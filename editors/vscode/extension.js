// The VS Code client of the nasc language server: starts `nasc lsp` over stdio for
// `.nas` documents. The command comes from the setting `nasc.server.command`:
// an array [program, ...arguments] or one command line.
"use strict";

const vscode = require("vscode");
const { LanguageClient, TransportKind } = require("vscode-languageclient/node");

const DEFAULT_COMMAND = ["nasc", "lsp"];
let client;

/** The server's program and arguments from the settings, or `nasc lsp`. */
function serverCommand(config) {
  const value = config.get("server.command");
  const parts = Array.isArray(value)
    ? value.map(String).filter((part) => part.length > 0)
    : typeof value === "string"
      ? value.trim().split(/\s+/).filter((part) => part.length > 0)
      : [];
  return parts.length > 0 ? parts : DEFAULT_COMMAND;
}

async function start() {
  const [command, ...args] = serverCommand(vscode.workspace.getConfiguration("nasc"));
  const serverOptions = { command, args, transport: TransportKind.stdio };
  const clientOptions = {
    documentSelector: [
      { scheme: "file", language: "nas" },
      { scheme: "untitled", language: "nas" },
    ],
    outputChannelName: "nasc",
  };
  client = new LanguageClient("nasc", "nasc language server", serverOptions, clientOptions);
  try {
    await client.start();
  } catch (error) {
    client = undefined;
    vscode.window.showErrorMessage(
      `nasc: cannot start the language server with '${[command, ...args].join(" ")}' ` +
        `(${error.message ?? error}). Install nasc or set "nasc.server.command".`,
    );
  }
}

async function stop() {
  if (client) {
    const running = client;
    client = undefined;
    await running.stop();
  }
}

async function activate(context) {
  context.subscriptions.push(
    vscode.workspace.onDidChangeConfiguration(async (event) => {
      if (event.affectsConfiguration("nasc")) {
        await stop();
        await start();
      }
    }),
  );
  await start();
}

function deactivate() {
  return stop();
}

module.exports = { activate, deactivate, serverCommand };
