import { definePlugin, type PluginDefinition } from '@aurora-ops/core/plugin-sdk';
import { GoogleAuth } from 'google-auth-library';
import {
  createAuthCache,
  GCP_CREDENTIAL_SLOT,
  GCP_SCOPES,
  gcpCredentialSlot,
  tokenTransporter,
} from './credentials.js';
import type { GcpAuth } from './credentials.js';
import type { GcpPluginOptions } from './gcp-options.js';
import { computeTools } from './tools/compute.js';
import { toolKit } from './tools/gcp-tool.js';
import { gkeTools } from './tools/gke.js';
import { loggingTools } from './tools/logging.js';
import { monitoringTools } from './tools/monitoring.js';
import { projectTools } from './tools/projects.js';
import { runTools } from './tools/run.js';
import { sqlTools } from './tools/sql.js';
import { VERSION } from './version.js';

/**
 * Application Default Credentials with the cloud-platform scope; with `tokenUrl`, token
 * requests go there. Nothing is read until the first call.
 */
export function applicationDefaultAuth(tokenUrl?: string): GcpAuth {
  return new GoogleAuth({
    scopes: [...GCP_SCOPES],
    ...(tokenUrl === undefined ? {} : { clientOptions: { transporter: tokenTransporter(tokenUrl) } }),
  });
}

/**
 * The GCP plugin: read tools for Resource Manager, Compute Engine, GKE, Cloud SQL, Cloud
 * Run, Cloud Logging and Cloud Monitoring, and guarded write tools for Compute Engine
 * instances. Every tool reads the `gcp` credential slot (a service-account key); without
 * one (standalone) Application Default Credentials are used.
 */
export function createGcpPlugin(settings: GcpPluginOptions = {}): PluginDefinition {
  const options: GcpPluginOptions = {
    ...settings,
    authCache: settings.authCache ?? createAuthCache(),
  };
  // One ADC instance per plugin: it caches the client and token it found.
  const kit = toolKit(options, settings.baseAuth ?? applicationDefaultAuth(settings.tokenUrl));
  return definePlugin({
    name: 'gcp',
    version: VERSION,
    title: 'Google Cloud',
    description:
      'Google Cloud: projects, Compute Engine, GKE, Cloud SQL, Cloud Run, Cloud Logging and Cloud Monitoring. Every tool takes an optional project. List tools are paginated: pass nextToken back for more.',
    credentials: { [GCP_CREDENTIAL_SLOT]: gcpCredentialSlot },
    tools: [
      ...projectTools(kit),
      ...computeTools(kit),
      ...gkeTools(kit),
      ...sqlTools(kit),
      ...runTools(kit),
      ...loggingTools(kit),
      ...monitoringTools(kit),
    ],
  });
}
