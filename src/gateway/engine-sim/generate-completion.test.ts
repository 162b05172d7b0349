import assert from 'node:assert/strict';
import { test } from 'node:test';
import { generateCompletion, hashText } from './generate-completion.ts';

test('the same seed gives the same tokens; another seed gives other tokens', () => {
  const one = generateCompletion({ seed: hashText('hello'), length: 50, limited: true, stop: [] });
  const again = generateCompletion({ seed: hashText('hello'), length: 50, limited: true, stop: [] });
  const other = generateCompletion({ seed: hashText('goodbye'), length: 50, limited: true, stop: [] });
  assert.deepEqual(one, again);
  assert.notEqual(one.text, other.text);
  assert.equal(one.tokens.length, 50);
  assert.equal(one.completionTokens, 50);
  assert.equal(one.text, one.tokens.join(''));
  assert.equal(one.finishReason, 'length');
  assert.equal(generateCompletion({ seed: 1, length: 5, limited: false, stop: [] }).finishReason, 'stop');
});

test('tokens are JSON-safe words and punctuation that read like sentences', () => {
  for (let seed = 0; seed < 200; seed++) {
    const { tokens, text } = generateCompletion({ seed, length: 80, limited: true, stop: [] });
    for (const token of tokens) assert.match(token, /^(?:[A-Z]?[a-z]+| [A-Za-z][a-z]*|[.,])$/);
    assert.equal(JSON.stringify(text), `"${text}"`, 'no character needs escaping');
    assert.match(text, /^[A-Z]/);
    assert.doesNotMatch(text, /,,|,\.|\.\.|\. [a-z]/);
  }
});

test('a stop string cuts the text before it and counts the token that completed it', () => {
  const full = generateCompletion({ seed: 7, length: 60, limited: true, stop: [] });
  const target = full.tokens[10] as string;
  const cutAt = full.text.indexOf(target);
  const stopped = generateCompletion({ seed: 7, length: 60, limited: true, stop: ['never-there', target] });
  assert.equal(stopped.finishReason, 'stop');
  assert.equal(stopped.stopReason, target);
  assert.equal(stopped.text, full.text.slice(0, cutAt));
  assert.equal(stopped.tokens.join(''), stopped.text);
  assert.equal(stopped.tokens.length, stopped.completionTokens);
  assert.ok(stopped.completionTokens <= 11);
  // A stop string spanning two tokens ends at the token that completes it.
  const span = `${full.tokens[3]}${full.tokens[4]}`;
  const spanned = generateCompletion({ seed: 7, length: 60, limited: true, stop: [span] });
  assert.equal(spanned.text, full.text.slice(0, full.text.indexOf(span)));
  assert.ok(spanned.completionTokens <= 5);
  // A stop string that never appears changes nothing but the text's bookkeeping.
  const absent = generateCompletion({ seed: 7, length: 60, limited: false, stop: ['\n'] });
  assert.equal(absent.text, full.text);
  assert.equal(absent.finishReason, 'stop');
  assert.equal(absent.stopReason, null);
});

test('hashText is 32-bit FNV-1a', () => {
  // Published FNV-1a test vectors.
  assert.equal(hashText(''), 0x811c9dc5);
  assert.equal(hashText('a'), 0xe40c292c);
  assert.equal(hashText('foobar'), 0xbf9cf968);
});
