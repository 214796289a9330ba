import { readFileSync } from 'node:fs';
import { expect, test } from 'vitest';
import { SETTINGS } from '../src/config/loadConfig.js';

test('the README documents every setting with its environment variable', () => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  for (const setting of SETTINGS) {
    expect(readme, `README is missing ${setting.env}`).toContain(`\`${setting.env}\``);
    expect(readme, `README is missing ${setting.path}`).toContain(`\`${setting.path}\``);
  }
});
