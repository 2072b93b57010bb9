/** Serves the test server over stdio: `node --import tsx test/support/mcp-test-server-bin.ts`. */
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { createTestServer } from './mcp-test-server.js';

const server = createTestServer();
await server.connect(new StdioServerTransport());
process.stderr.write(`aurora-test-server ready pid=${process.pid}\n`);
if (process.env.AURORA_TEST_STDERR_SECRET !== undefined) {
  process.stderr.write(`leaking ${process.env.AURORA_TEST_STDERR_SECRET}\n`);
}
if (process.env.AURORA_TEST_PARENT_SECRET !== undefined) {
  process.stderr.write('parent secret was inherited\n');
}
