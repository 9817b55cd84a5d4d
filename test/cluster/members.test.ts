// Runtime reconfiguration through /v2/members on a 3-member cluster that keeps taking
// writes all along: error statuses with the reference's exact bodies; a member added
// after the log was compacted (so it must be sent a snapshot) joins and catches up; its
// peer URLs are changed; it is removed (it logs that and exits 0); the leader is removed.
// CLUSTER_FLAVOR=reference runs it against Go etcd 2.0.13.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startCluster, type TestCluster } from '../helpers/cluster.js';
import { reservePorts } from '../helpers/ports.js';
import {
  backgroundWriter,
  ELECTION_MS,
  FLAVOR,
  findLeader,
  flavorSkip,
  getKey,
  hasLine,
  listDir,
  memberIds,
  missingAcks,
  nodeOf,
  putKey,
  request,
  TUNING,
  tail,
  until,
  waitLeader,
} from './util.js';

const JSON_CT = 'application/json';
/** More entries than a member keeps for slow followers (5000) after a snapshot. */
const BULK = 5300;
const REMOVED_TEXT = 'etcdserver: the member has been permanently removed from the cluster';

async function bulkWrite(base: string, n: number, concurrency: number): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < n) {
      const k = next++;
      const r = await putKey(base, `bulk/${String(k).padStart(5, '0')}`, `b${k}`);
      assert.equal(r.status, 201, r.body);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

describe(`runtime reconfiguration through /v2/members (${FLAVOR})`, {
  skip: flavorSkip(),
  timeout: 120_000,
}, () => {
  let c: TestCluster;
  let writer: ReturnType<typeof backgroundWriter> | null = null;
  let added = -1;
  let addedId = '';
  const base = () => c.members.find((m) => m.proc)!.clientUrl;
  const running = () => c.members.flatMap((m, i) => (m.proc ? [i] : []));
  const tuning = [...TUNING, '--snapshot-count', '100'];

  /** Writes keep being acknowledged after a step (the cluster serves throughout). */
  const writesContinue = async (step: string) => {
    const w = writer!;
    const from = w.acked.length;
    await until(`writes to be acknowledged after ${step}`, 10_000, async () =>
      w.acked.length >= from + 3 ? true : undefined,
    );
  };

  before(async () => {
    c = await startCluster(3, { flavor: FLAVOR, tuning });
  });
  after(async () => {
    await writer?.stop();
    await c?.close();
  });

  it('bad requests: 400, 404, 409, 415 with exact bodies, and nothing changes', async () => {
    const u = `${c.members[0]!.clientUrl}/v2/members`;
    const before = (await request('GET', u)).body;
    const ids = await memberIds(c.members[0]!.clientUrl);
    const m1 = ids.get('m1')!;
    const cases: [string, string, string | null, string, number, string][] = [
      [
        'POST',
        u,
        '{bad',
        JSON_CT,
        400,
        `{"message":"invalid character 'b' looking for beginning of object key string"}`,
      ],
      [
        'POST',
        u,
        '{"peerURLs":["bad"]}',
        JSON_CT,
        400,
        '{"message":"URL scheme must be http or https: bad"}',
      ],
      [
        'POST',
        u,
        '{"peerURLs":["http://127.0.0.1:1"]}',
        'text/plain',
        415,
        '{"message":"Bad Content-Type text/plain, accept application/json"}',
      ],
      [
        'POST',
        u,
        JSON.stringify({ peerURLs: [c.members[1]!.peerUrl] }),
        JSON_CT,
        409,
        '{"message":"etcdserver: peerURL exists"}',
      ],
      ['DELETE', `${u}/1234`, null, JSON_CT, 404, '{"message":"No such member: 1234"}'],
      [
        'PUT',
        `${u}/1234`,
        '{"peerURLs":["http://127.0.0.1:2"]}',
        JSON_CT,
        404,
        '{"message":"No such member: 1234"}',
      ],
      [
        'PUT',
        `${u}/${m1}`,
        '{bad',
        JSON_CT,
        400,
        `{"message":"invalid character 'b' looking for beginning of object key string"}`,
      ],
      [
        'PUT',
        `${u}/${m1}`,
        JSON.stringify({ peerURLs: [c.members[2]!.peerUrl] }),
        JSON_CT,
        409,
        '{"message":"etcdserver: peerURL exists"}',
      ],
    ];
    const wrong: string[] = [];
    for (const [method, url, body, ct, status, text] of cases) {
      const r = await request(method, url, body, ct);
      const got = `${r.status} ${r.body.trimEnd()} (${r.headers['content-type']})`;
      const want = `${status} ${text} (application/json)`;
      if (got !== want)
        wrong.push(`${method} ${url.slice(u.length) || '/'} ${body}: got ${got}, want ${want}`);
      assert.ok(r.headers['x-etcd-cluster-id'], `${method} ${url}: X-Etcd-Cluster-Id`);
    }
    assert.deepEqual(wrong, []);
    assert.equal((await request('GET', u)).body, before, 'the member list changed');
  });

  it('a member added after compaction joins from a snapshot and catches up', async (t) => {
    const leader = await waitLeader(c);
    const started = performance.now();
    await bulkWrite(c.members[leader]!.clientUrl, BULK, 32);
    t.diagnostic(`${BULK} writes in ${(performance.now() - started).toFixed(0)} ms`);
    writer = backgroundWriter(c, 'bg', 2);

    added = await c.addMember('m3', (self) => `${c.initialCluster},m3=${self.peerUrl}`);
    const m3 = c.members[added]!;
    const r = await request(
      'POST',
      `${base()}/v2/members`,
      JSON.stringify({ peerURLs: [m3.peerUrl] }),
      JSON_CT,
    );
    assert.equal(r.status, 201, r.body);
    assert.equal(r.headers['content-type'], JSON_CT);
    const body = JSON.parse(r.body) as { id: string };
    addedId = body.id;
    assert.match(body.id, /^[0-9a-f]{1,16}$/);
    assert.equal(
      r.body,
      `${JSON.stringify({ id: body.id, name: '', peerURLs: [m3.peerUrl], clientURLs: [] })}\n`,
    );
    const listed = JSON.parse((await request('GET', `${base()}/v2/members`)).body).members;
    assert.equal(listed.length, 4);

    await c.startMember(added);
    await until(
      'm3 to catch up from a snapshot',
      20_000,
      async () => {
        const first = await getKey(m3.clientUrl, 'bulk/00000');
        const last = await getKey(m3.clientUrl, `bulk/${String(BULK - 1).padStart(5, '0')}`);
        return first.status === 200 && last.status === 200 ? true : undefined;
      },
      50,
    ).catch((e: Error) => {
      throw new Error(`${e.message}\n${tail(m3.proc?.output(), 30)}`);
    });
    assert.match(
      m3.proc!.output(),
      // ours (etcd 3's wording) | 2.0.13's raft
      /received and saved database snapshot|restored snapshot \[index: \d+/,
      `m3 was not sent a snapshot:\n${tail(m3.proc?.output(), 30)}`,
    );
    assert.equal(nodeOf(await getKey(m3.clientUrl, 'bulk/00000')).value, 'b0');
    // It publishes its name and client URLs through the log.
    await until(
      'm3 to publish its attributes',
      10_000,
      async () => {
        const ms = JSON.parse((await request('GET', `${base()}/v2/members`)).body).members as {
          id: string;
          name: string;
          clientURLs: string[];
        }[];
        const me = ms.find((m) => m.id === body.id);
        return me?.name === 'm3' && me.clientURLs[0] === m3.clientUrl ? true : undefined;
      },
      50,
    );
    const w = await putKey(m3.clientUrl, 'through/m3', 'ok');
    assert.equal(w.status, 201, `write through the new member: ${w.body}`);
    await writesContinue('the add');
  });

  it('peer URLs updated: 204, the member restarts on the new URL and keeps up', async () => {
    const m3 = c.members[added]!;
    const id = addedId;
    const [port] = await reservePorts(1);
    const newUrl = `http://127.0.0.1:${port}`;
    const r = await request(
      'PUT',
      `${base()}/v2/members/${id}`,
      JSON.stringify({ peerURLs: [newUrl] }),
      JSON_CT,
    );
    assert.equal(r.status, 204, r.body);
    assert.equal(r.body, '');
    const ms = JSON.parse((await request('GET', `${base()}/v2/members`)).body).members as {
      id: string;
      peerURLs: string[];
    }[];
    assert.deepEqual(ms.find((m) => m.id === id)?.peerURLs, [newUrl]);

    await c.stopMember(added, 'SIGTERM');
    m3.peerUrl = newUrl;
    await c.startMember(added);
    const lead = await waitLeader(c, 10_000, running());
    const w = await putKey(c.members[lead]!.clientUrl, 'after-update', 'u');
    assert.equal(w.status, 201, w.body);
    await until(
      'm3 to apply a write after its URL changed',
      15_000,
      async () => {
        const g = await getKey(m3.clientUrl, 'after-update');
        return g.status === 200 ? true : undefined;
      },
      20,
    ).catch((e: Error) => {
      throw new Error(`${e.message}\n${tail(m3.proc?.output(), 30)}`);
    });
    await writesContinue('the update');
  });

  it('a removed member: 204; it says so and exits 0; removing it again is 410; its URL is free', async () => {
    const m3 = c.members[added]!;
    const id = addedId;
    const via = c.members[await waitLeader(c, 10_000, running())]!.clientUrl;
    const r = await request('DELETE', `${via}/v2/members/${id}`);
    assert.equal(r.status, 204, r.body);
    assert.equal(r.body, '');
    const code = await Promise.race([
      m3.proc!.exited,
      new Promise((res) => setTimeout(() => res('still running'), 10_000)),
    ]);
    const out = m3.proc!.output();
    await c.stopMember(added);
    assert.equal(code, 0, `exit of the removed member:\n${tail(out, 20)}`);
    assert.ok(hasLine(out, REMOVED_TEXT), `no "${REMOVED_TEXT}" in:\n${tail(out, 20)}`);
    assert.equal((await memberIds(via)).size, 3);
    const again = await request('DELETE', `${via}/v2/members/${id}`);
    assert.equal(again.status, 410);
    assert.equal(again.body.trimEnd(), `{"message":"Member permanently removed: ${id}"}`);
    await writesContinue('the removal');
    // Its peer URL is free again: a new member (new ID) may take it; then it goes too.
    const re = await request(
      'POST',
      `${via}/v2/members`,
      JSON.stringify({ peerURLs: [m3.peerUrl] }),
      JSON_CT,
    );
    assert.equal(re.status, 201, `re-adding the removed member's peer URL: ${re.body}`);
    const reId = (JSON.parse(re.body) as { id: string }).id;
    assert.notEqual(reId, id);
    const del = await request('DELETE', `${via}/v2/members/${reId}`);
    assert.equal(del.status, 204, del.body);
  });

  it('the leader removed: it exits 0 and the other two elect a leader and take writes', async () => {
    const lead = await waitLeader(c, 10_000, running());
    const rest = [0, 1, 2].filter((i) => i !== lead);
    const id = (await memberIds(base())).get(`m${lead}`)!;
    const r = await request('DELETE', `${c.members[rest[0]!]!.clientUrl}/v2/members/${id}`);
    assert.equal(r.status, 204, r.body);
    const proc = c.members[lead]!.proc!;
    const code = await Promise.race([
      proc.exited,
      new Promise((res) => setTimeout(() => res('still running'), 10_000)),
    ]);
    await c.stopMember(lead);
    assert.equal(code, 0, `exit of the removed leader:\n${tail(proc.output(), 20)}`);
    assert.ok(hasLine(proc.output(), REMOVED_TEXT), tail(proc.output(), 20));
    const next = await until('a new leader', 20 * ELECTION_MS, () => findLeader(c, rest));
    assert.notEqual(next, lead);
    for (const i of rest) {
      const w = await putKey(c.members[i]!.clientUrl, `after-leader-removal/m${i}`, 'x');
      assert.equal(w.status, 201, `write through m${i}: ${w.body}`);
    }
    assert.equal((await memberIds(c.members[rest[0]!]!.clientUrl)).size, 2);
    await writesContinue("the leader's removal");
  });

  it('writes were served throughout, and none acknowledged is lost', async (t) => {
    assert.ok(writer, 'the background writer ran');
    await writer.stop();
    const acked = writer.acked;
    const gap = writer.maxGapMs();
    t.diagnostic(
      `${acked.length} background writes, ${writer.failed} failed; longest gap ${gap.toFixed(0)} ms`,
    );
    assert.ok(acked.length > 20, `only ${acked.length} writes acknowledged`);
    assert.ok(gap < 8 * ELECTION_MS, `no write acknowledged for ${gap.toFixed(0)} ms`);
    for (const [i, m] of c.members.entries()) {
      if (!m.proc) continue;
      let missing: string[] = [];
      await until(
        `m${i} to hold every acknowledged write`,
        10_000,
        async () => {
          missing = missingAcks(acked, await listDir(m.clientUrl, 'bg'));
          return missing.length === 0 ? true : undefined;
        },
        20,
      ).catch(() => {
        assert.fail(
          `m${i}: ${missing.length} acknowledged writes lost, e.g. ${missing.slice(0, 3).join('; ')}`,
        );
      });
    }
    writer = null;
  });
});
