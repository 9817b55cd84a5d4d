// Every example in docs/*.md runs here, page by page, against fresh members (conventions
// in docs/README.md). A broken example, or output that differs from what the page shows,
// fails the build.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { silenceLogs } from '../../src/pkg/logger.js';
import { waitFor } from '../helpers/process.js';
import { type Directive, type Example, parsePage } from './markdown.js';
import { PageRunner } from './runner.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const DOCS = join(ROOT, 'docs');

function isExample(s: Example | Directive): s is Example {
  return 'lang' in s;
}

/** A docs page, or `../README.md` (the repository's README, whose examples run too). */
async function runPage(file: string): Promise<{ ran: number; failures: string[] }> {
  const page = parsePage(readFileSync(join(DOCS, file), 'utf8'), `docs/${file}`);
  const failures: string[] = [];
  let ran = 0;
  if (!page.steps.some(isExample)) return { ran, failures };
  const runner = new PageRunner(ROOT, `docs/${file}`);
  try {
    await runner.setUp(page.setup);
    const steps = page.steps;
    for (let i = 0; i < steps.length; i++) {
      const step = steps[i]!;
      if (!isExample(step)) {
        await runner.stopDaemons();
        if (step.directive !== 'stop') {
          await runner.closeMembers();
          await runner.setUp(step.directive as 'member' | 'cluster' | 'none');
        }
        continue;
      }
      ran++;
      try {
        if (step.flags.has('daemon')) {
          const err = await runner.daemon(step);
          if (err) failures.push(err);
          continue;
        }
        if (step.flags.has('background')) {
          // The watch must be registered before the next example makes its change.
          const before = await runner.watchers();
          const bg = await runner.run(step);
          await waitFor(async () => (await runner.watchers()) > before, 'the watch', 10_000);
          const next = steps[i + 1];
          if (next && isExample(next) && !next.flags.has('background')) {
            i++;
            ran++;
            const fg = await runner.run(next);
            const err = await fg.check(fg.proc);
            if (err) failures.push(err);
          }
          const err = await bg.check(bg.proc);
          if (err) failures.push(err);
          continue;
        }
        const r = await runner.run(step);
        const err = await r.check(r.proc);
        if (err) failures.push(err);
      } catch (e) {
        failures.push(`docs/${file}:${step.line}: ${(e as Error).message}`);
      }
    }
  } catch (e) {
    failures.push(`docs/${file}: the page's members: ${(e as Error).stack ?? e}`);
  } finally {
    await runner.close();
  }
  return { ran, failures };
}

test('every example in docs/ runs and prints what the page shows', async (t) => {
  silenceLogs();
  const files = readdirSync(DOCS)
    .filter((f) => f.endsWith('.md'))
    .filter((f) => !process.env.DOCS_PAGE || f.includes(process.env.DOCS_PAGE))
    .sort();
  if (!process.env.DOCS_PAGE || 'README.md'.includes(process.env.DOCS_PAGE))
    files.push('../README.md');
  assert.ok(files.length > 0, 'docs/ has pages');
  let total = 0;
  const failures: string[] = [];
  for (const file of files) {
    const started = Date.now();
    if (process.env.DOCS_TRACE) process.stderr.write(`docs: ${file}\n`);
    const r = await runPage(file);
    total += r.ran;
    failures.push(...r.failures);
    t.diagnostic(`${file}: ${r.ran} examples in ${Date.now() - started} ms`);
  }
  t.diagnostic(`examples run: ${total}`);
  if (failures.length > 0)
    assert.fail(`${failures.length} example(s) failed:\n\n${failures.join('\n\n')}`);
  if (!process.env.DOCS_PAGE) assert.ok(total >= 50, `only ${total} examples ran`);
});
