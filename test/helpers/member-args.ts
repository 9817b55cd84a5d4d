// The flags that start one member on given URLs (etcd and Go etcd take the same ones).
export interface MemberArgs {
  name?: string;
  dataDir: string;
  clientUrl: string;
  peerUrl: string;
  /** The advertised peer URL, when it is not the one listened on. */
  advertisePeerUrl?: string;
  /** --initial-cluster: `<name>=<advertised peer URL>` unless given; null leaves it out. */
  initialCluster?: string | null;
}

export function memberArgs(m: MemberArgs): string[] {
  const advertised = m.advertisePeerUrl ?? m.peerUrl;
  const cluster = m.initialCluster === undefined ? `${m.name}=${advertised}` : m.initialCluster;
  return [
    ...(m.name === undefined ? [] : ['--name', m.name]),
    '--data-dir',
    m.dataDir,
    '--listen-client-urls',
    m.clientUrl,
    '--advertise-client-urls',
    m.clientUrl,
    '--listen-peer-urls',
    m.peerUrl,
    '--initial-advertise-peer-urls',
    advertised,
    ...(cluster === null ? [] : ['--initial-cluster', cluster]),
  ];
}
