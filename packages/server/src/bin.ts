#!/usr/bin/env node
/** `aurora start | worker | migrate | doctor`: the Aurora server's command line. */
import { runCli } from './cli/cli.js';

await runCli();
