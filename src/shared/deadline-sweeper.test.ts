import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DeadlineSweeper, sweepIntervalFor, type Expiring } from './deadline-sweeper.ts';

test('a sweep expires what is due, once it is due, and the interval stops when nothing is left', async () => {
  const sweeper = new DeadlineSweeper(10);
  const expired: string[] = [];
  const item = (name: string, deadline: number): Expiring => ({
    deadline,
    expire() {
      expired.push(name);
      this.deadline = Infinity;
    },
  });
  const soon = item('soon', performance.now() + 20);
  const never = item('never', Infinity);
  sweeper.add(soon);
  sweeper.add(never);
  sweeper.sweep();
  assert.deepEqual(expired, []);
  await new Promise((resolve) => setTimeout(resolve, 60));
  assert.deepEqual(expired, ['soon']);
  sweeper.delete(soon);
  sweeper.delete(never);
  assert.equal(sweeper.size, 0);
});

test('the interval is a quarter of the shortest timeout, within 10 ms and 1 s', () => {
  assert.equal(sweepIntervalFor(100), 25);
  assert.equal(sweepIntervalFor(1), 10);
  assert.equal(sweepIntervalFor(300_000), 1_000);
});
