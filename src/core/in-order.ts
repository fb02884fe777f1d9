/**
 * Array helpers for async callbacks that must run one after another, in order — as a transaction's queries do
 * (one connection; on SQLite one writer). `Promise.all(xs.map(f))` would interleave them.
 */

/** `items.map(fn)` with an async `fn`, one item at a time. @returns the results in item order. */
export async function mapInOrder<T, R>(items: readonly T[], fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i++) out.push(await fn(items[i]!, i));
  return out;
}

/** `items.filter(pred)` with an async `pred`, one item at a time. @returns the kept items in order. */
export async function filterInOrder<T>(items: readonly T[], pred: (item: T) => Promise<boolean>): Promise<T[]> {
  const out: T[] = [];
  for (const item of items) if (await pred(item)) out.push(item);
  return out;
}
