/**
 * A JSON-friendly copy of method meta: typed arrays become arrays, tensors are summarised by
 * shape, non-finite numbers become strings, and deep or large values are cut.
 */
export function jsonable(value: unknown, depth = 0): unknown {
  if (value === null || value === undefined) return null;
  if (typeof value === 'number') return Number.isFinite(value) ? value : String(value);
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'bigint') return Number(value);
  if (depth > 6) return '…';
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
    const list = Array.from(value as unknown as ArrayLike<number>);
    return list.length > 1000 ? { length: list.length } : list.map((v) => jsonable(v, depth + 1));
  }
  if (Array.isArray(value)) return value.length > 1000 ? { length: value.length } : value.map((v) => jsonable(v, depth + 1));
  if (typeof value === 'object') {
    const record = value as Record<string, unknown>;
    if ('data' in record && 'shape' in record && ArrayBuffer.isView(record.data)) return { tensor: jsonable(record.shape, depth + 1) };
    return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, jsonable(v, depth + 1)]));
  }
  return String(value);
}
