// Tokenizes .nas text with the extension's TextMate grammar, headlessly:
// the same engine (vscode-textmate) and regex library (vscode-oniguruma) VS Code uses.
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const oniguruma = require('vscode-oniguruma');
const vsctm = require('vscode-textmate');

const EXTENSION = path.resolve(__dirname, '..');
const REPOSITORY = path.resolve(EXTENSION, '..', '..');
const GRAMMAR = path.join(EXTENSION, 'syntaxes', 'nas.tmLanguage.json');

let registry = null;

function createRegistry() {
  const wasm = fs.readFileSync(require.resolve('vscode-oniguruma/release/onig.wasm'));
  const onigLib = oniguruma.loadWASM({ data: wasm }).then(() => ({
    createOnigScanner: (patterns) => new oniguruma.OnigScanner(patterns),
    createOnigString: (text) => new oniguruma.OnigString(text),
  }));
  return new vsctm.Registry({
    onigLib,
    loadGrammar: async (scopeName) => {
      if (scopeName !== 'source.nas') return null;
      return vsctm.parseRawGrammar(fs.readFileSync(GRAMMAR, 'utf8'), GRAMMAR);
    },
  });
}

/** The `source.nas` grammar, loaded once. */
async function loadGrammar() {
  registry = registry || createRegistry();
  const grammar = await registry.loadGrammar('source.nas');
  if (!grammar) throw new Error(`cannot load ${GRAMMAR}`);
  return grammar;
}

/**
 * Tokens of every line of `text`: {line, text, start, end, scopes}, plus the
 * rule stack left after the last line (its depth is 1 when every construct closed).
 */
function tokenize(grammar, text) {
  const tokens = [];
  let state = vsctm.INITIAL;
  text.split(/\r?\n/).forEach((lineText, line) => {
    const result = grammar.tokenizeLine(lineText, state);
    for (const token of result.tokens) {
      tokens.push({
        line,
        text: lineText.slice(token.startIndex, token.endIndex),
        start: token.startIndex,
        end: token.endIndex,
        scopes: token.scopes,
      });
    }
    state = result.ruleStack;
  });
  return { tokens, state };
}

/** Position (line, column) of the `nth` occurrence of `fragment` in `text`. */
function locate(text, fragment, nth = 0) {
  let offset = -1;
  for (let i = 0; i <= nth; i += 1) {
    offset = text.indexOf(fragment, offset + 1);
    if (offset < 0) throw new Error(`${JSON.stringify(fragment)} occurs fewer than ${nth + 1} times`);
  }
  const before = text.slice(0, offset).split('\n');
  return { line: before.length - 1, column: before[before.length - 1].length };
}

/** The scopes over each character of the `nth` occurrence of `fragment`. */
function scopesOf(tokens, text, fragment, nth = 0) {
  const { line, column } = locate(text, fragment, nth);
  const result = [];
  for (let c = column; c < column + fragment.length; c += 1) {
    const token = tokens.find((t) => t.line === line && t.start <= c && c < t.end);
    result.push(token ? token.scopes : []);
  }
  return result;
}

module.exports = { EXTENSION, REPOSITORY, loadGrammar, tokenize, scopesOf };
