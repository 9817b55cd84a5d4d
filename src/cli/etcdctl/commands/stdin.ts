// argOrStdin: the value argument, or all of stdin when it is missing.
export async function argOrStdin(args: string[], i: number): Promise<string | null> {
  if (i < args.length) return args[i]!;
  const chunks: Buffer[] = [];
  try {
    for await (const c of process.stdin) chunks.push(c as Buffer);
  } catch {
    return null;
  }
  const s = Buffer.concat(chunks).toString('utf8');
  return s === '' ? null : s;
}
