// Entry point of `bin/etcdctl`. Placeholder until etcdctl lands (issue 7).
export function main(_argv: string[]): void {
  process.stderr.write('etcdctl: being built; see issue 7\n');
  process.exitCode = 1;
}
