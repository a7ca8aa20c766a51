/** The k items with the highest scores seen so far, best first; ties keep the earlier item. */
export class RankedList<T> {
  private readonly items: { score: number; item: T }[] = [];

  constructor(private readonly k: number) {}

  /** Offers an item; `make` builds it only when it makes the list (pictures are copied then). */
  offer(score: number, make: () => T): void {
    if (!Number.isFinite(score) || this.k <= 0) return;
    if (this.items.length === this.k && score <= this.items[this.items.length - 1]!.score) return;
    let at = this.items.length;
    while (at > 0 && this.items[at - 1]!.score < score) at--;
    this.items.splice(at, 0, { score, item: make() });
    if (this.items.length > this.k) this.items.pop();
  }

  list(): T[] {
    return this.items.map((i) => i.item);
  }
}
