/**
 * The logging contract adapters and the agent write to. Structured: a short message and
 * JSON-safe fields. Any logger (pino, console, OpenTelemetry) fits behind it; wrap it in
 * `createRedactingLogger` so no resolved secret reaches a log line.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export type LogFields = Readonly<Record<string, unknown>>;

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  /** A logger that adds `fields` to every line. */
  child(fields: LogFields): Logger;
}

/** Anything that can scrub secrets from strings and nested values (see SecretRedactor). */
export interface Redacting {
  redact(text: string): string;
  redactDeep<T>(value: T): T;
}

/** A log line as a sink receives it. */
export interface LogRecord {
  readonly level: LogLevel;
  readonly message: string;
  readonly fields: LogFields;
  readonly time: Date;
}

const LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];

/** Builds a Logger over a function that receives each record (console, pino, a test array). */
export function createLogger(sink: (record: LogRecord) => void, base: LogFields = {}): Logger {
  const write = (level: LogLevel, message: string, fields?: LogFields): void =>
    sink({ level, message, fields: fields ? { ...base, ...fields } : base, time: new Date() });
  return {
    debug: (message, fields) => write('debug', message, fields),
    info: (message, fields) => write('info', message, fields),
    warn: (message, fields) => write('warn', message, fields),
    error: (message, fields) => write('error', message, fields),
    child: (fields) => createLogger(sink, { ...base, ...fields }),
  };
}

/** Discards everything: the default for adapters given no logger. */
export const noopLogger: Logger = createLogger(() => undefined);

/** Scrubs every learned secret from the message and fields before `inner` sees them. */
export function createRedactingLogger(inner: Logger, redactor: Redacting): Logger {
  const wrap = (target: Logger): Logger => {
    const out = {} as Record<LogLevel, Logger[LogLevel]>;
    for (const level of LEVELS) {
      out[level] = (message, fields) =>
        target[level](redactor.redact(message), fields === undefined ? undefined : redactor.redactDeep(fields));
    }
    return { ...out, child: (fields) => wrap(target.child(redactor.redactDeep(fields))) };
  };
  return wrap(inner);
}
