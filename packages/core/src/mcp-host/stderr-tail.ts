import type { Stream } from 'node:stream';
import type { Redacting } from '../logging/logger.js';

/** Keeps the last `limit` lines a child wrote to stderr, each redacted as it arrives. */
export class StderrTail {
  private readonly lines: string[] = [];
  private partial = '';

  constructor(
    private readonly redactor: Redacting,
    private readonly limit = 50,
  ) {}

  /** Follows `stream` (a stdio child's piped stderr). */
  follow(stream: Stream): void {
    stream.on('data', (chunk: Buffer | string) => this.append(chunk.toString()));
  }

  append(text: string): void {
    const parts = (this.partial + text).split(/\r?\n/);
    this.partial = (parts.pop() ?? '').slice(-4_096);
    for (const line of parts) this.push(line);
  }

  private push(line: string): void {
    this.lines.push(this.redactor.redact(line.slice(0, 4_096)));
    if (this.lines.length > this.limit) this.lines.splice(0, this.lines.length - this.limit);
  }

  /** The kept lines (redacted again, in case a secret was learned after the line arrived). */
  snapshot(): string[] {
    const out = this.lines.map((line) => this.redactor.redact(line));
    if (this.partial !== '') out.push(this.redactor.redact(this.partial));
    return out.slice(-this.limit);
  }
}
