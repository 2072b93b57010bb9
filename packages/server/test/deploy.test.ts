import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
// eslint-disable-next-line import-x/no-extraneous-dependencies -- `yaml` is a root devDependency of the workspace, resolved from the root node_modules
import { parse } from 'yaml';
import { CONFIG_VARIABLES, type ConfigVariable, loadConfig } from '../src/config/config.js';
import { SEMI_SPACE_FLAG } from '../src/cli/node-flags.js';

/**
 * Static checks of the deployment manifests under deploy/ against the server they deploy.
 *
 * Neither Docker nor Helm runs here (no container engine, no helm binary, no cluster), so
 * nothing is started. What IS checked:
 * - compose.yaml parses; every service has a health check or is a one-shot (`restart: 'no'`,
 *   awaited with `service_completed_successfully`); every `depends_on` names a service and
 *   its condition fits the target; every image tag is pinned (no `latest`, no bare name);
 * - the server's and the worker's environment, interpolated from .env.example as Compose
 *   would, passes the server's own `loadConfig` (the zod schema) with the stores it names;
 * - every `AURORA_*` / `OTEL_*` name in compose.yaml, .env.example, the Dockerfile and the
 *   Helm chart is a key of `CONFIG_VARIABLES` (drift between manifests and server), and
 *   every literal value given to one passes that variable's schema;
 * - the init scripts and the entrypoint wrapper parse under `sh -n`;
 * - the Dockerfile's entrypoint is the package's `aurora` bin, on a pinned pnpm;
 * - the Helm chart: Chart.yaml (apiVersion v2, name, version) and values.yaml parse, every
 *   template has balanced `{{ }}` and balanced if/range/with/define … end blocks, and every
 *   `.Values.x.y` a template reads exists in values.yaml.
 */
const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const deploy = join(root, 'deploy');
const chart = join(deploy, 'helm/aurora');
const read = (path: string): string => readFileSync(path, 'utf8');

type Doc = Record<string, unknown>;
const isDoc = (value: unknown): value is Doc => typeof value === 'object' && value !== null && !Array.isArray(value);
const asDoc = (value: unknown): Doc => (isDoc(value) ? value : {});

const knownVariables = new Set<string>(Object.keys(CONFIG_VARIABLES));
const variablePattern = /\b(?:AURORA|OTEL)_[A-Z0-9_]+\b/g;
/** Variables the manifests may set that are not Aurora's own (model SDKs read them). */
const foreignVariables = new Set(['OPENAI_API_KEY', 'ANTHROPIC_API_KEY']);

/** `KEY=value` lines of a dotenv file (comments and blank lines skipped). */
function readDotenv(text: string): Map<string, string> {
  const entries = new Map<string, string>();
  for (const line of text.split('\n')) {
    const match = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line.trim());
    if (match) entries.set(match[1]!, match[2]!);
  }
  return entries;
}

/** Compose's interpolation: `$$`, `${NAME}`, `${NAME:-default}`, `${NAME-default}`, `${NAME:?error}`, `${NAME?error}`. */
function interpolate(text: string, env: ReadonlyMap<string, string>): string {
  return text.replace(
    /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}/g,
    (whole, name: string | undefined, operator: string | undefined, argument: string | undefined) => {
      if (whole === '$$') return '$';
      const value = env.get(name!);
      const unsetOrEmpty = value === undefined || (operator?.startsWith(':') === true && value === '');
      if (operator?.endsWith('-') && unsetOrEmpty) return argument ?? '';
      if (operator?.endsWith('?') && unsetOrEmpty) throw new Error(`${name} is required: ${argument}`);
      return value ?? '';
    },
  );
}

/** Interpolates every string of a parsed Compose file, as Compose does (after parsing, per value). */
function interpolateDocument(value: unknown, env: ReadonlyMap<string, string>): unknown {
  if (typeof value === 'string') return interpolate(value, env);
  if (Array.isArray(value)) return value.map((item) => interpolateDocument(item, env));
  if (isDoc(value)) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, interpolateDocument(item, env)]));
  }
  return value;
}

/** Names referenced as `${NAME…}` in a Compose file. */
function interpolatedNames(text: string): { all: Set<string>; required: Set<string> } {
  const all = new Set<string>();
  const required = new Set<string>();
  for (const match of text.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)(:?[-?])?/g)) {
    all.add(match[1]!);
    if (match[2]?.endsWith('?')) required.add(match[1]!);
  }
  return { all, required };
}

/** An image reference's tag, with `${NAME:-default}` read as its default. */
function imageTag(image: string): string | undefined {
  const reference = image.replace(/\$\{[A-Za-z_][A-Za-z0-9_]*:?-([^}]*)\}/g, '$1').split('@')[0]!;
  const slash = reference.lastIndexOf('/');
  const colon = reference.lastIndexOf(':');
  return colon > slash ? reference.slice(colon + 1) : undefined;
}

const composeText = read(join(deploy, 'compose.yaml'));
const envExampleText = read(join(deploy, '.env.example'));
const dockerfileText = read(join(deploy, 'Dockerfile'));
const compose = asDoc(parse(composeText, { merge: true }));
const services = asDoc(compose.services);
const serviceNames = Object.keys(services);

const completedTargets = new Set<string>();
for (const service of Object.values(services)) {
  for (const [target, spec] of Object.entries(asDoc(asDoc(service).depends_on))) {
    if (asDoc(spec).condition === 'service_completed_successfully') completedTargets.add(target);
  }
}
const isOneShot = (name: string) => asDoc(services[name]).restart === 'no' && completedTargets.has(name);

describe('deploy/compose.yaml', () => {
  it('defines the full stack', () => {
    for (const name of ['postgres', 'redis', 'vault', 'vault-init', 'weaviate', 'minio', 'minio-init', 'neo4j']) {
      expect(serviceNames, name).toContain(name);
    }
    for (const name of ['memgraph', 'migrate', 'server', 'worker']) expect(serviceNames, name).toContain(name);
  });

  it('gives every service a health check, or makes it a one-shot that others await', () => {
    const unchecked = serviceNames.filter((name) => {
      const test = asDoc(asDoc(services[name]).healthcheck).test;
      return !(Array.isArray(test) && test.length > 1) && !isOneShot(name);
    });
    expect(unchecked).toEqual([]);
    expect(serviceNames.filter(isOneShot).sort()).toEqual(['migrate', 'minio-init', 'vault-init']);
  });

  it('has depends_on entries that name existing services with a condition that fits them', () => {
    let edges = 0;
    for (const [name, service] of Object.entries(services)) {
      const dependsOn = asDoc(service).depends_on;
      expect(isDoc(dependsOn) || dependsOn === undefined, `${name}: depends_on is a map with conditions`).toBe(true);
      for (const [target, spec] of Object.entries(asDoc(dependsOn))) {
        edges += 1;
        expect(serviceNames, `${name} depends on ${target}`).toContain(target);
        const condition = asDoc(spec).condition;
        if (condition === 'service_healthy') expect(asDoc(services[target]).healthcheck, `${target}`).toBeDefined();
        else if (condition === 'service_completed_successfully') expect(isOneShot(target), target).toBe(true);
        else throw new Error(`${name} → ${target}: condition ${String(condition)}`);
      }
    }
    expect(edges).toBeGreaterThan(20);
  });

  it('pins every image to a tag other than latest', () => {
    for (const [name, service] of Object.entries(services)) {
      const image = asDoc(service).image;
      expect(typeof image, `${name}: image`).toBe('string');
      const tag = imageTag(image as string);
      expect(tag, `${name}: ${String(image)}`).toBeDefined();
      expect(tag, `${name}: ${String(image)}`).not.toMatch(/^latest$/i);
    }
  });

  it('declares every named volume it mounts', () => {
    const declared = Object.keys(asDoc(compose.volumes));
    for (const [name, service] of Object.entries(services)) {
      for (const volume of (asDoc(service).volumes as unknown[] | undefined) ?? []) {
        const source = String(volume).split(':')[0]!;
        if (source.startsWith('.') || source.startsWith('/')) {
          expect(existsSync(resolve(deploy, source)), `${name}: ${source}`).toBe(true);
        } else expect(declared, `${name}: ${source}`).toContain(source);
      }
    }
  });

  it('takes every required secret from .env.example, and .env.example holds nothing unused', () => {
    const names = interpolatedNames(composeText);
    const example = readDotenv(envExampleText);
    expect([...names.required].filter((name) => !example.has(name))).toEqual([]);
    const unused = [...example.keys()].filter((name) => !names.all.has(name) && name !== 'COMPOSE_PROFILES');
    expect(unused).toEqual([]);
    expect(example.get('AURORA_SECRET_KEY'), 'no secret is committed').toBe('');
  });

  it("gives the server and the worker an environment the server's loadConfig accepts", () => {
    // .env.example with each required secret filled in, as a user does.
    const { required } = interpolatedNames(composeText);
    const env = new Map(
      [...readDotenv(envExampleText)].map(([name, value]) => [
        name,
        value === '' && required.has(name) ? 'a1b2c3d4'.repeat(8) : value,
      ]),
    );
    const resolved = asDoc(asDoc(interpolateDocument(compose, env)).services);
    for (const role of ['server', 'worker'] as const) {
      const environment = asDoc(asDoc(resolved[role]).environment);
      const processEnv = Object.fromEntries(Object.entries(environment).map(([name, value]) => [name, String(value)]));
      // The entrypoint wrapper reads AURORA_VAULT_TOKEN from the file vault-init wrote.
      processEnv.AURORA_VAULT_TOKEN = 'hvs.example-token';
      const config = loadConfig(processEnv);
      expect(config.role).toBe(role);
      expect(config.host).toBe('0.0.0.0');
      expect(config.port).toBe(8080);
      expect(config.database?.url).toMatch(/^postgres:\/\/aurora:[0-9a-f]+@postgres:5432\/aurora$/);
      expect(config.redis?.url).toMatch(/^redis:\/\/:[0-9a-f]+@redis:6379\/0$/);
      expect(config.s3).toMatchObject({ bucket: 'aurora', endpoint: 'http://minio:9000', forcePathStyle: true });
      expect(config.vault).toMatchObject({ address: 'http://vault:8200', mount: 'secret' });
      expect(config.weaviate?.url).toBe('http://weaviate:8080');
      expect(config.weaviate?.apiKey).toBeDefined();
      expect(config.neo4j).toMatchObject({ url: 'bolt://graph:7687', user: 'neo4j' });
      expect(config.model).toBe('demo:scripted');
    }
  });

  it('has shell scripts that parse (sh -n): the init scripts and the entrypoint wrapper', () => {
    const scripts = ['vault/init.sh', 'minio/init.sh'].map((file) => read(join(deploy, file)));
    const entrypoint = interpolateDocument(asDoc(services.server).entrypoint, new Map()) as string[];
    expect(entrypoint.slice(0, 2)).toEqual(['/bin/sh', '-ec']);
    expect(entrypoint[2]).toContain('exec node dist/bin.js "$@"');
    for (const script of [...scripts, entrypoint[2]!]) {
      expect(() => execFileSync('sh', ['-n'], { input: script, stdio: ['pipe', 'pipe', 'pipe'] })).not.toThrow();
    }
    expect(() => execFileSync('sh', ['-n'], { input: 'if then', stdio: ['pipe', 'pipe', 'pipe'] })).toThrow();
  });

  it('fails to interpolate without the secrets (no silent empty password)', () => {
    expect(() => interpolateDocument(compose, new Map())).toThrow(/is required: set [A-Z_]+ in deploy\/\.env/);
  });
});

describe('deploy/Dockerfile', () => {
  it("runs the package's aurora bin as a non-root user, with a health check", () => {
    const manifest = JSON.parse(read(join(root, 'packages/server/package.json'))) as { bin: Record<string, string> };
    const bin = manifest.bin.aurora!.replace(/^\.\//, '');
    expect(dockerfileText).toContain(`ENTRYPOINT ["node", "--liftoff-only", "${SEMI_SPACE_FLAG}", "${bin}"]`);
    expect(dockerfileText).toContain('CMD ["start"]');
    expect(dockerfileText).toMatch(/^USER node$/m);
    expect(dockerfileText).toMatch(/^HEALTHCHECK .*\n?.*\/health/m);
    expect(dockerfileText).toMatch(/^ARG PNPM_VERSION=12\.21\.0$/m);
    expect(dockerfileText).toContain('pnpm install --frozen-lockfile');
    expect(dockerfileText).toMatch(/pnpm deploy --filter @aurora-ops\/server --prod/);
  });

  it('builds from a pinned Node 24 (LTS) image and ignores local build output', () => {
    const base = /^ARG NODE_IMAGE=(\S+)$/m.exec(dockerfileText)?.[1];
    expect(base).toMatch(/^node:24[.\-\w]*-bookworm-slim/);
    expect(imageTag(base!)).not.toMatch(/^latest$/i);
    const ignore = read(join(deploy, 'Dockerfile.dockerignore')).split('\n');
    for (const pattern of ['**/node_modules', '**/dist', '.git', '**/.env']) expect(ignore).toContain(pattern);
  });
});

/** Every file under the chart, relative paths. */
function chartFiles(directory = chart, prefix = ''): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? chartFiles(join(directory, entry.name), `${prefix}${entry.name}/`)
      : [`${prefix}${entry.name}`],
  );
}
const templates = chartFiles().filter((file) => file.startsWith('templates/') && !file.endsWith('.prettierrc.json'));
const values = asDoc(parse(read(join(chart, 'values.yaml'))));

/** The template actions of a file, in order, or an error naming the first unbalanced delimiter. */
function templateActions(text: string): string[] {
  const actions: string[] = [];
  let position = 0;
  for (;;) {
    const open = text.indexOf('{{', position);
    const close = text.indexOf('}}', position);
    if (open === -1) {
      if (close !== -1) throw new Error(`"}}" without "{{" at offset ${close}`);
      return actions;
    }
    if (close !== -1 && close < open) throw new Error(`"}}" without "{{" at offset ${close}`);
    const end = text.indexOf('}}', open + 2);
    const nextOpen = text.indexOf('{{', open + 2);
    if (end === -1) throw new Error(`"{{" without "}}" at offset ${open}`);
    const body = text.slice(open + 2, end);
    // A comment may hold braces; anything else may not hold another "{{".
    if (!body.trimStart().replace(/^-\s*/, '').startsWith('/*') && nextOpen !== -1 && nextOpen < end) {
      throw new Error(`"{{" inside an action at offset ${nextOpen}`);
    }
    actions.push(body.replace(/^-?\s*/, '').replace(/\s*-?$/, ''));
    position = end + 2;
  }
}

describe('deploy/helm/aurora', () => {
  it('has a Chart.yaml with apiVersion v2, a name and a version', () => {
    const chartYaml = asDoc(parse(read(join(chart, 'Chart.yaml'))));
    expect(chartYaml.apiVersion).toBe('v2');
    expect(chartYaml.name).toBe('aurora');
    expect(chartYaml.version).toMatch(/^\d+\.\d+\.\d+(?:-[\w.]+)?$/);
    expect(typeof chartYaml.appVersion).toBe('string');
  });

  it('parses every YAML file that is not a template', () => {
    const plain = chartFiles().filter((file) => !file.startsWith('templates/') && /\.ya?ml$/.test(file));
    expect(plain.sort()).toEqual(['Chart.yaml', 'values.yaml']);
    for (const file of plain) expect(() => void parse(read(join(chart, file))), file).not.toThrow();
  });

  it('has the templates the deployment needs', () => {
    for (const file of [
      'templates/_helpers.tpl',
      'templates/NOTES.txt',
      'templates/configmap.yaml',
      'templates/secret.yaml',
      'templates/deployment-server.yaml',
      'templates/deployment-worker.yaml',
      'templates/service.yaml',
      'templates/ingress.yaml',
      'templates/hpa.yaml',
      'templates/pdb.yaml',
      'templates/servicemonitor.yaml',
      'templates/migrate-job.yaml',
    ]) {
      expect(templates, file).toContain(file);
    }
    // Helm renders every file under templates/: the Prettier settings there must be ignored.
    expect(read(join(chart, '.helmignore'))).toMatch(/^templates\/\.prettierrc\.json$/m);
  });

  it.each(templates)('%s has balanced {{ }} and balanced blocks', (file) => {
    const actions = templateActions(read(join(chart, file)));
    expect(actions.length, 'a template with no action').toBeGreaterThan(0);
    const stack: string[] = [];
    for (const action of actions) {
      const keyword = /^(\w+)/.exec(action)?.[1];
      if (
        keyword === 'if' ||
        keyword === 'range' ||
        keyword === 'with' ||
        keyword === 'define' ||
        keyword === 'block'
      ) {
        stack.push(action);
      } else if (keyword === 'end') {
        expect(stack.pop(), `"end" without an opening block in ${file}`).toBeDefined();
      }
    }
    expect(stack, `blocks left open in ${file}`).toEqual([]);
  });

  it('reads only values that values.yaml defines', () => {
    const missing: string[] = [];
    for (const file of templates) {
      for (const match of read(join(chart, file)).matchAll(/\.Values((?:\.[A-Za-z_][A-Za-z0-9_]*)+)/g)) {
        let node: unknown = values;
        for (const key of match[1]!.slice(1).split('.')) node = isDoc(node) && key in node ? node[key] : undefined;
        if (node === undefined) missing.push(`${file}: .Values${match[1]}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it("gives values whose defaults pass the server's schema", () => {
    const config = Object.entries(asDoc(values.config)).filter(([, value]) => value !== '' && value !== null);
    expect(config.length).toBeGreaterThan(3);
    for (const [name, value] of config) {
      expect(knownVariables, name).toContain(name);
      const result = CONFIG_VARIABLES[name as ConfigVariable].schema.safeParse(String(value));
      expect(result.success, `${name}=${String(value)}`).toBe(true);
    }
  });
});

describe('variable names in the manifests', () => {
  const sources: Record<string, string> = {
    'deploy/compose.yaml': composeText,
    'deploy/.env.example': envExampleText,
    'deploy/Dockerfile': dockerfileText,
    ...Object.fromEntries(
      chartFiles()
        .filter((file) => !file.endsWith('.prettierrc.json'))
        .map((file) => [`deploy/helm/aurora/${file}`, read(join(chart, file))]),
    ),
  };

  it.each(Object.keys(sources))('%s uses only AURORA_*/OTEL_* names the server defines', (file) => {
    const names = new Set(sources[file]!.match(variablePattern) ?? []);
    const unknown = [...names].filter((name) => !knownVariables.has(name) && !foreignVariables.has(name));
    expect(unknown).toEqual([]);
  });

  it('finds the names it checks (the check is not vacuous)', () => {
    const names = new Set(Object.values(sources).flatMap((text) => text.match(variablePattern) ?? []));
    for (const name of ['AURORA_SECRET_KEY', 'AURORA_DATABASE_URL', 'AURORA_REDIS_URL', 'AURORA_ROLE', 'AURORA_HOST']) {
      expect(names, name).toContain(name);
    }
  });

  it("gives literal values that pass each variable's schema", () => {
    const literals: [string, string][] = [];
    for (const service of Object.values(services)) {
      for (const [name, value] of Object.entries(asDoc(asDoc(service).environment))) {
        if (!String(value).includes('$') && knownVariables.has(name)) literals.push([name, String(value)]);
      }
    }
    const instructions = dockerfileText.split('\n').filter((line) => !line.trimStart().startsWith('#'));
    for (const match of instructions.join('\n').matchAll(/\b(AURORA_[A-Z0-9_]+)=(\S+)/g)) {
      literals.push([match[1]!, match[2]!]);
    }
    for (const [name, value] of readDotenv(envExampleText)) {
      if (knownVariables.has(name) && value !== '') literals.push([name, value]);
    }
    expect(literals.length).toBeGreaterThan(10);
    const rejected = literals.filter(
      ([name, value]) => !CONFIG_VARIABLES[name as ConfigVariable].schema.safeParse(value).success,
    );
    expect(rejected).toEqual([]);
  });
});
