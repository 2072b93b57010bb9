#!/usr/bin/env node
/** `npx @aurora-ops/plugin-azure [--http] [--read-only] [--allow-writes]`: the Azure plugin as an MCP server. */
import { runPluginCli } from '@aurora-ops/core/plugin-sdk';
import { azureOptionsFromEnvironment } from './env-options.js';
import { createAzurePlugin } from './plugin.js';

await runPluginCli(createAzurePlugin(azureOptionsFromEnvironment()));
