// A bad command line, with what etcd 2.0 printed for it and its exit status.
import { formatLine } from '../../pkg/logger.js';
import { usageText } from './usage.js';

/**
 * - 'parse': Go's flag package rejected an argument. etcd printed the message alone on
 *   stderr, then the usage on stdout, and exited 2.
 * - 'verify': etcdmain's checks after parsing. Logged as
 *   "error verifying flags, <message>. See 'etcd -help'." and exit 1.
 * - 'env': a bad ETCD_* value. Logged as "etcd: <message>" and exit 1.
 */
export type FlagErrorKind = 'parse' | 'verify' | 'env';

export class FlagError extends Error {
  readonly kind: FlagErrorKind;
  readonly exitCode: number;
  /** Further log lines etcd printed after the error. */
  readonly hints: readonly string[];

  constructor(kind: FlagErrorKind, message: string, hints: readonly string[] = []) {
    super(message);
    this.name = 'FlagError';
    this.kind = kind;
    this.exitCode = kind === 'parse' ? 2 : 1;
    this.hints = hints;
  }

  /** The log lines (without timestamps) etcd wrote for this error. */
  logMessages(): string[] {
    if (this.kind === 'parse') return [];
    const first =
      this.kind === 'verify'
        ? `error verifying flags, ${this.message}. See 'etcd -help'.`
        : `etcd: ${this.message}`;
    return [first, ...this.hints];
  }
}

export interface FlagErrorOutput {
  stdout: string;
  stderr: string;
}

/** Everything etcd writes for this error, timestamps included; the caller writes and exits. */
export function renderFlagError(e: FlagError, now: Date = new Date()): FlagErrorOutput {
  if (e.kind === 'parse') return { stderr: `${e.message}\n`, stdout: usageText() };
  return {
    stderr: e
      .logMessages()
      .map((m) => formatLine(m, now))
      .join(''),
    stdout: '',
  };
}
