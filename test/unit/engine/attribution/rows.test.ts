// RowStore: rows kept sparse, a row over its share of the edge budget keeps its largest entries and remembers the
// dropped |mass|.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { RowStore } from '../../../../src/engine/attribution/rows';

test('a row within its budget keeps every non-zero, in column order, and drops nothing', () => {
  const store = new RowStore(6, 4);
  store.add(7, Float32Array.from([0, 2, 0, -1, 0, 0.5]));
  const r = store.rows[0];
  assert.equal(r.node, 7);
  assert.deepEqual([...r.cols], [1, 3, 5]);
  assert.deepEqual([...r.vals], [2, -1, 0.5]);
  assert.equal(r.dropped, 0);
  assert.equal(store.storedEdges, 3);
});

test('a row over its budget keeps its largest |values| in column order and sums the |mass| it drops', () => {
  const store = new RowStore(8, 3);
  store.add(0, Float32Array.from([0.1, -4, 0, 3, -0.2, 0, 5, 1]));
  store.add(1, Float32Array.from([1, 1, 1, 1, 0, 0, 0, 0])); // ties: the first columns at the cut stay
  store.add(2, Float32Array.from([0, 0, 0, 0, 0, 0, 0, 0]));
  const [a, b, c] = store.rows;
  assert.deepEqual([...a.cols], [1, 3, 6]);
  assert.deepEqual([...a.vals], [-4, 3, 5]);
  assert.ok(Math.abs(a.dropped - (0.1 + 0.2 + 1)) < 1e-6);
  assert.deepEqual([...b.cols], [0, 1, 2]);
  assert.equal(b.dropped, 1);
  assert.equal(c.cols.length, 0);
  assert.equal(store.storedEdges, 6);
  // a later, shorter row is not polluted by the earlier ones' scratch
  store.add(3, Float32Array.from([0, 0, 0, 0, 0, 0, 0, 9]));
  assert.deepEqual([...store.rows[3].cols], [7]);
  assert.deepEqual([...store.rows[3].vals], [9]);
});
