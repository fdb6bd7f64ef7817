// The extension manifest contributes the language, its grammar and its configuration,
// and names the entry point that starts the language server.
'use strict';

const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { test } = require('node:test');
const { EXTENSION } = require('./tokenize.js');

const readJson = (name) => JSON.parse(fs.readFileSync(path.join(EXTENSION, name), 'utf8'));
const manifest = readJson('package.json');

test('the language nas is contributed for .nas files', () => {
  const [language] = manifest.contributes.languages;
  assert.equal(language.id, 'nas');
  assert.deepEqual(language.extensions, ['.nas']);
  assert.ok(fs.existsSync(path.join(EXTENSION, language.configuration)));
});

test('the grammar source.nas is contributed and is the file the tests read', () => {
  const [grammar] = manifest.contributes.grammars;
  assert.equal(grammar.language, 'nas');
  assert.equal(grammar.scopeName, 'source.nas');
  const raw = JSON.parse(fs.readFileSync(path.join(EXTENSION, grammar.path), 'utf8'));
  assert.equal(raw.scopeName, 'source.nas');
});

test('every include of the grammar names a rule of its repository', () => {
  const raw = readJson('syntaxes/nas.tmLanguage.json');
  const includes = JSON.stringify(raw).match(/"include":"#[^"]+"/g);
  assert.ok(includes.length > 10);
  for (const include of includes) {
    const rule = include.slice('"include":"#'.length, -1);
    assert.ok(rule in raw.repository, `${include} names no rule`);
  }
});

test('the client entry point and the language client are declared', () => {
  assert.equal(manifest.main, './extension.js');
  assert.ok(manifest.dependencies['vscode-languageclient']);
  assert.ok(manifest.engines.vscode);
});

test('the tools the tests and packaging use are pinned exactly', () => {
  for (const name of ['@vscode/vsce', 'vscode-oniguruma', 'vscode-textmate']) {
    assert.match(manifest.devDependencies[name], /^\d+\.\d+\.\d+$/, name);
  }
});

test('the language configuration: # comments, brackets, auto-closing, folding', () => {
  const configuration = readJson('language-configuration.json');
  assert.equal(configuration.comments.lineComment, '#');
  assert.deepEqual(configuration.brackets, [
    ['(', ')'],
    ['[', ']'],
  ]);
  const closing = configuration.autoClosingPairs.map((pair) => pair.open + pair.close);
  assert.deepEqual(closing, ['()', '[]', '""', "''"]);
  const folding = configuration.folding.markers;
  assert.ok(new RegExp(folding.start).test('# region layers'));
  assert.ok(new RegExp(folding.end).test('  # endregion'));
  assert.ok(!new RegExp(folding.start).test('ACT ::= relu'));
  const word = new RegExp(`^(?:${configuration.wordPattern})$`);
  for (const name of ['conv3x3', 'D2', 'global_avg_pool', '1e-5']) assert.ok(word.test(name), name);
});
