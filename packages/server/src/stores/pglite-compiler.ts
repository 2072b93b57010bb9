/**
 * The V8 flag `aurora start` sets for a server on the embedded PGlite, or `undefined`.
 * `--liftoff-only` keeps V8 from recompiling PGlite's 9 MB of WebAssembly with its optimizing
 * compiler: an idle server holds 50–65 MB less (bench/README "Idle RSS") and typical queries
 * run as fast, while CPU-heavy SQL (large aggregates, exact vector scans) takes about twice as
 * long; `AURORA_PGLITE_COMPILER=optimizing` keeps V8's default. It applies to the whole process,
 * so only the CLI, which owns the process, sets it, before PGlite is compiled.
 */
export function pgliteCompilerFlag(config: {
  readonly database?: unknown;
  readonly pgliteCompiler?: 'baseline' | 'optimizing';
}): '--liftoff-only' | undefined {
  return config.database === undefined && config.pgliteCompiler !== 'optimizing' ? '--liftoff-only' : undefined;
}
