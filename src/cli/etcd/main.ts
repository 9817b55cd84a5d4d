// Entry point of `bin/etcd`. Placeholder until the member lands (issue 5).
export function main(_argv: string[]): void {
  process.stderr.write('etcd: the member is being built; see issue 5\n');
  process.exitCode = 1;
}
