// etcd-2-style log lines (Go's log package: "2015/01/29 10:32:16 etcd: message"), to
// stderr by default. Levels only filter; the line format stays etcd 2's (it had no levels).

/** In order of severity: a logger shows its level and those after it. */
export enum LogLevel {
  Debug,
  Info,
  Warning,
  Error,
  Silent,
}

export type LogSink = (line: string) => void;

const pad2 = (n: number) => (n < 10 ? `0${n}` : String(n));

/** Go's log.LstdFlags timestamp, local time: "2006/01/02 15:04:05". */
export function formatTimestamp(d: Date): string {
  return `${d.getFullYear()}/${pad2(d.getMonth() + 1)}/${pad2(d.getDate())} ${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}`;
}

/** One complete log line including the trailing newline. */
export function formatLine(message: string, now: Date = new Date()): string {
  return `${formatTimestamp(now)} ${message}${message.endsWith('\n') ? '' : '\n'}`;
}

const stderrSink: LogSink = (line) => {
  process.stderr.write(line);
};

export class Logger {
  level: LogLevel;
  sink: LogSink;

  constructor(sink: LogSink = stderrSink, level: LogLevel = LogLevel.Info) {
    this.sink = sink;
    this.level = level;
  }

  private emit(level: LogLevel, message: string): void {
    if (level < this.level) return;
    this.sink(formatLine(message));
  }

  debug(message: string): void {
    this.emit(LogLevel.Debug, message);
  }
  info(message: string): void {
    this.emit(LogLevel.Info, message);
  }
  warn(message: string): void {
    this.emit(LogLevel.Warning, message);
  }
  error(message: string): void {
    this.emit(LogLevel.Error, message);
  }
  /** Like Go's log.Print: always written unless silenced. */
  print(message: string): void {
    this.emit(LogLevel.Error, message);
  }
}

/** The process-wide logger. */
export const log = new Logger();

/** Tests: drop every line (or capture them with a sink). */
export function silenceLogs(capture?: string[]): void {
  if (capture) {
    log.sink = (line) => {
      capture.push(line);
    };
    log.level = LogLevel.Debug;
  } else {
    log.level = LogLevel.Silent;
  }
}

if (process.env.ETCD_LOG_SILENT === '1') log.level = LogLevel.Silent;
