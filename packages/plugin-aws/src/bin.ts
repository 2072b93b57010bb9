#!/usr/bin/env node
/** `npx @aurora-ops/plugin-aws [--http] [--read-only] [--allow-writes]`: the AWS plugin as an MCP server. */
import { runPluginCli } from '@aurora-ops/core/plugin-sdk';
import { createAwsPlugin } from './plugin.js';

await runPluginCli(createAwsPlugin());
