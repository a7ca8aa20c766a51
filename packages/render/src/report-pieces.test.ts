import { describe, expect, it } from 'vitest';
import { convergenceSummary, parameterChips } from './report-pieces.js';

describe('report pieces', () => {
  it('folds every setting the user did not choose', () => {
    const entries: [string, unknown][] = [
      ['steps', 50],
      ['quadrature', 'gausslegendre'],
      ['captumTrapezoid', false],
      ['rounds', [{ steps: 50 }]],
    ];
    const defaults = parameterChips(entries);
    expect(defaults.indexOf('captumTrapezoid')).toBeGreaterThan(defaults.indexOf('<details>'));
    expect(defaults.indexOf('steps')).toBeLessThan(defaults.indexOf('<details>'));
    expect(defaults).toContain('other settings (2)');
    const chosen = parameterChips(entries, ['quadrature']);
    expect(chosen.indexOf('quadrature')).toBeLessThan(chosen.indexOf('<details>'));
    expect(chosen.indexOf('steps')).toBeGreaterThan(chosen.indexOf('<details>'));
    expect(chosen).toContain('other settings (3)');
    expect(parameterChips(entries, [])).toContain('defaults');
    expect(parameterChips([])).toContain('none');
    expect(parameterChips([['<b>', '"x"']])).toContain('&lt;b&gt;');
  });

  it('puts the convergence delta next to f(x) − f(baseline), and as a percentage of it', () => {
    const s = convergenceSummary(0.002, 0.402);
    expect(s.outputDifference).toBeCloseTo(0.4, 12);
    expect(s.percent).toBeCloseTo(0.5, 9);
    expect(s.text).toBe('Δ = 0.002 (0.5% of f(x) − f(baseline) = 0.4)');
    expect(convergenceSummary(-0.1, -0.1).percent).toBeUndefined();
    expect(convergenceSummary(-0.1, -0.1).text).toBe('Δ = -0.1');
  });
});
