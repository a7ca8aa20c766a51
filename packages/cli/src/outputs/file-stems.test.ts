import { describe, expect, it } from 'vitest';
import { fileStems, safeFileName } from './file-stems.js';

describe('fileStems', () => {
  it('keeps every stem unique against every name of the run (c1/x.png c2/x.png c3/x-2.png)', () => {
    const stems = fileStems(['x', 'x', 'x-2']);
    expect(stems).toEqual(['x', 'x-3', 'x-2']);
    expect(new Set(stems).size).toBe(3);
  });

  it('numbers the rows of a .npy and still avoids a file of the same name, ignoring case', () => {
    expect(fileStems(['a[0]', 'a[1]', 'a-1', 'A-1'])).toEqual(['a-0', 'a-1', 'a-1-2', 'A-1-3']);
  });

  it('makes names safe for files', () => {
    expect(safeFileName('../../etc/passwd')).toBe('.._.._etc_passwd');
    expect(safeFileName('')).toBe('example');
  });
});
