// What `vsce package` puts in the .vsix: the manifest, grammar, configuration, the
// client and its runtime dependencies; never the tests or the development tools.
'use strict';

const assert = require('node:assert/strict');
const { execFileSync } = require('node:child_process');
const path = require('node:path');
const { test } = require('node:test');
const { EXTENSION } = require('./tokenize.js');

const vsce = path.join(EXTENSION, 'node_modules', '@vscode', 'vsce', 'vsce');

test('the packaged files are the extension and its runtime dependencies only', () => {
  const listing = execFileSync(process.execPath, [vsce, 'ls'], { cwd: EXTENSION, encoding: 'utf8' });
  const files = listing.split('\n').filter(Boolean);
  for (const wanted of ['package.json', 'syntaxes/nas.tmLanguage.json', 'language-configuration.json', 'extension.js']) {
    assert.ok(files.includes(wanted), `${wanted} is not packaged`);
  }
  assert.ok(files.some((file) => file.startsWith('node_modules/vscode-languageclient/')));
  for (const file of files) {
    assert.ok(!file.startsWith('test/'), `${file} is packaged`);
    assert.ok(!/^node_modules\/(vscode-textmate|vscode-oniguruma|@vscode\/vsce)\//.test(file), `${file} is packaged`);
    assert.ok(!file.endsWith('.vsix'), `${file} is packaged`);
  }
});
