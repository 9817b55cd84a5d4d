// etcdctl cluster-health [--forever]: asks every member's /health.
import type { Member } from '../../../client/index.js';
import { Endpoint, send } from '../../../client/transport.js';
import { ExitClusterNotHealthy, ExitServerError, ExitSuccess, type Ctl } from '../context.js';
import type { FlagValues } from '../goflag.js';
import type { CommandSpec } from '../spec.js';

/** Go's http.Client.Get error text: `Get "<url>": <cause>`. */
function getError(url: string, e: unknown): string {
  return `Get ${JSON.stringify(url)}: ${e instanceof Error ? e.message : String(e)}`;
}

async function checkUrl(
  url: string,
  tls: ConstructorParameters<typeof Endpoint>[1],
): Promise<{ ok: true; healthy: boolean } | { ok: false; err: string }> {
  let ep: Endpoint;
  try {
    ep = new Endpoint(url, tls);
  } catch (e) {
    return { ok: false, err: getError(`${url}/health`, e) };
  }
  try {
    const res = await send(ep, {
      method: 'GET',
      path: `${ep.basePath}/health`,
      body: null,
      contentType: null,
      authorization: null,
      timeout: 0,
      signal: null,
      onHeaders: null,
    });
    let body: { health?: unknown };
    try {
      body = JSON.parse(res.body);
    } catch (e) {
      return { ok: false, err: (e as Error).message };
    }
    return { ok: true, healthy: body?.health === 'true' || body?.health === true };
  } catch (e) {
    return { ok: false, err: getError(`${url}/health`, e) };
  } finally {
    ep.close();
  }
}

export const clusterHealthCommand: CommandSpec = {
  name: 'cluster-health',
  usage: 'check the health of the etcd cluster',
  argsUsage: ' ',
  flags: [
    {
      names: ['forever', 'f'],
      kind: 'bool',
      usage: 'forever check the health every 10 second until CTRL+C',
    },
  ],
  async action(ctl: Ctl, flags: FlagValues) {
    const forever = flags.bool('forever');
    if (forever) process.once('SIGINT', () => process.exit(0));
    let tls: ReturnType<Ctl['readTls']>;
    try {
      tls = ctl.readTls();
    } catch (e) {
      ctl.handleError(ExitServerError, e);
    }
    const c = await ctl.clientNoSync();
    let ms: Member[];
    try {
      ms = await c.members();
    } catch (e) {
      ctl.out('cluster may be unhealthy: failed to list members\n');
      ctl.handleError(ExitServerError, e);
    }
    for (;;) {
      let healthy = 0;
      for (const m of ms) {
        const urls = m.clientURLs ?? [];
        if (urls.length === 0) {
          ctl.out(`member ${m.id} is unreachable: no available published client urls\n`);
          continue;
        }
        let checked = false;
        for (const url of urls) {
          const r = await checkUrl(url, tls);
          if (!r.ok) {
            ctl.out(`failed to check the health of member ${m.id} on ${url}: ${r.err}\n`);
            continue;
          }
          checked = true;
          if (r.healthy) {
            ctl.out(`member ${m.id} is healthy: got healthy result from ${url}\n`);
            healthy++;
          } else {
            ctl.out(`member ${m.id} is unhealthy: got unhealthy result from ${url}\n`);
          }
          break;
        }
        if (!checked)
          ctl.out(`member ${m.id} is unreachable: [${urls.join(' ')}] are all unreachable\n`);
      }
      if (healthy === ms.length) ctl.out('cluster is healthy\n');
      else if (healthy === 0) ctl.out('cluster is unavailable\n');
      else ctl.out('cluster is degraded\n');
      if (!forever) ctl.exit(healthy === ms.length ? ExitSuccess : ExitClusterNotHealthy);
      ctl.out('\nnext check after 10 second...\n\n');
      await new Promise((r) => setTimeout(r, 10_000));
    }
  },
};
