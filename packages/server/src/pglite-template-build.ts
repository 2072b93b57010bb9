/**
 * `node dist/pglite-template.js`, run by `pnpm build` after the bundle: writes the PGlite
 * template (`stores/pglite-template.ts`) beside the bundle, so a first `aurora start` unpacks
 * a migrated database instead of creating one.
 */
import { buildPgliteTemplate, defaultTemplateDirectory } from './stores/pglite-template.js';

const started = performance.now();
const manifest = await buildPgliteTemplate();
process.stdout.write(
  `PGlite template (PGlite ${manifest.pglite}, every migration applied): ${(manifest.bytes / 1024 / 1024).toFixed(1)} MiB ` +
    `in ${defaultTemplateDirectory()}, ${Math.round(performance.now() - started)} ms\n`,
);
