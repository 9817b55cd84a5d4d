// docs/configuration.md's flag table is generated from src/cli/etcd (npm run docs:flags):
// this fails when a flag, a default or a description changed and the page was not rebuilt.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { flagDefaults } from '../../src/cli/etcd/flags.js';
import { CONFIGURATION_MD, withFlagTable } from '../../scripts/docs-flags.js';

test('docs/configuration.md carries the flag table generated from the flag definitions', () => {
  const page = readFileSync(CONFIGURATION_MD, 'utf8');
  assert.equal(
    page,
    withFlagTable(page),
    'run `npm run docs:flags` and commit docs/configuration.md',
  );
});

test('the table names every flag and its ETCD_* variable', () => {
  const page = readFileSync(CONFIGURATION_MD, 'utf8');
  const flags = flagDefaults();
  assert.ok(flags.length >= 40, `only ${flags.length} flags defined`);
  for (const f of flags) {
    assert.ok(page.includes(`| \`--${f.name}\``), `--${f.name} missing`);
    if (f.name !== 'version')
      assert.ok(page.includes(`ETCD_${f.name.toUpperCase().replaceAll('-', '_')}`), f.name);
  }
});
