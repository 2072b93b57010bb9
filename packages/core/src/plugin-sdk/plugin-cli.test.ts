import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { InvalidInputError } from '../errors/errors.js';
import { definePlugin } from './define-plugin.js';
import { defineTool } from './define-tool.js';
import { parsePluginArguments, runPluginCli } from './plugin-cli.js';

function rejects(argv: string[]): string {
  let caught: unknown;
  try {
    parsePluginArguments(argv);
  } catch (error) {
    caught = error;
  }
  expect(InvalidInputError.isInstance(caught), String(caught)).toBe(true);
  return (caught as Error).message;
}

describe('parsePluginArguments', () => {
  it('defaults to stdio in elicit mode', () => {
    expect(parsePluginArguments([])).toEqual({
      command: 'serve',
      target: { transport: 'stdio' },
      readOnly: false,
      allowWrites: false,
    });
  });

  it('reads --http with --port and --host, in both spellings', () => {
    expect(parsePluginArguments(['--http', '--port', '8080', '--host=0.0.0.0', '--read-only'])).toEqual({
      command: 'serve',
      target: { transport: 'http', port: 8080, host: '0.0.0.0' },
      readOnly: true,
      allowWrites: false,
    });
    expect(parsePluginArguments(['--allow-writes', '--http', '--port=0'])).toMatchObject({
      target: { transport: 'http', port: 0 },
      allowWrites: true,
    });
  });

  it('answers --help and --version whatever else is given', () => {
    expect(parsePluginArguments(['--http', '--help'])).toEqual({ command: 'help' });
    expect(parsePluginArguments(['-v'])).toEqual({ command: 'version' });
  });

  it('rejects unknown flags, missing and bad values, and HTTP flags without --http', () => {
    expect(rejects(['--yolo'])).toBe('Unknown option "--yolo". Try --help.');
    expect(rejects(['stdio'])).toContain('Unknown option "stdio"');
    expect(rejects(['--http', '--port'])).toBe('--port needs a value.');
    expect(rejects(['--http', '--port', '--read-only'])).toBe('--port needs a value.');
    expect(rejects(['--http', '--port', '99999'])).toContain('0 to 65535');
    expect(rejects(['--http', '--port', '80a'])).toContain('0 to 65535');
    expect(rejects(['--port', '80'])).toBe('--port and --host need --http.');
    expect(rejects(['--read-only=yes'])).toBe('--read-only takes no value.');
  });
});

describe('runPluginCli', () => {
  const plugin = definePlugin({
    name: 'cli',
    version: '1.2.3',
    tools: [
      defineTool({ name: 'ping', description: 'Ping.', input: z.object({}), risk: 'read', handler: () => 'pong' }),
    ],
  });
  const io = () => {
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    const codes: number[] = [];
    const read = (stream: PassThrough) => () => String(stream.read() ?? '');
    return {
      io: { stdout, stderr, exit: (code: number) => codes.push(code) },
      out: read(stdout),
      err: read(stderr),
      codes,
    };
  };

  it('prints one line on stderr and exits 2 for an unknown flag', async () => {
    const run = io();
    expect(await runPluginCli(plugin, ['--bogus'], {}, run.io)).toBeUndefined();
    expect(run.codes).toEqual([2]);
    expect(run.err()).toBe('cli: Unknown option "--bogus". Try --help.\n');
    expect(run.out()).toBe('');
  });

  it('prints the version and the usage on stdout', async () => {
    const version = io();
    await runPluginCli(plugin, ['--version'], {}, version.io);
    expect(version.out()).toBe('1.2.3\n');
    const help = io();
    await runPluginCli(plugin, ['--help'], {}, help.io);
    expect(help.out()).toContain('--allow-writes');
    expect(help.codes).toEqual([]);
  });
});
