/**
 * Puts finished conversations back in the order they started, holding as few as possible: a
 * conversation is released as soon as every conversation that started before it has finished.
 *
 * Why: file reports list conversations by id (start order), but they finish in any order. Holding
 * them until the id sequence has no hole does not work, since ids also number connections that never
 * become conversations (HTTP on port 80 probed and ignored): every such hole would hold everything
 * behind it. Knowing which ids are still open (start()) avoids that. At most MAX_HELD_CONVERSATIONS
 * are held; beyond that the lowest is released early (the order degrades, memory does not).
 */

/** Finished conversations held back waiting for an earlier one (memory bound of the window). */
export const MAX_HELD_CONVERSATIONS = 1000;

/** A binary min-heap of numbers, or of items by a numeric key. */
class MinHeap<T> {
  private readonly items: T[] = [];

  constructor(private readonly key: (t: T) => number) {}

  get size(): number {
    return this.items.length;
  }

  peek(): T | undefined {
    return this.items[0];
  }

  push(t: T): void {
    const a = this.items;
    a.push(t);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (this.key(a[p]!) <= this.key(a[i]!)) break;
      [a[p], a[i]] = [a[i]!, a[p]!];
      i = p;
    }
  }

  pop(): T | undefined {
    const a = this.items;
    const top = a[0];
    const last = a.pop();
    if (a.length > 0 && last !== undefined) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && this.key(a[l]!) < this.key(a[m]!)) m = l;
        if (r < a.length && this.key(a[r]!) < this.key(a[m]!)) m = r;
        if (m === i) break;
        [a[m], a[i]] = [a[i]!, a[m]!];
        i = m;
      }
    }
    return top;
  }
}

/**
 * Reorders items carrying an `id` (conversations) into ascending id order. Call start(id) when a
 * conversation starts and finish(item) when it ends; `release` receives items in id order (exactly
 * once each). flush() releases everything held (end of input).
 */
export class StartOrder<T extends { id: number }> {
  /** Ids started and not finished yet. */
  private readonly open = new Set<number>();
  /** The same ids as a heap (lazily cleaned: finished ids are dropped when they reach the top). */
  private readonly openHeap = new MinHeap<number>((n) => n);
  private readonly held = new MinHeap<T>((t) => t.id);

  constructor(private readonly release: (item: T) => void, private readonly maxHeld = MAX_HELD_CONVERSATIONS) {}

  start(id: number): void {
    if (this.open.has(id)) return;
    this.open.add(id);
    this.openHeap.push(id);
  }

  finish(item: T): void {
    this.open.delete(item.id);
    this.held.push(item);
    this.drain(false);
  }

  /** Releases every held item, in id order (the input is over). */
  flush(): void {
    this.drain(true);
  }

  /** Items currently held back. */
  get heldCount(): number {
    return this.held.size;
  }

  private drain(force: boolean): void {
    const heap = this.openHeap;
    while (heap.size > 0 && !this.open.has(heap.peek()!)) heap.pop();
    const lowestOpen = heap.size > 0 ? heap.peek()! : Infinity;
    for (;;) {
      const next = this.held.peek();
      if (next === undefined) return;
      if (!force && next.id > lowestOpen && this.held.size <= this.maxHeld) return;
      this.held.pop();
      this.release(next);
    }
  }
}
