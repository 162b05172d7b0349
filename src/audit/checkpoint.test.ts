import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatCheckpoint, safeParseCheckpoint } from './checkpoint.ts';

// The example body from the C2SP tlog-checkpoint specification.
const EXAMPLE = 'example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n';

test('the C2SP example checkpoint parses and formats back to the same text', () => {
  const parsed = safeParseCheckpoint(EXAMPLE);
  assert.ok(typeof parsed !== 'string');
  assert.equal(parsed.origin, 'example.com/behind-the-sofa');
  assert.equal(parsed.size, 20852163);
  assert.equal(Buffer.from(parsed.rootHash).toString('base64'), 'CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=');
  assert.equal(formatCheckpoint(parsed.origin, parsed.size, parsed.rootHash), EXAMPLE);
  const extended = safeParseCheckpoint(`${EXAMPLE}extension line\n`);
  assert.ok(typeof extended !== 'string' && extended.extensions[0] === 'extension line');
});

test('malformed checkpoints are refused', () => {
  const bad = [
    EXAMPLE.slice(0, -1),
    EXAMPLE.replace('20852163', '020852163'),
    EXAMPLE.replace('20852163', '-1'),
    EXAMPLE.replace('20852163', '99999999999999999999'),
    EXAMPLE.replace('CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=', 'CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2J='),
    EXAMPLE.replace('CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=', 'CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I'),
    EXAMPLE.replace('CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=', 'AAAA'),
    `\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n`,
    'example.com\n1\n',
    `${EXAMPLE}\n`,
  ];
  for (const text of bad) assert.equal(typeof safeParseCheckpoint(text), 'string', JSON.stringify(text));
});
