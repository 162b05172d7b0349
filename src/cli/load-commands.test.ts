import assert from 'node:assert/strict';
import { test } from 'node:test';
import { COMMAND_ORDER, loadCommandGroup, loadCommands } from './load-commands.ts';

test('every command is listed once, in COMMAND_ORDER, and found through its first word', async () => {
  const commands = await loadCommands();
  assert.deepEqual(commands.map((command) => command.name), [...COMMAND_ORDER]);
  for (const command of commands) {
    const group = await loadCommandGroup(command.name.split(' ')[0] as string);
    assert.ok(group?.includes(command), `${command.name} is loaded by its first word`);
  }
});

test('an unknown first word loads nothing', async () => {
  assert.equal(await loadCommandGroup('nope'), null);
  assert.equal(await loadCommandGroup('constructor'), null);
  assert.equal(await loadCommandGroup('__proto__'), null);
});
