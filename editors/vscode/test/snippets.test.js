// Targeted snippets: each names a fragment and the scope every one of its characters must carry.
'use strict';

const assert = require('node:assert/strict');
const { before, describe, test } = require('node:test');
const { loadGrammar, scopesOf, tokenize } = require('./tokenize.js');

// [snippet, fragment, occurrence (0-based), expected scope]
const CASES = [
  // keywords
  ['import std', 'import', 0, 'keyword.control.import.nas'],
  ['import std', 'std', 0, 'entity.name.namespace.nas'],
  ['import "blocks.nas"', 'blocks.nas', 0, 'string.quoted.double.nas'],
  ['input [3, 32, 32]', 'input', 0, 'keyword.other.input.nas'],
  ['input sequence [64, 128]', 'sequence', 0, 'storage.modifier.layout.nas'],
  ['input vector [20]', 'vector', 0, 'storage.modifier.layout.nas'],
  ['param classes = 10', 'param', 0, 'keyword.other.param.nas'],
  ['param classes = 10', 'classes', 0, 'variable.other.constant.nas'],
  ['start NET', 'start', 0, 'keyword.other.start.nas'],
  ['start NET', 'NET', 0, 'entity.name.type.nonterminal.nas'],
  ['shared CELL, ACT', 'shared', 0, 'keyword.other.shared.nas'],
  ['shared CELL, ACT', 'CELL', 0, 'entity.name.type.nonterminal.nas'],
  ['shared CELL, ACT', 'ACT', 0, 'entity.name.type.nonterminal.nas'],
  ['constraint connected', 'constraint', 0, 'keyword.other.constraint.nas'],
  ['constraint connected', 'connected', 0, 'support.function.constraint.nas'],
  ['constraint depth(BLOCKS) <= 6', 'depth', 0, 'support.function.constraint.nas'],
  ['constraint depth(BLOCKS) <= 6', 'BLOCKS', 0, 'entity.name.type.nonterminal.nas'],
  ['constraint depth(BLOCKS) <= 6', '<=', 0, 'keyword.operator.comparison.nas'],
  ['constraint depth(BLOCKS) <= 6', '6', 0, 'constant.numeric.integer.nas'],
  ['prune unreachable', 'prune', 0, 'keyword.other.prune.nas'],
  ['prune unreachable', 'unreachable', 0, 'support.function.constraint.nas'],
  ['op conv3x3 = conv(kernel=3)', 'op', 0, 'keyword.other.op.nas'],
  ['op conv3x3 = conv(kernel=3)', 'conv3x3', 0, 'entity.name.function.primitive.nas'],
  ['op conv3x3 = conv(kernel=3)', 'conv', 1, 'entity.name.function.primitive.nas'],
  ['primitive relu', 'primitive', 0, 'keyword.other.primitive.nas'],
  ['primitive relu', 'relu', 0, 'entity.name.function.primitive.nas'],
  ['primitive conv(channels=*1, kernel=3, bias=false)', 'conv', 0, 'entity.name.function.primitive.nas'],
  ['primitive conv(channels=*1, kernel=3, bias=false)', 'channels', 0, 'variable.parameter.nas'],
  ['primitive conv(channels=*1, kernel=3, bias=false)', 'false', 0, 'constant.language.boolean.nas'],
  ['topology Residual(a, skip, b) edges (0,1) (0,2) (1,2)', 'topology', 0, 'keyword.other.topology.nas'],
  ['topology Residual(a, skip, b) edges (0,1) (0,2) (1,2)', 'Residual', 0, 'entity.name.class.topology.nas'],
  ['topology Residual(a, skip, b) edges (0,1) (0,2) (1,2)', 'skip', 0, 'variable.parameter.nas'],
  ['topology Residual(a, skip, b) edges (0,1) (0,2) (1,2)', 'edges', 0, 'keyword.other.edges.nas'],
  ['topology Residual(a, skip, b) edges (0,1) (0,2) (1,2)', '2', 0, 'constant.numeric.integer.node.nas'],
  ['topology Binary(op, a, b) edges (0,1) (0,1) merge op', 'op', 1, 'variable.parameter.nas'],
  ['topology Binary(op, a, b) edges (0,1) (0,1) merge op', 'merge', 0, 'keyword.other.merge.nas'],
  ['topology Binary(op, a, b) edges (0,1) (0,1) merge op', 'op', 2, 'entity.name.function.merge.nas'],
  ['topology Concat(a, b) edges (0,1) (0,1) merge concat', 'concat', 0, 'entity.name.function.merge.nas'],
  // rule heads, nonterminals, primitives and aliases, topologies
  ['ARCH ::= Sequential(STEM, D2, HEAD)', 'ARCH', 0, 'entity.name.type.rule.nas'],
  ['ARCH ::= Sequential(STEM, D2, HEAD)', '::=', 0, 'keyword.operator.definition.nas'],
  ['ARCH ::= Sequential(STEM, D2, HEAD)', 'Sequential', 0, 'entity.name.class.topology.nas'],
  ['ARCH ::= Sequential(STEM, D2, HEAD)', 'D2', 0, 'entity.name.type.nonterminal.nas'],
  ['ARCH ::= Sequential(STEM, D2, HEAD)', ',', 1, 'punctuation.separator.comma.nas'],
  ['ARCH ::= Sequential(STEM, D2, HEAD)', ')', 0, 'punctuation.parenthesis.end.nas'],
  ['Stage ::= Cell(OP, OP)', 'Stage', 0, 'entity.name.type.rule.nas'],
  ['ACT  ::= relu | hardswish', 'ACT', 0, 'entity.name.type.rule.nas'],
  ['ACT  ::= relu | hardswish', 'relu', 0, 'entity.name.function.primitive.nas'],
  ['ACT  ::= relu | hardswish', '|', 0, 'keyword.operator.alternative.nas'],
  ['CONV ::= conv3x3 | dconv3x3', 'dconv3x3', 0, 'entity.name.function.primitive.nas'],
  ['D ::= Sequential(CELL, resblock)', 'resblock', 0, 'entity.name.function.primitive.nas'],
  ['D ::= Cell (A, B)', 'Cell', 0, 'entity.name.class.topology.nas'],
  ['HEAD ::= linear(classes)', 'classes', 0, 'variable.other.constant.nas'],
  ['X ::= Sequential(conv(16, kernel=3), batchnorm)', 'kernel', 0, 'variable.parameter.nas'],
  ['X ::= Sequential(conv(16, kernel=3), batchnorm)', '=', 1, 'keyword.operator.assignment.nas'],
  ['X ::= Sequential(conv(16, kernel=3), batchnorm)', 'batchnorm', 0, 'entity.name.function.primitive.nas'],
  // constraints on zero patterns and budgets
  ['constraint edges(Cell) <= 9', 'edges', 0, 'support.function.constraint.nas'],
  ['constraint edges(Cell) <= 9', 'Cell', 0, 'entity.name.class.topology.nas'],
  ['constraint inputs(Cell) == 2', '==', 0, 'keyword.operator.comparison.nas'],
  ['constraint params <= 5e6', 'params', 0, 'support.function.constraint.nas'],
  ['constraint macs <= 600e6', '600e6', 0, 'constant.numeric.nas'],
  // value choices and parametrised rules
  ['K ::= 3 | 5', 'K', 0, 'entity.name.type.rule.nas'],
  ['K ::= 3 | 5', '5', 0, 'constant.numeric.integer.nas'],
  ['X ::= conv(16, kernel=K)', 'K', 0, 'entity.name.type.nonterminal.nas'],
  ['X ::= conv(16, kernel=(3 | 5))', '|', 0, 'keyword.operator.alternative.nas'],
  ['X ::= conv(16, kernel=(3 | 5))', '5', 0, 'constant.numeric.integer.nas'],
  ['X ::= conv(16, kernel=(3 | 5))', '(', 1, 'punctuation.parenthesis.begin.nas'],
  ['X ::= conv(16, kernel=(3 | 5))', ')', 0, 'meta.choice.nas'],
  ['X ::= conv(16, kernel=(3 | 5)), relu', 'relu', 0, 'entity.name.function.primitive.nas'],
  ['B(width, stride) ::= conv(width, stride=stride)', 'B', 0, 'entity.name.type.rule.nas'],
  ['B(width, stride) ::= conv(width, stride=stride)', 'width', 0, 'variable.parameter.nas'],
  ['B(width, stride) ::= conv(width, stride=stride)', 'stride', 0, 'variable.parameter.nas'],
  ['B(width, stride) ::= conv(width, stride=stride)', '::=', 0, 'keyword.operator.definition.nas'],
  ['B(width, stride) ::= conv(width, stride=stride)', 'width', 1, 'variable.other.constant.nas'],
  ['X ::= Sequential(B(16, (1 | 2)), relu)', '|', 0, 'keyword.operator.alternative.nas'],
  ['X ::= Sequential(B(16, (1 | 2)), relu)', 'relu', 0, 'entity.name.function.primitive.nas'],
  ['A ::= Sequential(relu, conv(3\nB(w) ::= conv(w)', 'B', 0, 'entity.name.type.rule.nas'],
  // numbers
  ['X ::= conv(64)', '64', 0, 'constant.numeric.integer.nas'],
  ['X ::= dropout(0.1)', '0.1', 0, 'constant.numeric.float.nas'],
  ['X ::= dropout(p=.5)', '.5', 0, 'constant.numeric.float.nas'],
  ['primitive batchnorm(eps=1e-5)', '1e-5', 0, 'constant.numeric.float.nas'],
  ['param shift = -3', '-3', 0, 'constant.numeric.integer.nas'],
  ['X ::= conv(channels=*2, stride=2)', '*', 0, 'keyword.operator.relative.nas'],
  ['X ::= conv(channels=*2, stride=2)', '2', 0, 'constant.numeric.nas'],
  ['X ::= conv(channels=*0.5)', '0.5', 0, 'constant.numeric.nas'],
  // weights
  ['MIXER ::= 2: attention(heads=4) | mlp(ratio=1)', '2', 0, 'constant.numeric.weight.nas'],
  ['MIXER ::= 2: attention(heads=4) | mlp(ratio=1)', ':', 2, 'keyword.operator.weight.nas'],
  ['FFN ::= mlp | 0.5 : Sequential(mlp, dropout)', '0.5', 0, 'constant.numeric.weight.nas'],
  ['FFN ::= mlp | 0.5 : Sequential(mlp, dropout)', ':', 2, 'keyword.operator.weight.nas'],
  // strings and comments
  ['"Two parallel paths."\ntopology Diamond(a, b, c, d) edges (0,1) (1,3) (0,2) (2,3)', 'Two parallel paths.', 0, 'string.quoted.docstring.double.nas'],
  ['  "indented doc"\nA ::= relu', 'indented doc', 0, 'string.quoted.docstring.double.nas'],
  ["'single doc'\nA ::= relu", 'single doc', 0, 'string.quoted.docstring.single.nas'],
  ['"a doc over\ntwo lines"\nA ::= relu', 'two lines', 0, 'string.quoted.docstring.double.nas'],
  ['"say \\"hi\\" here"\nA ::= relu', '\\"', 0, 'constant.character.escape.nas'],
  ['param name = "resnet"', 'resnet', 0, 'string.quoted.double.nas'],
  ['# a comment ::= | Sequential(', 'a comment ::= | Sequential(', 0, 'comment.line.number-sign.nas'],
  ['# a comment', '#', 0, 'punctuation.definition.comment.nas'],
  ['ACT ::= relu    # trailing | words', 'trailing | words', 0, 'comment.line.number-sign.nas'],
  ['X ::= Sequential(relu,   # inside a call\n  gelu)', 'inside a call', 0, 'comment.line.number-sign.nas'],
  ['param tag = "a # not a comment"', 'a # not a comment', 0, 'string.quoted.double.nas'],
  ['X ::= Sequential(D2, C10)', 'C10', 0, 'entity.name.type.nonterminal.nas'],
  ['param flag = true', 'true', 0, 'constant.language.boolean.nas'],
  // layout across lines
  ['DOWN ::= Sequential(CELL, resblock)\n       | Residual(CELL, resblock, resblock)', 'Residual', 0, 'entity.name.class.topology.nas'],
  ['NET ::= Sequential(conv(16), ACT,\n                   global_avg_pool, linear(classes))', 'global_avg_pool', 0, 'entity.name.function.primitive.nas'],
  ['NET ::= Sequential(conv(16), ACT,\n                   global_avg_pool, linear(classes))', 'classes', 0, 'variable.other.constant.nas'],
  // an unclosed call ends at the next rule head, so one typo does not colour the rest of the file
  ['A ::= Sequential(relu, B\nB ::= gelu', 'B', 1, 'entity.name.type.rule.nas'],
  ['A ::= Sequential(relu, B\nB ::= gelu', 'gelu', 0, 'entity.name.function.primitive.nas'],
  // a character the language has no use for
  ['A ::= relu @ gelu', '@', 0, 'invalid.illegal.character.nas'],
];

let grammar;
before(async () => {
  grammar = await loadGrammar();
});

describe('snippets', () => {
  for (const [snippet, fragment, nth, scope] of CASES) {
    test(`${JSON.stringify(snippet)}: ${JSON.stringify(fragment)} #${nth + 1} is ${scope}`, () => {
      const { tokens } = tokenize(grammar, snippet);
      for (const scopes of scopesOf(tokens, snippet, fragment, nth)) {
        assert.ok(scopes.includes(scope), `found ${scopes.join(' ')}`);
      }
    });
  }
});

test('a closed snippet leaves no construct open', () => {
  const { state } = tokenize(grammar, 'X ::= Sequential(conv(16, kernel=3), Cell(A, B))');
  assert.equal(state.depth, 1);
});

test('an unclosed call is closed by the next rule head', () => {
  const { state } = tokenize(grammar, 'A ::= Sequential(relu, conv(3\nB ::= gelu');
  assert.equal(state.depth, 1);
});
