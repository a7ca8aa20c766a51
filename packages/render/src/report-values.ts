/** Short, readable text for a number: integers as they are, others with 4 significant digits. */
export function formatNumber(value: number): string {
  if (Number.isInteger(value) && Math.abs(value) < 1e9) return String(value);
  if (!Number.isFinite(value)) return String(value);
  const size = Math.abs(value);
  if (size !== 0 && (size < 1e-3 || size >= 1e6)) return value.toExponential(3).replace(/\.?0+e/, 'e');
  return String(Number(value.toPrecision(4)));
}

function isNumberList(value: unknown): value is ArrayLike<number> {
  return (ArrayBuffer.isView(value) && !(value instanceof DataView)) || (Array.isArray(value) && value.every((v) => typeof v === 'number'));
}

/** A numeric array (plain or typed), or undefined. */
export function asNumberList(value: unknown): ArrayLike<number> | undefined {
  return isNumberList(value) ? (value as ArrayLike<number>) : undefined;
}

/** Any meta value as one line of plain text (not yet escaped). */
export function formatValue(value: unknown): string {
  if (value === null || value === undefined) return '—';
  if (typeof value === 'number') return formatNumber(value);
  if (typeof value === 'bigint' || typeof value === 'boolean') return String(value);
  if (typeof value === 'string') return value;
  if (typeof value === 'function') return 'function';
  const list = asNumberList(value);
  if (list) {
    const shown = Array.from(list)
      .slice(0, 8)
      .map((v) => formatNumber(Number(v)));
    return `[${shown.join(', ')}${list.length > 8 ? `, … ${list.length} values` : ''}]`;
  }
  if (typeof value === 'object' && 'shape' in value && 'data' in value && Array.isArray(value.shape)) {
    return `tensor [${value.shape.join(', ')}]`;
  }
  try {
    const json = JSON.stringify(value, (_key, v) => (ArrayBuffer.isView(v) ? `${v.constructor.name}(${(v as Uint8Array).length})` : v));
    return json.length > 160 ? `${json.slice(0, 157)}...` : json;
  } catch {
    return Object.prototype.toString.call(value);
  }
}
