#!/usr/bin/env node
/** `npx @aurora-ops/plugin-gcp [--http] [--read-only] [--allow-writes]`: the GCP plugin as an MCP server. */
import { runPluginCli } from '@aurora-ops/core/plugin-sdk';
import { createGcpPlugin } from './plugin.js';

await runPluginCli(createGcpPlugin());
