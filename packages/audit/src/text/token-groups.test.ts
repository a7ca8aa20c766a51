import { describe, expect, it } from 'vitest';
import { isPunctuation, parseSuspects, tokenDisplay, tokenGroups, tokenKey } from './token-groups.js';

describe('token groups', () => {
  it('name tokens as they read: word-start marks dropped, word pieces kept apart', () => {
    expect(tokenDisplay('ĠJohn')).toBe('John');
    expect(tokenDisplay('▁Paris')).toBe('Paris');
    expect(tokenDisplay('Ġ')).toBe('Ġ');
    expect(tokenKey('##ing')).toBe('##ing');
    expect(tokenKey('ĠJohn')).toBe('john');
  });

  it('know punctuation and symbols, and the suspect list (case-insensitive, comments skipped)', () => {
    expect(['.', '!!', '$', ':)', '—', '…'].every(isPunctuation)).toBe(true);
    expect(['a', "don't", '3', 'x.y'].some(isPunctuation)).toBe(false);
    const suspects = parseSuspects('# names\nJohn\n\n  Mary \r\nĠDave\n');
    expect(suspects).toEqual(['john', 'mary', 'dave']);
    expect(tokenGroups('john', new Set(suspects))).toEqual(['suspect']);
    expect(tokenGroups('!', new Set(['!']))).toEqual(['punctuation', 'suspect']);
    expect(tokenGroups('film', new Set(suspects))).toEqual([]);
  });
});
