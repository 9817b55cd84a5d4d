// The differential suite's scripts: hand-written scenarios for every feature and error,
// plus seeded random operation sequences. Each script works under its own directory and
// removes it at the end, so no TTL or key outlives it and indexes stay aligned.
import type { Script, Step } from './diff-runner.js';

const K = '/v2/keys';

function req(method: string, path: string, body?: string, contentType?: string): Step {
  const s: Step = { op: 'req', method, path };
  if (body !== undefined) s.body = body;
  if (contentType !== undefined) s.contentType = contentType;
  return s;
}

/** A scenario under directory `d` (paths are relative to /v2/keys/<d>). */
type Scenario = (d: string) => Step[];

const scenarios: Record<string, Scenario> = {
  setGet: (d) => [
    req('PUT', `${K}/${d}/a?value=one`),
    req('GET', `${K}/${d}/a`),
    req('PUT', `${K}/${d}/a?value=two`),
    req('GET', `${K}/${d}`),
    req('HEAD', `${K}/${d}/a`),
    req('HEAD', `${K}/${d}/missing`),
  ],
  formBody: (d) => [
    req('PUT', `${K}/${d}/a?value=query`, 'value=body'),
    req('PUT', `${K}/${d}/b`, 'value=x%20y+z&ttl='),
    req('POST', `${K}/${d}/q`, 'value=posted'),
    req('PUT', `${K}/${d}/c`, 'value=plain', 'text/plain'),
    req('DELETE', `${K}/${d}/a`, 'prevValue=nope'),
    req('GET', `${K}/${d}/?recursive=true&sorted=true`),
    req('PUT', `${K}/${d}/e`, 'value=%zz'),
    req('PUT', `${K}/${d}/f?value=a;b`),
    req('PUT', `${K}/${d}/g`, 'value=1&prevIndex=x'),
  ],
  escaping: (d) => [
    req(
      'PUT',
      `${K}/${d}/e1`,
      `value=${encodeURIComponent('"<>&\b\f\u0001\t\n\r\u2028\u2029é✓😀\\')}`,
    ),
    req('PUT', `${K}/${d}/sp%20ace%2Fq?value=1`),
    req('GET', `${K}/${d}/sp%20ace/q`),
    req('PUT', `${K}/${d}/plus?value=a+b%2Bc`),
    req('PUT', `${K}/${d}/bin?value=%FF%FEa%E2%82b%C0%80%ED%A0%80%F4%90%80%80z`),
    req('PUT', `${K}/${d}/%FFkey?value=1`),
    req('PUT', `${K}/${d}/rawbody`, 'value=üñ✓😀'),
    req('GET', `${K}/${d}?recursive=true&sorted=true`),
  ],
  dirs: (d) => [
    req('PUT', `${K}/${d}/dir?dir=true`),
    req('PUT', `${K}/${d}/dir?dir=true`),
    req('PUT', `${K}/${d}/dir?dir=true&prevExist=false`),
    req('PUT', `${K}/${d}/dir?prevExist=true`),
    req('GET', `${K}/${d}/dir`),
    req('PUT', `${K}/${d}/dir?value=x`),
    req('PUT', `${K}/${d}/dir?value=x&prevExist=true`),
    req('PUT', `${K}/${d}/dir/f?value=1`),
    req('DELETE', `${K}/${d}/dir`),
    req('DELETE', `${K}/${d}/dir?dir=true`),
    req('DELETE', `${K}/${d}/dir/f?dir=true`),
    req('PUT', `${K}/${d}/dir/g/h?value=2`),
    req('GET', `${K}/${d}/dir?recursive=true`),
    req('DELETE', `${K}/${d}/dir?recursive=true`),
    req('GET', `${K}/${d}/dir`),
    req('PUT', `${K}/${d}/dv?dir=true&value=ignored`),
    req('PUT', `${K}/${d}/file?value=1`),
    req('PUT', `${K}/${d}/file?dir=true`),
    req('GET', `${K}/${d}/file`),
  ],
  notDirs: (d) => [
    req('PUT', `${K}/${d}/f?value=1`),
    req('PUT', `${K}/${d}/f/x?value=1`),
    req('PUT', `${K}/${d}/f/x?value=1&prevExist=false`),
    req('POST', `${K}/${d}/f?value=1`),
    req('GET', `${K}/${d}/f/x/y`),
    req('DELETE', `${K}/${d}/f/x`),
    req('GET', `${K}/${d}/nope/x/y`),
    req('PUT', `${K}/${d}/nope/x?value=1&prevExist=true`),
  ],
  createUpdate: (d) => [
    req('PUT', `${K}/${d}/a?value=1&prevExist=false`),
    req('PUT', `${K}/${d}/a?value=2&prevExist=false`),
    req('PUT', `${K}/${d}/a?value=3&prevExist=true`),
    req('PUT', `${K}/${d}/b?value=3&prevExist=true`),
    req('PUT', `${K}/${d}/a?value=4&prevExist=TRUE`),
    req('PUT', `${K}/${d}/a?value=4&prevExist=yes`),
    req('PUT', `${K}/${d}/a?value=5&prevExist=false&prevExist=true`),
    req('PUT', `${K}/${d}/c?prevExist=false&dir=true`),
  ],
  cas: (d) => [
    req('PUT', `${K}/${d}/a?value=one`),
    req('PUT', `${K}/${d}/a?value=two&prevValue=one`),
    req('PUT', `${K}/${d}/a?value=three&prevValue=one`),
    req('PUT', `${K}/${d}/a?value=three&prevIndex={{1}}`),
    req('PUT', `${K}/${d}/a?value=three&prevIndex={{2}}`),
    req('PUT', `${K}/${d}/a?value=four&prevIndex={{1}}&prevValue=zzz`),
    req('PUT', `${K}/${d}/a?value=four&prevIndex={{3}}&prevValue=zzz`),
    req('PUT', `${K}/${d}/a?value=four&prevIndex={{1}}&prevValue=three`),
    req('PUT', `${K}/${d}/a?value=five&prevIndex=0&prevValue=three`),
    req('PUT', `${K}/${d}/a?value=six&prevValue=five&prevExist=true`),
    req('PUT', `${K}/${d}/a?value=six&prevValue=nope&prevExist=false`),
    req('PUT', `${K}/${d}/missing?value=x&prevValue=y`),
    req('PUT', `${K}/${d}/dd?dir=true`),
    req('PUT', `${K}/${d}/dd?value=x&prevValue=y`),
    req('PUT', `${K}/${d}/a?value=x&prevValue=`),
    req('PUT', `${K}/${d}/a?value=x&prevIndex=-1`),
    req('PUT', `${K}/${d}/a?value=x&prevIndex=1.5`),
  ],
  cad: (d) => [
    req('PUT', `${K}/${d}/a?value=one`),
    req('DELETE', `${K}/${d}/a?prevValue=two`),
    req('DELETE', `${K}/${d}/a?prevIndex={{5}}`),
    req('DELETE', `${K}/${d}/a?prevIndex={{5}}&prevValue=two`),
    req('DELETE', `${K}/${d}/a?prevValue=one`),
    req('PUT', `${K}/${d}/b?value=one`),
    req('DELETE', `${K}/${d}/b?prevIndex={{2}}`),
    req('DELETE', `${K}/${d}/b?prevIndex={{2}}`),
    req('PUT', `${K}/${d}/dd?dir=true`),
    req('DELETE', `${K}/${d}/dd?prevValue=x`),
  ],
  inOrder: (d) => [
    req('POST', `${K}/${d}/q?value=first`),
    req('POST', `${K}/${d}/q?value=second`),
    req('PUT', `${K}/${d}/other?value=gap`),
    req('POST', `${K}/${d}/q?value=third&ttl=500`),
    req('POST', `${K}/${d}/q?dir=true`),
    req('GET', `${K}/${d}/q?sorted=true`),
    req('GET', `${K}/${d}/q?recursive=true&sorted=true`),
    req('POST', `${K}/${d}/other?value=x`),
  ],
  ttl: (d) => [
    req('PUT', `${K}/${d}/t?value=1&ttl=100`),
    req('GET', `${K}/${d}/t`),
    req('PUT', `${K}/${d}/t?value=2&ttl=200&prevExist=true`),
    req('PUT', `${K}/${d}/t?value=3&prevExist=true`),
    req('PUT', `${K}/${d}/t?value=4&ttl=300`),
    req('PUT', `${K}/${d}/t?value=5&ttl=`),
    req('PUT', `${K}/${d}/t?value=6&ttl=abc`),
    req('PUT', `${K}/${d}/t?value=6&ttl=-5`),
    req('PUT', `${K}/${d}/t?value=6&ttl=1.5`),
    req('PUT', `${K}/${d}/td?dir=true&ttl=100`),
    req('PUT', `${K}/${d}/td/x?value=1&ttl=50`),
    req('GET', `${K}/${d}/td?recursive=true`),
    req('PUT', `${K}/${d}/td?dir=true&ttl=400&prevExist=true`),
    req('PUT', `${K}/${d}/td?dir=true&prevExist=true`),
    req('GET', `${K}/${d}/td`),
    req('PUT', `${K}/${d}/t?value=7&ttl=100&prevValue=5`),
    req('PUT', `${K}/${d}/t?value=8&ttl=100&prevIndex={{6}}`),
    req('PUT', `${K}/${d}/huge?value=1&ttl=9999999999`),
  ],
  refresh: (d) => [
    req('PUT', `${K}/${d}/r?value=1&ttl=100`),
    req('PUT', `${K}/${d}/r?refresh=true&ttl=200`),
    req('PUT', `${K}/${d}/r?refresh=true&ttl=200&value=x`),
    req('PUT', `${K}/${d}/r?refresh=true`),
    req('PUT', `${K}/${d}/r?refresh=true&ttl=300&prevExist=true`),
    req('PUT', `${K}/${d}/r?refresh=true&ttl=300&prevValue=1`),
    req('PUT', `${K}/${d}/r?refresh=maybe&ttl=300`),
    req('PUT', `${K}/${d}/missing?refresh=true&ttl=300`),
    req('GET', `${K}/${d}/r`),
  ],
  hidden: (d) => [
    req('PUT', `${K}/${d}/_h?value=1`),
    req('PUT', `${K}/${d}/v?value=1`),
    req('PUT', `${K}/${d}/_hd/x?value=1`),
    req('GET', `${K}/${d}?recursive=true`),
    req('GET', `${K}/${d}/_h`),
    req('GET', `${K}/${d}/_hd?recursive=true`),
  ],
  root: () => [
    req('PUT', `${K}/?value=1`),
    req('PUT', `${K}?value=1`),
    req('PUT', `${K}/?dir=true`),
    req('PUT', `${K}/?value=1&prevExist=true`),
    req('PUT', `${K}/?value=1&prevExist=false`),
    req('PUT', `${K}/?value=1&prevValue=x`),
    req('DELETE', `${K}/`),
    req('DELETE', `${K}/?recursive=true`),
    req('DELETE', `${K}/?prevValue=1`),
    req('DELETE', `${K}/?prevIndex=1`),
  ],
  validation: (d) => [
    req('PUT', `${K}/${d}/v?value=1&recursive=x`),
    req('PUT', `${K}/${d}/v?value=1&sorted=x`),
    req('GET', `${K}/${d}/v?wait=x`),
    req('PUT', `${K}/${d}/v?value=1&dir=x`),
    req('GET', `${K}/${d}/v?quorum=x`),
    req('GET', `${K}/${d}/v?stream=x`),
    req('PUT', `${K}/${d}/v?value=1&wait=true`),
    req('DELETE', `${K}/${d}/v?wait=true`),
    req('GET', `${K}/${d}/v?waitIndex=abc&wait=true`),
    req('PUT', `${K}/${d}/v?value=1&noValueOnSuccess=x`),
    req('PUT', `${K}/${d}/v?value=1&noValueOnSuccess=true`),
    req('GET', `${K}/${d}/v?noValueOnSuccess=true`),
    req('PATCH', `${K}/${d}/v`),
    req('OPTIONS', `${K}/${d}/v`),
    req('PUT', `${K}/${d}/v?value=1&prevIndex=18446744073709551616`),
    req('PUT', `${K}/${d}/v?value=1&ttl=18446744073709551616`),
    req('PUT', `${K}/${d}/v?value=1&ttl=+5`),
  ],
  quorum: (d) => [
    req('PUT', `${K}/${d}/a?value=1`),
    req('GET', `${K}/${d}/a?quorum=true`),
    req('GET', `${K}/${d}/nope?quorum=true`),
    req('GET', `${K}/${d}/a?quorum=true&wait=true`),
  ],
  watchKey: (d) => [
    req('PUT', `${K}/${d}/a?value=0`),
    { op: 'watch', id: 'w', path: `${K}/${d}/a?wait=true` },
    req('PUT', `${K}/${d}/b?value=other`),
    req('PUT', `${K}/${d}/a?value=1`),
    { op: 'await', id: 'w' },
  ],
  watchRecursive: (d) => [
    { op: 'watch', id: 'w', path: `${K}/${d}?wait=true&recursive=true` },
    { op: 'watch', id: 'n', path: `${K}/${d}?wait=true` },
    req('PUT', `${K}/${d}/x/y?value=1`),
    { op: 'await', id: 'w' },
    req('DELETE', `${K}/${d}?recursive=true`),
    { op: 'await', id: 'n' },
  ],
  watchHidden: (d) => [
    req('PUT', `${K}/${d}/seed?value=1`),
    { op: 'watch', id: 'w', path: `${K}/${d}?wait=true&recursive=true` },
    { op: 'watch', id: 'h', path: `${K}/${d}/_h?wait=true` },
    req('PUT', `${K}/${d}/_h?value=1`),
    req('PUT', `${K}/${d}/seen?value=1`),
    { op: 'await', id: 'w' },
    { op: 'await', id: 'h' },
  ],
  watchPast: (d) => [
    req('PUT', `${K}/${d}/a?value=1`),
    req('PUT', `${K}/${d}/b?value=2`),
    req('PUT', `${K}/${d}/a?value=3`),
    { op: 'watch', id: 'w1', path: `${K}/${d}/a?wait=true&waitIndex={{1}}` },
    { op: 'await', id: 'w1' },
    { op: 'watch', id: 'w2', path: `${K}/${d}/a?wait=true&waitIndex={{2}}` },
    { op: 'await', id: 'w2' },
    { op: 'watch', id: 'w3', path: `${K}/${d}?wait=true&recursive=true&waitIndex={{2}}` },
    { op: 'await', id: 'w3' },
    { op: 'watch', id: 'w4', path: `${K}/${d}/a?wait=true&waitIndex={{4}}` },
    req('PUT', `${K}/${d}/a?value=4`),
    { op: 'await', id: 'w4' },
    { op: 'watch', id: 'w5', path: `${K}/${d}/a?wait=true&waitIndex={{100}}` },
    req('PUT', `${K}/${d}/a?value=5`),
    req('DELETE', `${K}/${d}/a`),
    req('GET', `${K}/${d}/a`),
  ],
  watchDeleteDir: (d) => [
    req('PUT', `${K}/${d}/dir/sub/leaf?value=1`),
    { op: 'watch', id: 'leaf', path: `${K}/${d}/dir/sub/leaf?wait=true` },
    { op: 'watch', id: 'dir', path: `${K}/${d}/dir?wait=true` },
    req('DELETE', `${K}/${d}/dir?recursive=true`),
    { op: 'await', id: 'leaf' },
    { op: 'await', id: 'dir' },
    { op: 'watch', id: 'past', path: `${K}/${d}/dir/sub/leaf/deeper?wait=true&waitIndex={{2}}` },
    { op: 'await', id: 'past' },
  ],
  watchStream: (d) => [
    { op: 'watch', id: 's', path: `${K}/${d}?wait=true&recursive=true&stream=true` },
    req('PUT', `${K}/${d}/a?value=1`),
    req('PUT', `${K}/${d}/b?value=2`),
    req('DELETE', `${K}/${d}/a`),
    { op: 'await', id: 's', events: 3 },
  ],
  watchStreamPast: (d) => [
    req('PUT', `${K}/${d}/a?value=1`),
    // The reference sends only the first past event on a stream; compare that one.
    { op: 'watch', id: 's', path: `${K}/${d}/a?wait=true&stream=true&waitIndex={{1}}` },
    { op: 'await', id: 's', events: 1 },
  ],
  watchCas: (d) => [
    req('PUT', `${K}/${d}/a?value=1`),
    { op: 'watch', id: 'w', path: `${K}/${d}/a?wait=true` },
    req('PUT', `${K}/${d}/a?value=2&prevValue=1`),
    { op: 'await', id: 'w' },
    { op: 'watch', id: 'x', path: `${K}/${d}/a?wait=true` },
    req('DELETE', `${K}/${d}/a?prevValue=2`),
    { op: 'await', id: 'x' },
    { op: 'watch', id: 'y', path: `${K}/${d}/q?wait=true&recursive=true` },
    req('POST', `${K}/${d}/q?value=v`),
    { op: 'await', id: 'y' },
  ],
  watchRefresh: (d) => [
    req('PUT', `${K}/${d}/r?value=1&ttl=100`),
    { op: 'watch', id: 'w', path: `${K}/${d}/r?wait=true` },
    req('PUT', `${K}/${d}/r?refresh=true&ttl=200`),
    req('PUT', `${K}/${d}/r?value=2`),
    { op: 'await', id: 'w' },
    { op: 'watch', id: 'p', path: `${K}/${d}/r?wait=true&waitIndex={{2}}` },
    { op: 'await', id: 'p' },
  ],
  expireFile: (d) => [
    req('PUT', `${K}/${d}/e?value=1&ttl=1`),
    { op: 'watch', id: 'w', path: `${K}/${d}/e?wait=true` },
    { op: 'await', id: 'w' },
    req('GET', `${K}/${d}/e`),
  ],
  expireDir: (d) => [
    req('PUT', `${K}/${d}/ed?dir=true&ttl=1`),
    req('PUT', `${K}/${d}/ed/child?value=1`),
    { op: 'watch', id: 'c', path: `${K}/${d}/ed/child?wait=true` },
    { op: 'watch', id: 'r', path: `${K}/${d}?wait=true&recursive=true` },
    { op: 'await', id: 'c' },
    { op: 'await', id: 'r' },
    req('GET', `${K}/${d}/ed/child`),
  ],
  edges: (d) => [
    req('PUT', `${K}/${d}/f?value=1`),
    req('DELETE', `${K}/${d}/f?dir=true`),
    req('PUT', `${K}/${d}/g?value=1`),
    req('DELETE', `${K}/${d}/g?recursive=true`),
    req('PUT', `${K}/${d}/h?value=1&prevIndex=0`),
    req('PUT', `${K}/${d}/h?value=2&prevIndex=0&prevExist=true`),
    req('PUT', `${K}/${d}/h?value=3&prevIndex=0&prevValue=2`),
    req('GET', `${K}/${d}/h?recursive=true&sorted=true`),
    req('GET', `${K}/${d}/h?waitIndex=5`),
    req('HEAD', `${K}/${d}/h?wait=true`),
    req('PUT', `${K}/${d}/slash/?value=1`),
    req('GET', `${K}/${d}/slash/`),
    req('PUT', `${K}/${d}/x/../y?value=1`),
    req('GET', `${K}/${d}/x/../y`),
    req('GET', `${K}/${d}/%2e%2e/y`),
    req('GET', `${K}/${d}//y`),
    req('GET', `${K}/${d}/%zz`),
    req('POST', `${K}/${d}/pd?dir=true&ttl=300`),
    req('PUT', `${K}/${d}/td?dir=true&ttl=300`),
    req('PUT', `${K}/${d}/td?dir=true&ttl=&prevExist=true`),
    req('GET', `${K}/${d}/td`),
    req('PUT', `${K}/${d}/empty?value=`),
    req('PUT', `${K}/${d}/novalue`),
    req('GET', `${K}/${d}?sorted=true`),
  ],
  watchFuture: (d) => [
    { op: 'watch', id: 'w', path: `${K}/${d}/a?wait=true&waitIndex={{2}}` },
    req('PUT', `${K}/${d}/a?value=1`),
    req('PUT', `${K}/${d}/a?value=2`),
    { op: 'await', id: 'w' },
    { op: 'watch', id: 'z', path: `${K}/${d}/a?wait=true&waitIndex=0` },
    req('PUT', `${K}/${d}/a?value=3`),
    { op: 'await', id: 'z' },
  ],
  expireStream: (d) => [
    req('PUT', `${K}/${d}/e?value=1&ttl=1`),
    { op: 'watch', id: 's', path: `${K}/${d}?wait=true&recursive=true&stream=true` },
    req('PUT', `${K}/${d}/other?value=1`),
    { op: 'await', id: 's', events: 2 },
  ],
  unicodeSort: (d) => [
    req('PUT', `${K}/${d}/${encodeURIComponent('\u{1F600}')}?value=1`),
    req('PUT', `${K}/${d}/${encodeURIComponent('\uFF5E')}?value=2`),
    req('PUT', `${K}/${d}/${encodeURIComponent('é')}?value=3`),
    req('PUT', `${K}/${d}/z?value=4`),
    req('GET', `${K}/${d}?sorted=true`),
  ],
  bigListing: (d) => [
    ...Array.from({ length: 40 }, (_, i) =>
      req('PUT', `${K}/${d}/key${i}?value=valuevaluevaluevalue${i}`),
    ),
    req('GET', `${K}/${d}?sorted=true`),
    req('HEAD', `${K}/${d}?sorted=true`),
    req('GET', `${K}/${d}?recursive=true`),
  ],
  // Over 64 KiB: the API writes such an answer in pieces into pooled bytes (long-answer.ts).
  longListing: (d) => [
    ...Array.from({ length: 24 }, (_, i) =>
      req(
        'PUT',
        `${K}/${d}/${i % 3 === 0 ? 'sub/' : ''}k${i}`,
        `value=${encodeURIComponent(`${i}<é✓😀&>"\\`.repeat(300))}`,
      ),
    ),
    req('GET', `${K}/${d}?recursive=true&sorted=true`),
    req('GET', `${K}/${d}?recursive=true`),
    req('GET', `${K}/${d}/sub?quorum=true`),
  ],
  historyOverflow: (d) => [
    req('PUT', `${K}/${d}/first?value=1`),
    { op: 'burst', count: 1005, path: `${K}/${d}/k?value=v` },
    { op: 'watch', id: 'old', path: `${K}/${d}/first?wait=true&waitIndex={{1}}` },
    { op: 'await', id: 'old' },
    { op: 'watch', id: 'edge', path: `${K}/${d}?wait=true&recursive=true&waitIndex={{7}}` },
    { op: 'await', id: 'edge' },
  ],
};

// ---- random sequences ----

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

const NAMES = ['a', 'b', 'c', 'dir', 'dir/x', 'dir/y', 'dir/sub/z', '_h', 'q'];
const VALUES = ['apple', 'pear', 'plum', 'fig', ''];

function randomSteps(d: string, seed: number, n: number): Step[] {
  const r = lcg(seed);
  const pick = <T>(a: readonly T[]): T => a[Math.floor(r() * a.length)]!;
  const steps: Step[] = [];
  for (let i = 0; i < n; i++) {
    const key = `${K}/${d}/${pick(NAMES)}`;
    const v = pick(VALUES);
    const rel = 1 + Math.floor(r() * (i + 2));
    switch (Math.floor(r() * 12)) {
      case 0:
      case 1:
        steps.push(req('PUT', `${key}?value=${v}`));
        break;
      case 2:
        steps.push(req('PUT', `${key}?value=${v}&prevExist=${r() < 0.5}`));
        break;
      case 3:
        steps.push(req('PUT', `${key}?value=${v}&prevValue=${pick(VALUES) || 'apple'}`));
        break;
      case 4:
        steps.push(req('PUT', `${key}?value=${v}&prevIndex={{${rel}}}`));
        break;
      case 5:
        steps.push(req('PUT', `${key}?dir=true${r() < 0.5 ? '&prevExist=false' : ''}`));
        break;
      case 6:
        steps.push(req('DELETE', `${key}${pick(['', '?dir=true', '?recursive=true'])}`));
        break;
      case 7:
        steps.push(req('DELETE', `${key}?prevValue=${pick(VALUES) || 'pear'}`));
        break;
      case 8:
        steps.push(req('POST', `${key}?value=${v}`));
        break;
      case 9:
        steps.push(req('PUT', `${key}?value=${v}&ttl=${500 + Math.floor(r() * 500)}`));
        break;
      case 10:
        steps.push(req('GET', `${key}?recursive=${r() < 0.5}&sorted=true`));
        break;
      default:
        steps.push(req('GET', `${K}/${d}?recursive=true&sorted=true`));
        break;
    }
  }
  return steps;
}

/** Every script; `random` is how many random sequences to add. */
export function allScripts(random: number): Script[] {
  const out: Script[] = [];
  let n = 0;
  for (const [name, sc] of Object.entries(scenarios)) {
    const d = `s${n++}-${name}`;
    out.push({ name, steps: [...sc(d), req('DELETE', `${K}/${d}?recursive=true`)] });
  }
  for (let i = 0; i < random; i++) {
    const d = `r${i}`;
    out.push({
      name: `random-${i}`,
      steps: [...randomSteps(d, 1000 + i, 8 + (i % 9)), req('DELETE', `${K}/${d}?recursive=true`)],
    });
  }
  return out;
}
