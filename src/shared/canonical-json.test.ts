import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FabrikError } from './errors.ts';
import { canonicalize, isCanonicalJson } from './canonical-json.ts';

function fromBits(hex: string): number {
  const view = new DataView(new ArrayBuffer(8));
  view.setBigUint64(0, BigInt(`0x${hex}`));
  return view.getFloat64(0);
}

test('RFC 8785 §3.2.2 example: whitespace, numbers, string escapes and member order', () => {
  const input = `{
  "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
  "string": "\\u20ac$\\u000F\\u000aA'\\u0042\\u0022\\u005c\\\\\\"\\/",
  "literals": [null, true, false]
}`;
  const expected = '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}';
  const output = canonicalize(JSON.parse(input));
  assert.equal(output, expected);
  // §3.2.4 publishes the UTF-8 bytes of that output.
  const published =
    '7b 22 6c 69 74 65 72 61 6c 73 22 3a 5b 6e 75 6c 6c 2c 74 72 75 65 2c 66 61 6c 73 65 5d 2c 22 6e 75 6d 62 65 72 73 22 3a ' +
    '5b 33 33 33 33 33 33 33 33 33 2e 33 33 33 33 33 33 33 2c 31 65 2b 33 30 2c 34 2e 35 2c 30 2e 30 30 32 2c 31 65 2d 32 37 ' +
    '5d 2c 22 73 74 72 69 6e 67 22 3a 22 e2 82 ac 24 5c 75 30 30 30 66 5c 6e 41 27 42 5c 22 5c 5c 5c 5c 5c 22 2f 22 7d';
  assert.equal(Buffer.from(output, 'utf8').toString('hex'), published.replaceAll(' ', ''));
  assert.equal(isCanonicalJson(output, JSON.parse(output)), true);
  assert.equal(isCanonicalJson(input, JSON.parse(input)), false);
});

test('RFC 8785 §3.2.3 example: members sort by UTF-16 code units, not code points', () => {
  const input = '{"\\u20ac":"Euro Sign","\\r":"Carriage Return","\\ufb33":"Hebrew Letter Dalet With Dagesh","1":"One",' +
    '"\\ud83d\\ude00":"Emoji: Grinning Face","\\u0080":"Control","\\u00f6":"Latin Small Letter O With Diaeresis"}';
  const sortedValues = ['Carriage Return', 'One', 'Control', 'Latin Small Letter O With Diaeresis', 'Euro Sign', 'Emoji: Grinning Face', 'Hebrew Letter Dalet With Dagesh'];
  const output = canonicalize(JSON.parse(input));
  // Object.values would put the integer-like key "1" first, so read the values in text order.
  assert.deepEqual([...output.matchAll(/":"([^"]+)"/g)].map((match) => match[1]), sortedValues);
  assert.equal(output, '{"\\r":"Carriage Return","1":"One","\u0080":"Control","\u00f6":"Latin Small Letter O With Diaeresis","\u20ac":"Euro Sign","\ud83d\ude00":"Emoji: Grinning Face","\ufb33":"Hebrew Letter Dalet With Dagesh"}');
});

test('RFC 8785 Appendix B: number serialisation samples', () => {
  const samples: [string, string][] = [
    ['0000000000000000', '0'],
    ['8000000000000000', '0'],
    ['0000000000000001', '5e-324'],
    ['8000000000000001', '-5e-324'],
    ['7fefffffffffffff', '1.7976931348623157e+308'],
    ['ffefffffffffffff', '-1.7976931348623157e+308'],
    ['4340000000000000', '9007199254740992'],
    ['c340000000000000', '-9007199254740992'],
    ['4430000000000000', '295147905179352830000'],
    ['44b52d02c7e14af5', '9.999999999999997e+22'],
    ['44b52d02c7e14af6', '1e+23'],
    ['44b52d02c7e14af7', '1.0000000000000001e+23'],
    ['444b1ae4d6e2ef4e', '999999999999999700000'],
    ['444b1ae4d6e2ef4f', '999999999999999900000'],
    ['444b1ae4d6e2ef50', '1e+21'],
    ['3eb0c6f7a0b5ed8c', '9.999999999999997e-7'],
    ['3eb0c6f7a0b5ed8d', '0.000001'],
    ['41b3de4355555553', '333333333.3333332'],
    ['41b3de4355555554', '333333333.33333325'],
    ['41b3de4355555555', '333333333.3333333'],
    ['41b3de4355555556', '333333333.3333334'],
    ['41b3de4355555557', '333333333.33333343'],
    ['becbf647612f3696', '-0.0000033333333333333333'],
    ['43143ff3c1cb0959', '1424953923781206.2'],
  ];
  for (const [bits, expected] of samples) assert.equal(canonicalize(fromBits(bits)), expected, bits);
  // The two non-finite samples must be errors (§3.2.2.3).
  for (const bits of ['7fffffffffffffff', '7ff0000000000000']) assert.throws(() => canonicalize(fromBits(bits)), FabrikError);
});

test('values outside the I-JSON data model throw invalid_option naming the path', () => {
  const cases: [unknown, RegExp][] = [
    [{ a: [1, undefined] }, /\$\.a\[1\]/],
    [{ when: new Date(0) }, /\$\.when: a Date object/],
    [{ big: 1n }, /bigint/],
    [{ text: 'a\ud800b' }, /lone surrogate/],
    [{ ['\udc00']: 1 }, /lone surrogate/],
    [Number.NaN, /finite/],
    [() => 1, /function/],
  ];
  for (const [value, message] of cases) {
    assert.throws(() => canonicalize(value), (error: unknown) => error instanceof FabrikError && error.code === 'invalid_option' && message.test(error.message));
  }
  const cyclic: Record<string, unknown> = {};
  cyclic.self = cyclic;
  assert.throws(() => canonicalize(cyclic), /cycle/);
});

test('undefined members are left out, -0 is 0, shared (non-cyclic) references are fine', () => {
  const shared = { x: 1 };
  assert.equal(canonicalize({ b: undefined, a: -0, c: [shared, shared] }), '{"a":0,"c":[{"x":1},{"x":1}]}');
  assert.equal(canonicalize(Object.assign(Object.create(null), { z: true })), '{"z":true}');
});

test('isCanonicalJson accepts exactly the canonical spelling', () => {
  const check = (text: string): boolean => isCanonicalJson(text, JSON.parse(text));
  assert.equal(check('{"10":1,"9":2}'), true); // "10" < "9" in code units, though JS keeps 9 first
  assert.equal(check('{"9":2,"10":1}'), false);
  assert.equal(check('{"a":1,"a":2}'), false);
  assert.equal(check('{"a":1.0}'), false);
  assert.equal(check('{"a":1 }'), false);
  assert.equal(check('{"a":"\\u0041"}'), false);
  assert.equal(check('{"a":"\\u001f"}'), true);
  assert.equal(check('"\\ud800"'), false);
  assert.equal(check('1e400'), false);
  assert.equal(check('[{"b":[],"a":{}}]'), false);
  assert.equal(check('[{"a":{},"b":[]}]'), true);
});
