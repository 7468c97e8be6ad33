/**
 * A set of mutually incomparable elements under `lessEqual`: inserting keeps only the minimal ones.
 *
 * @example
 * const a = new Antichain(productOrder.lessEqual, [Timestamp.of(2, 0), Timestamp.of(1, 3)]);
 * a.insert(Timestamp.of(1, 0)); // true: it is below both, which drop out
 * a.elements(); // [(1, [0])]
 */
export class Antichain<T> {
  private readonly items: T[] = [];
  private readonly le: (a: T, b: T) => boolean;

  constructor(lessEqual: (a: T, b: T) => boolean, elements: Iterable<T> = []) {
    this.le = lessEqual;
    for (const e of elements) this.insert(e);
  }

  /** Adds `element` unless some member is ≤ it; drops members it is ≤ to. Returns whether it was added. */
  insert(element: T): boolean {
    const items = this.items;
    for (let i = 0; i < items.length; i++) if (this.le(items[i]!, element)) return false;
    let w = 0;
    for (let i = 0; i < items.length; i++) {
      const x = items[i]!;
      if (!this.le(element, x)) items[w++] = x;
    }
    items.length = w;
    items.push(element);
    return true;
  }

  /** Some member is ≤ `element`. */
  lessEqual(element: T): boolean {
    const items = this.items;
    for (let i = 0; i < items.length; i++) if (this.le(items[i]!, element)) return true;
    return false;
  }

  /** Some member is < `element` (≤ and not ≥). */
  lessThan(element: T): boolean {
    const items = this.items;
    for (let i = 0; i < items.length; i++) {
      const x = items[i]!;
      if (this.le(x, element) && !this.le(element, x)) return true;
    }
    return false;
  }

  get size(): number {
    return this.items.length;
  }

  isEmpty(): boolean {
    return this.items.length === 0;
  }

  elements(): readonly T[] {
    return this.items;
  }

  [Symbol.iterator](): Iterator<T> {
    return this.items[Symbol.iterator]();
  }
}
