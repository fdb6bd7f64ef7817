// Every example space and the standard library highlight completely: each
// significant character gets a real scope, nothing is illegal, every construct closes.
'use strict';

const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { before, describe, test } = require('node:test');
const { REPOSITORY, loadGrammar, scopesOf, tokenize } = require('./tokenize.js');

const EXAMPLES = fs
  .readdirSync(path.join(REPOSITORY, 'examples'))
  .filter((name) => name.endsWith('.nas'))
  .sort()
  .map((name) => path.join(REPOSITORY, 'examples', name));
const FILES = [...EXAMPLES, path.join(REPOSITORY, 'dsl', 'std.nas')];

// A scope that says what a token is (not only where it lies).
const meaningful = (scope) => scope !== 'source.nas' && !scope.startsWith('meta.');

let grammar;
before(async () => {
  grammar = await loadGrammar();
});

test('there are example spaces to highlight', () => {
  assert.ok(EXAMPLES.length >= 5, `only ${EXAMPLES.length} examples found`);
});

describe('every file', () => {
  for (const file of FILES) {
    const name = path.relative(REPOSITORY, file);

    test(`${name}: every significant token has a scope, none is illegal`, () => {
      const text = fs.readFileSync(file, 'utf8');
      const { tokens, state } = tokenize(grammar, text);
      for (const token of tokens) {
        if (!token.text.trim()) continue;
        const where = `${name}:${token.line + 1}:${token.start + 1} ${JSON.stringify(token.text)}`;
        assert.ok(token.scopes.some(meaningful), `${where} has only ${token.scopes.join(' ')}`);
        assert.ok(
          !token.scopes.some((scope) => scope.startsWith('invalid')),
          `${where} is ${token.scopes.join(' ')}`,
        );
      }
      assert.equal(state.depth, 1, `${name} ends inside an unclosed construct`);
    });

    test(`${name}: rule heads, comments and the import are scoped`, () => {
      const text = fs.readFileSync(file, 'utf8');
      const { tokens } = tokenize(grammar, text);
      let heads = 0;
      for (const [index, line] of text.split('\n').entries()) {
        if (/^[A-Za-z_]\w*\s*::=/.test(line)) {
          heads += 1;
          const scopes = tokens.find((t) => t.line === index && t.start === 0).scopes;
          assert.ok(scopes.includes('entity.name.type.rule.nas'), `${name}:${index + 1} ${scopes}`);
        }
        const comment = line.indexOf('#');
        if (comment >= 0 && !line.includes('"')) {
          const token = tokens.find((t) => t.line === index && t.start <= comment && comment < t.end);
          assert.ok(
            token.scopes.includes('comment.line.number-sign.nas'),
            `${name}:${index + 1}:${comment + 1} ${token.scopes}`,
          );
        }
      }
      if (!name.endsWith('std.nas')) assert.ok(heads > 0, `${name} has no rules`);
      const imports = text.split('\n').flatMap((line, index) => (line.startsWith('import ') ? [index] : []));
      for (const index of imports) {
        const scopes = tokens.find((t) => t.line === index && t.start === 0).scopes;
        assert.ok(scopes.includes('keyword.control.import.nas'), `${name}:${index + 1} ${scopes}`);
      }
    });
  }
});

describe('hnb201.nas in detail', () => {
  const file = path.join(REPOSITORY, 'examples', 'hnb201.nas');
  let text;
  let tokens;
  before(() => {
    text = fs.readFileSync(file, 'utf8');
    ({ tokens } = tokenize(grammar, text));
  });

  const cases = [
    ['input', 0, 'keyword.other.input.nas'],
    ['classes', 0, 'variable.other.constant.nas'],
    ['ARCH', 0, 'entity.name.type.rule.nas'],
    ['Sequential', 0, 'entity.name.class.topology.nas'],
    ['STEM', 0, 'entity.name.type.nonterminal.nas'],
    ['conv', 0, 'entity.name.function.primitive.nas'],
    ['16', 0, 'constant.numeric.integer.nas'],
    ['kernel', 0, 'variable.parameter.nas'],
    ['classes', 2, 'variable.other.constant.nas'],
    ['zero edges never cut', 0, 'comment.line.number-sign.nas'],
    ['std', 0, 'entity.name.namespace.nas'],
    ['Residual3', 0, 'entity.name.class.topology.nas'],
    ['resblock', 0, 'entity.name.function.primitive.nas'],
    ['|', 0, 'keyword.operator.alternative.nas'],
    ['Cell', 0, 'entity.name.class.topology.nas'],
    ['dconv3x3', 0, 'entity.name.function.primitive.nas'],
    ['constraint', 0, 'keyword.other.constraint.nas'],
    ['connected', 0, 'support.function.constraint.nas'],
  ];
  for (const [fragment, nth, scope] of cases) {
    test(`${fragment} (#${nth + 1}) is ${scope}`, () => {
      for (const scopes of scopesOf(tokens, text, fragment, nth)) {
        assert.ok(scopes.includes(scope), `${fragment}: ${scopes.join(' ')}`);
      }
    });
  }
});
