import { mkdir, appendFile, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { UsageMetadata } from '@langchain/core/messages';
import { AuroraError } from '../../errors/aurora-error.js';
import { DataCorruptedError, NotFoundError } from '../../errors/errors.js';
import { parseJson } from '../../internal/json.js';
import type { NormalisedInput, RecordedToolCall } from './model-input.js';

/** The value of `format` on every line of a recording. */
export const RECORDING_FORMAT = 'aurora.model-recording/v1';

/** What a call returned. */
export interface RecordedOutput {
  /** The message content as the model returned it: text, or content blocks. */
  readonly content: string | readonly unknown[];
  readonly text: string;
  readonly toolCalls: readonly RecordedToolCall[];
  readonly usage?: UsageMetadata;
  /** `finish_reason` / `stop_reason` and the model name, when the provider gave them. */
  readonly responseMetadata?: Readonly<Record<string, string>>;
}

/** One line of a recording file: one chat model call. */
export interface RecordedCall {
  readonly format: typeof RECORDING_FORMAT;
  /** 0-based position of the call in the run. */
  readonly index: number;
  /** `hashInput(input)`, taken before redaction. */
  readonly hash: string;
  readonly input: NormalisedInput;
  readonly output: RecordedOutput;
  readonly recordedAt: string;
}

/** Appends lines to a JSON-lines file, one write at a time, in call order. */
export interface RecordingWriter {
  append(call: RecordedCall): Promise<void>;
  /** Resolves once every append so far is on disk. */
  flush(): Promise<void>;
}

export function createRecordingWriter(file: string, mode: 'overwrite' | 'append'): RecordingWriter {
  let chain: Promise<void> = mkdir(dirname(file), { recursive: true }).then(async () => {
    if (mode === 'overwrite') await writeFile(file, '');
  });
  return {
    append(call) {
      const line = `${JSON.stringify(call)}\n`;
      const written = chain.then(() => appendFile(file, line));
      chain = written.catch(() => undefined);
      return written;
    },
    flush: () => chain,
  };
}

function isCall(value: unknown): value is RecordedCall {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Record<string, unknown>;
  const input = record.input as Record<string, unknown> | undefined;
  const output = record.output as Record<string, unknown> | undefined;
  return (
    record.format === RECORDING_FORMAT &&
    typeof record.hash === 'string' &&
    typeof input === 'object' &&
    input !== null &&
    Array.isArray(input.messages) &&
    typeof output === 'object' &&
    output !== null &&
    typeof output.text === 'string' &&
    Array.isArray(output.toolCalls)
  );
}

/** Reads every call of a recording. Missing file → `NotFoundError`; a bad line → `DataCorruptedError`. */
export async function readRecording(file: string): Promise<RecordedCall[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ENOENT') {
      throw new NotFoundError({ message: `No model recording at ${file}.`, details: { file } });
    }
    throw AuroraError.from(error, 'INTERNAL', `Could not read the model recording ${file}.`);
  }
  const calls: RecordedCall[] = [];
  text.split('\n').forEach((line, number) => {
    if (line.trim() === '') return;
    let value: unknown;
    try {
      value = parseJson(line, `Line ${number + 1} of the model recording`);
    } catch (error) {
      throw new DataCorruptedError({
        message: `Line ${number + 1} of the model recording ${file} is not JSON.`,
        cause: error,
        details: { file, line: number + 1 },
      });
    }
    if (!isCall(value)) {
      throw new DataCorruptedError({
        message: `Line ${number + 1} of the model recording ${file} is not a ${RECORDING_FORMAT} call.`,
        details: { file, line: number + 1 },
      });
    }
    calls.push(value);
  });
  return calls;
}
