import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BOX, layoutPieces, visibleLabel } from '../../../webview/piecesLayout';

const pieces = (texts: string[]) => texts.map((text, i) => ({ text, offset: i }));

test('boxes flow left to right and wrap to a new row when the width runs out', () => {
  const layout = layoutPieces(pieces(['aaaa', 'bbbb', 'cccc']), 100);
  const [a, b, c] = layout.boxes;
  assert.equal(a.x, 0);
  assert.equal(b.y, 0);
  assert.equal(b.x, a.width + BOX.gap);
  assert.equal(c.x, 0, 'third box wraps');
  assert.equal(c.y, BOX.height + BOX.rowGap);
  assert.equal(layout.height, 2 * (BOX.height + BOX.rowGap));
});

test('a piece wider than the row still gets a row of its own', () => {
  const layout = layoutPieces(pieces(['x', 'a very long piece of text indeed']), 60);
  assert.equal(layout.boxes[1].x, 0);
  assert.ok(layout.boxes[1].width > 60);
});

test('whitespace is drawn as visible marks and characters are counted, not UTF-16 units', () => {
  assert.equal(visibleLabel(' a\tb\n'), '·a⇥b⏎');
  assert.equal(layoutPieces(pieces(['🙂🙂']), 500).boxes[0].chars, 2);
  assert.deepEqual(layoutPieces([], 500), { boxes: [], width: 0, height: 0 });
});
