// Entry point of `bin/etcdctl`: etcd's v2 etcdctl.
import { run } from './app.js';
import { processStdin } from './commands/stdin.js';

export function main(argv: string[]): void {
  const io = {
    out: (s: string) => {
      process.stdout.write(s);
    },
    err: (s: string) => {
      process.stderr.write(s);
    },
    readStdin: processStdin,
  };
  run(argv, process.env, io).then(
    (code) => process.exit(code),
    (e: unknown) => {
      process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      process.exit(1);
    },
  );
}
