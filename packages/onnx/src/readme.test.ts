import { readFileSync } from 'node:fs';
import { supportedOps } from '@salience/onnx-autodiff';
import { expect, it } from 'vitest';

it("the README's list of supported ops is supportedOps()", () => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const section = readme.slice(readme.indexOf('## Supported ops'), readme.indexOf('Ops that only compute'));
  const listed = section.slice(section.indexOf('\n\nAbs')).replace(/\s+/g, ' ').trim().replace(/\.$/, '').split(', ');
  expect(listed).toEqual([...supportedOps()]);
});
