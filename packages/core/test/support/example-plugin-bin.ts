/** The example plugin's bin: `node --import tsx test/support/example-plugin-bin.ts [flags]`. */
import { runPluginCli } from '../../src/plugin-sdk/index.js';
import { createExamplePlugin } from './example-plugin.js';

await runPluginCli(createExamplePlugin().plugin);
