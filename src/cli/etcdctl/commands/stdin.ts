// argOrStdin: the value argument, or all of stdin when it is missing.
import type { Ctl } from '../context.js';

export async function argOrStdin(ctl: Ctl, args: string[], i: number): Promise<string | null> {
  if (i < args.length) return args[i]!;
  let s: string;
  try {
    s = await ctl.readStdin();
  } catch {
    return null;
  }
  return s === '' ? null : s;
}

/** All of the process's stdin. */
export async function processStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
