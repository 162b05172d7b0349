import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FabrikError } from '../shared/errors.ts';
import { parseConfigText } from './parse-config-text.ts';

function refused(text: string, message: RegExp, file = 'f.yaml'): void {
  assert.throws(() => parseConfigText(text, file), (error: unknown) => {
    assert.ok(error instanceof FabrikError);
    assert.equal(error.code, 'invalid_config');
    assert.match(error.message, message);
    return true;
  });
}

test('full YAML: anchors and aliases, flow maps, multi-line strings, comments, quoting', () => {
  const text = [
    '# a comment line',
    'defaults: &replica { weight: 2, maxConcurrent: 8 }   # a flow map with an anchor',
    'a: *replica',
    'b: [*replica, { url: "http://x:1" }]',
    'literal: |',
    '  line one',
    '  line two',
    'folded: >-',
    '  folded',
    '  text',
    "quoted: 'it''s # not a comment'",
    'escaped: "tab\\tand \\u00e9"',
    'nothing: ~',
    'numbers: [1, 2.5, 0x1F, 1e3, true, x y]',
    'list:',
    '- 1',
    '- k: v',
    '  l: w',
  ].join('\n');
  assert.deepEqual(parseConfigText(text, 'f.yaml'), {
    defaults: { weight: 2, maxConcurrent: 8 },
    a: { weight: 2, maxConcurrent: 8 },
    b: [{ weight: 2, maxConcurrent: 8 }, { url: 'http://x:1' }],
    literal: 'line one\nline two\n',
    folded: 'folded text',
    quoted: "it's # not a comment",
    escaped: 'tab\tand é',
    nothing: null,
    numbers: [1, 2.5, 31, 1000, true, 'x y'],
    list: [1, { k: 'v', l: 'w' }],
  });
  // YAML 1.2 core schema: yes/no/on/off are strings, not booleans as in YAML 1.1.
  assert.deepEqual(parseConfigText('a: yes\nb: off\n', 'f.yaml'), { a: 'yes', b: 'off' });
});

test('a repeated key is an error naming it, the file, line and column', () => {
  refused('a: 1\nb: 2\na: 3\n', /^f\.yaml:3:1: is not valid YAML: repeats the key "a" \(keys must be unique\)$/);
  refused('s:\n  "k": 1\n  k: 2\n', /^f\.yaml:3:3: .*repeats the key "k"/);
});

test('syntax errors give the line and column', () => {
  refused('a: [1, 2\n', /^f\.yaml:2:1: is not valid YAML: Flow sequence/);
  refused('a: "open\n', /^f\.yaml:\d+:\d+: is not valid YAML: Missing closing "quote/);
  refused('models:\n\t- name: a\n', /^f\.yaml:2:1: is not valid YAML: Tabs are not allowed as indentation/);
  refused('a: 1\n---\nb: 2\n', /^f\.yaml:2:1: is not valid YAML: Source contains multiple documents/);
});

test('tags outside the core schema and merge keys are not read', () => {
  refused('a: !js/function "x"\n', /^f\.yaml:1:4: is not valid YAML: Unresolved tag: !js\/function \(only the YAML 1\.2 core schema's tags are read\)/);
  refused('a: !!binary aGk=\n', /Unresolved tag: tag:yaml\.org,2002:binary/);
  // `<<` is an ordinary key in YAML 1.2, so the schema refuses it as an unknown field later.
  assert.deepEqual(parseConfigText('a: &x { k: 1 }\nb:\n  <<: *x\n', 'f.yaml'), { a: { k: 1 }, b: { '<<': { k: 1 } } });
});

test('an alias bomb is refused before it is expanded', () => {
  const lines = ['a: &a ["x", "x", "x", "x", "x", "x", "x", "x", "x"]'];
  for (const [name, previous] of [['b', 'a'], ['c', 'b'], ['d', 'c'], ['e', 'd'], ['f', 'e'], ['g', 'f']] as const) {
    lines.push(`${name}: &${name} [${Array.from({ length: 9 }, () => `*${previous}`).join(', ')}]`);
  }
  refused(lines.join('\n'), /^f\.yaml: is not valid YAML: expands more than 100 aliases \(maxAliasCount\)/);
  refused('a: *nowhere\n', /^f\.yaml: is not valid YAML: Unresolved alias/);
});

test('JSON files are read as JSON', () => {
  assert.deepEqual(parseConfigText('{"a": [1, {"b": null}]}', 'f.json'), { a: [1, { b: null }] });
  refused('{"a": 1,}', /^f\.json: is not valid JSON: /, 'f.json');
});
