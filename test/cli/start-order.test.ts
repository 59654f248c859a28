/**
 * StartOrder: conversations finish in any order and come out in start (id) order, held only while
 * an earlier one is still open; ids that never become conversations do not hold anything back.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { StartOrder } from '../../src/cli/start-order.js';

type Item = { id: number };

function collect(maxHeld?: number) {
  const out: number[] = [];
  const order = new StartOrder<Item>((c) => out.push(c.id), maxHeld);
  return { out, order };
}

describe('StartOrder', () => {
  it('holds a conversation only while an earlier one is open', () => {
    const { out, order } = collect();
    order.start(1);
    order.start(2);
    order.start(4); // id 3 was a connection that never became a conversation (HTTP, ignored)
    order.finish({ id: 2 });
    expect(out).toEqual([]);
    expect(order.heldCount).toBe(1);
    order.finish({ id: 4 });
    expect(out).toEqual([]);
    order.finish({ id: 1 });
    // 3 never comes: 2 and 4 are released at once, not at the end of the input.
    expect(out).toEqual([1, 2, 4]);
    expect(order.heldCount).toBe(0);
  });

  it('releases a conversation at once when nothing earlier is open', () => {
    const { out, order } = collect();
    order.start(5);
    order.start(9);
    order.finish({ id: 5 });
    expect(out).toEqual([5]);
    order.start(12);
    order.finish({ id: 12 });
    expect(out).toEqual([5]);
    order.finish({ id: 9 });
    expect(out).toEqual([5, 9, 12]);
  });

  it('bounds what it holds: beyond the cap the lowest is released early', () => {
    const { out, order } = collect(3);
    order.start(1);
    for (let id = 2; id <= 6; id++) {
      order.start(id);
      order.finish({ id });
    }
    // 1 is still open: 2..6 wait, but never more than 3 of them.
    expect(order.heldCount).toBe(3);
    expect(out).toEqual([2, 3]);
    order.finish({ id: 1 });
    expect(out).toEqual([2, 3, 1, 4, 5, 6]);
  });

  it('flush() releases everything held, in id order', () => {
    const { out, order } = collect();
    order.start(1);
    order.start(2);
    order.start(3);
    order.finish({ id: 3 });
    order.finish({ id: 2 });
    order.flush();
    expect(out).toEqual([2, 3]);
  });

  it('any finishing order gives ascending ids, each exactly once', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 1, max: 500 }), { minLength: 1, maxLength: 60 }), fc.integer(), (ids, seed) => {
        const started = [...ids].sort((a, b) => a - b);
        // A deterministic shuffle for the finishing order.
        const finishing = [...ids].sort((a, b) => ((a * 2654435761 + seed) >>> 0) % 1009 - ((b * 2654435761 + seed) >>> 0) % 1009);
        const { out, order } = collect();
        for (const id of started) order.start(id);
        for (const id of finishing) order.finish({ id });
        order.flush();
        expect(out).toEqual(started);
      }),
    );
  });
});
