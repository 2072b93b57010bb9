import type { z } from 'zod';
import { ConfigurationError } from '../errors/errors.js';
import type { AnyToolDefinition } from './define-tool.js';

/** A plugin's name: short, because the host prefixes every tool with `<plugin>__`. */
export const PLUGIN_NAME_PATTERN = /^[a-z][a-z0-9-]{0,14}$/;

/** Credential slot names: what a tool asks for and what a host maps to a secret reference. */
export const CREDENTIAL_SLOT_PATTERN = /^[a-z][a-z0-9_-]{0,31}$/;

/** The separator between plugin and tool in the host's qualified tool names. */
export const TOOL_NAME_SEPARATOR = '__';

/** The longest tool name MCP clients accept in practice. */
export const MAX_QUALIFIED_TOOL_NAME = 64;

export interface CredentialSlot {
  /** What an operator must supply, shown when a connector is configured. */
  readonly description: string;
  /** The fields of the secret (for example `{ access_key_id, secret_access_key }`), checked when resolved. */
  readonly schema?: z.ZodType<Readonly<Record<string, string>>>;
}

export interface PluginSpec {
  /** `[a-z][a-z0-9-]{0,14}`. */
  readonly name: string;
  /** The package version (semver). */
  readonly version: string;
  readonly title?: string;
  /** Sent to clients as the server's `instructions`. */
  readonly description?: string;
  readonly credentials?: Readonly<Record<string, CredentialSlot>>;
  readonly tools: readonly AnyToolDefinition[];
}

export interface PluginDefinition extends PluginSpec {
  readonly kind: 'aurora.plugin';
  readonly credentials: Readonly<Record<string, CredentialSlot>>;
}

/** `<plugin>__<tool>`, the name Aurora's host gives a plugin's tool. */
export function qualifiedToolName(plugin: string, tool: string): string {
  return `${plugin}${TOOL_NAME_SEPARATOR}${tool}`;
}

function invalid(plugin: string, message: string, setting: string): ConfigurationError {
  return new ConfigurationError({ message: `Plugin "${plugin}": ${message}`, details: { plugin, setting } });
}

/**
 * Declares a plugin: its name, version, credential slots and tools. Throws
 * `ConfigurationError` for a bad name, a duplicate tool, a qualified name over 64
 * characters, or a tool that asks for a slot the plugin does not declare.
 */
export function definePlugin(spec: PluginSpec): PluginDefinition {
  const name = typeof spec.name === 'string' ? spec.name : String(spec.name);
  if (!PLUGIN_NAME_PATTERN.test(name)) throw invalid(name, 'the name must match [a-z][a-z0-9-]{0,14}.', 'name');
  if (typeof spec.version !== 'string' || !/^\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.+-]+)?$/.test(spec.version)) {
    throw invalid(name, 'version must be a semver string such as 0.1.0.', 'version');
  }
  const credentials = spec.credentials ?? {};
  for (const [slot, declaration] of Object.entries(credentials)) {
    if (!CREDENTIAL_SLOT_PATTERN.test(slot)) {
      throw invalid(name, `credential slot "${slot}" must match [a-z][a-z0-9_-]{0,31}.`, 'credentials');
    }
    if (typeof declaration?.description !== 'string' || declaration.description === '') {
      throw invalid(name, `credential slot "${slot}" needs a description.`, 'credentials');
    }
  }
  const tools: unknown = spec.tools;
  if (!Array.isArray(tools) || tools.length === 0) {
    throw invalid(name, 'a plugin needs at least one tool.', 'tools');
  }
  const seen = new Set<string>();
  let connectionTest: string | undefined;
  for (const tool of spec.tools) {
    if (tool?.kind !== 'aurora.tool') throw invalid(name, 'every tool must come from defineTool().', 'tools');
    if (seen.has(tool.name)) throw invalid(name, `two tools are named "${tool.name}".`, 'tools');
    seen.add(tool.name);
    if (tool.connectionTest === true) {
      if (connectionTest !== undefined) {
        throw invalid(
          name,
          `tools "${connectionTest}" and "${tool.name}" are both the connection test; keep one.`,
          'tools',
        );
      }
      connectionTest = tool.name;
    }
    if (qualifiedToolName(name, tool.name).length > MAX_QUALIFIED_TOOL_NAME) {
      throw invalid(
        name,
        `"${qualifiedToolName(name, tool.name)}" is longer than ${MAX_QUALIFIED_TOOL_NAME} characters.`,
        'tools',
      );
    }
    for (const slot of tool.credentials) {
      if (!Object.hasOwn(credentials, slot)) {
        throw invalid(
          name,
          `tool "${tool.name}" uses credential slot "${slot}", which the plugin does not declare.`,
          'tools',
        );
      }
    }
  }
  return Object.freeze({ ...spec, name, credentials, tools: [...spec.tools], kind: 'aurora.plugin' as const });
}
