/**
 * The young generation's largest semi-space, in MB, that `aurora start` and `aurora worker` run
 * with. A streaming server keeps each run's tokens (and its unstored events) alive for a while;
 * with V8's default young generation they survive two scavenges, are promoted, and a major GC
 * comes every ten seconds or so with 100–150 ms of added latency. With 128 MB: scavenges half as
 * often, no major GC in a 20 s stream of 1 000 sessions, and the p99 of 1 000 sessions 38–42 ms
 * instead of 78–86 ms, at about 150 MB more peak RSS under that load (bench/README). An idle
 * server is not larger: the young generation grows only under load.
 */
export const SEMI_SPACE_FLAG = '--max-semi-space-size=128';

/** Whether node was started with the V8 flag `name` (on its command line or in NODE_OPTIONS). */
export function nodeFlagGiven(name: string, execArgv: readonly string[], nodeOptions: string | undefined): boolean {
  const underscored = `--${name.slice(2).replaceAll('-', '_')}`;
  const matches = (arg: string) => [name, underscored].some((flag) => arg === flag || arg.startsWith(`${flag}=`));
  return execArgv.some(matches) || (nodeOptions ?? '').split(/\s+/).some(matches);
}

/**
 * The flags `aurora start` and `aurora worker` want on node's command line and do not have yet:
 * `pgliteFlag` (the embedded database's compiler, when it applies) and the semi-space size,
 * unless node was given one (`--max-semi-space-size=N` to choose another).
 */
export function missingNodeFlags(
  pgliteFlag: string | undefined,
  execArgv: readonly string[],
  nodeOptions: string | undefined,
): string[] {
  const missing: string[] = [];
  if (pgliteFlag && !nodeFlagGiven(pgliteFlag, execArgv, nodeOptions)) missing.push(pgliteFlag);
  if (!nodeFlagGiven('--max-semi-space-size', execArgv, nodeOptions)) missing.push(SEMI_SPACE_FLAG);
  return missing;
}
