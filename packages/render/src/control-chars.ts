const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/**
 * C0, DEL and C1 control characters as visible escapes (`\n`, `\x1b`), so that a token can neither
 * move a terminal's cursor nor inject escape sequences, and shows the same in HTML.
 */
export function showControlChars(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => NAMED[c] ?? `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}
