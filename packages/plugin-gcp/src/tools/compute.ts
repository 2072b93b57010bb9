import { NotFoundError, UpstreamError } from '@aurora-ops/core';
import { defineTool, type AnyToolDefinition } from '@aurora-ops/core/plugin-sdk';
import { compute_v1 } from '@googleapis/compute/build/v1.js';
import { z } from 'zod';
import { GCP_CREDENTIAL_SLOT } from '../credentials.js';
import { gcpCall, GcpQuotaExceededError } from '../errors.js';
import type { GcpCall } from '../gcp-options.js';
import {
  compact,
  fetchPage,
  lastSegment,
  maxResultsField,
  nextOf,
  nextTokenField,
  opt,
  pageOutput,
  projectField,
  resourceName,
  zoneField,
} from '../pagination.js';
import { labelRecord, methodOptions, type ToolKit } from './gcp-tool.js';

const INSTANCE = resourceName('Compute Engine instance');
const STATUSES = [
  'PROVISIONING',
  'STAGING',
  'RUNNING',
  'STOPPING',
  'STOPPED',
  'SUSPENDING',
  'SUSPENDED',
  'REPAIRING',
  'TERMINATED',
] as const;
const LABEL_KEY = /^[a-z][a-z0-9_-]{0,62}$/;
const LABEL_VALUE = /^[a-z0-9_-]{0,63}$/;

const instanceSummary = z.object({
  name: z.string(),
  id: z.string().optional(),
  zone: z.string().optional(),
  status: z.string(),
  machineType: z.string().optional(),
  internalIps: z.array(z.string()),
  externalIps: z.array(z.string()),
  network: z.string().optional(),
  subnetwork: z.string().optional(),
  created: z.string().optional(),
  lastStarted: z.string().optional(),
  labels: z.record(z.string(), z.string()),
});

function summarize(instance: compute_v1.Schema$Instance) {
  const interfaces = instance.networkInterfaces ?? [];
  const first = interfaces[0];
  return compact({
    name: instance.name ?? '',
    id: opt(instance.id),
    zone: lastSegment(instance.zone),
    status: instance.status ?? 'UNKNOWN',
    machineType: lastSegment(instance.machineType),
    internalIps: interfaces.map((nic) => nic.networkIP ?? '').filter((ip) => ip !== ''),
    externalIps: interfaces
      .flatMap((nic) => nic.accessConfigs ?? [])
      .map((config) => config.natIP ?? '')
      .filter((ip) => ip !== ''),
    network: lastSegment(first?.network),
    subnetwork: lastSegment(first?.subnetwork),
    created: opt(instance.creationTimestamp),
    lastStarted: opt(instance.lastStartTimestamp),
    labels: labelRecord(instance.labels),
  });
}

/** A Compute Engine list filter from the structured inputs and a raw expression. */
export function computeFilter(
  status: readonly string[] | undefined,
  labels: Readonly<Record<string, string>> | undefined,
  raw: string | undefined,
): string | undefined {
  const parts = [
    ...(status === undefined || status.length === 0
      ? []
      : [status.length === 1 ? `(status = ${status[0]})` : `(${status.map((s) => `status = ${s}`).join(' OR ')})`]),
    ...Object.entries(labels ?? {}).map(([key, value]) => `(labels.${key} = "${value}")`),
    ...(raw === undefined ? [] : [`(${raw})`]),
  ];
  return parts.length === 0 ? undefined : parts.join(' AND ');
}

const operationOutput = z.object({
  operation: z.string().describe('The zone operation name; compute_get_operation follows it'),
  operationType: z.string().optional(),
  status: z.string().describe('PENDING, RUNNING or DONE'),
  progress: z.number().optional(),
  instance: z.string(),
  zone: z.string(),
  project: z.string(),
  started: z.string().optional(),
  ended: z.string().optional(),
  errors: z.array(z.string()).optional().describe('Error codes of a finished operation that failed'),
});

/** A finished operation that failed becomes a typed error; otherwise its summary. */
function operationResult(
  operation: compute_v1.Schema$Operation,
  call: GcpCall,
  zone: string,
  instance: string,
  throwOnError = true,
) {
  const codes = (operation.error?.errors ?? []).map((error) => error.code ?? 'UNKNOWN');
  if (throwOnError && operation.status === 'DONE' && codes.length > 0) {
    const details = { operation: `compute.${operation.operationType ?? 'operation'}`, instance, zone, codes };
    if (codes.some((code) => /QUOTA/.test(code))) {
      throw new GcpQuotaExceededError({
        message: `Compute Engine could not ${operation.operationType ?? 'change'} ${instance}: a quota is reached (${codes.join(', ')}).`,
        details,
      });
    }
    throw new UpstreamError({
      retryable: false,
      message: `Compute Engine reports that ${operation.operationType ?? 'the operation'} on ${instance} failed (${codes.join(', ')}).`,
      details,
    });
  }
  return compact({
    operation: operation.name ?? '',
    operationType: opt(operation.operationType),
    status: operation.status ?? 'UNKNOWN',
    progress: opt(operation.progress),
    instance: lastSegment(operation.targetLink) ?? instance,
    zone: lastSegment(operation.zone) ?? zone,
    project: call.project,
    started: opt(operation.startTime),
    ended: opt(operation.endTime),
    errors: codes.length === 0 ? undefined : codes,
  });
}

function where(input: { zone: string; project?: string | undefined }): string {
  return `in zone ${input.zone} of ${input.project === undefined ? 'the default project' : `project ${input.project}`}`;
}

/** Compute Engine: list, get, start, stop, reset and delete instances; follow zone operations. */
export function computeTools(kit: ToolKit): AnyToolDefinition[] {
  const { budget } = kit;
  const client = (call: GcpCall) => new compute_v1.Compute(call.client('compute'));

  const list = defineTool({
    name: 'compute_list_instances',
    title: 'List Compute Engine instances',
    description:
      'Compute Engine VM instances of a project, in one zone or all zones (aggregated), with status, machine type, IPs, network and labels; filter by status, labels or a Compute filter expression. Paginated.',
    input: z.object({
      project: projectField,
      zone: zoneField.optional().describe('One zone; default: all zones'),
      status: z.array(z.enum(STATUSES)).max(9).optional(),
      labels: z
        .record(z.string().regex(LABEL_KEY, 'a label key'), z.string().regex(LABEL_VALUE, 'a label value'))
        .optional()
        .describe('Only instances with these label values'),
      filter: z
        .string()
        .min(1)
        .max(1024)
        .optional()
        .describe('A Compute Engine filter expression, e.g. machineType eq .*e2-medium'),
      maxResults: maxResultsField(500, 100),
      nextToken: nextTokenField,
    }),
    output: z.object({ instances: z.array(instanceSummary), ...pageOutput }),
    risk: 'read',
    credentials: [GCP_CREDENTIAL_SLOT],
    handler: async (input, context) => {
      const call = await kit.call(context, input.project);
      const compute = client(call);
      const filter = computeFilter(input.status, input.labels, input.filter);
      const common = {
        project: call.project,
        maxResults: input.maxResults,
        ...(filter === undefined ? {} : { filter }),
      };
      const page = await fetchPage(input.nextToken, budget, async (token) => {
        const pageToken = token === undefined ? {} : { pageToken: token };
        if (input.zone !== undefined) {
          const zone = input.zone;
          const { data } = await gcpCall('compute.instances.list', () =>
            compute.instances.list({ ...common, zone, ...pageToken }, methodOptions(call)),
          );
          return { items: (data.items ?? []).map(summarize), next: nextOf(data.nextPageToken) };
        }
        const { data } = await gcpCall('compute.instances.aggregatedList', () =>
          compute.instances.aggregatedList(
            { ...common, returnPartialSuccess: true, ...pageToken },
            methodOptions(call),
          ),
        );
        const items = Object.values(data.items ?? {}).flatMap((scoped) => (scoped.instances ?? []).map(summarize));
        return { items, next: nextOf(data.nextPageToken) };
      });
      return { instances: page.items, ...compact({ nextToken: page.nextToken }), truncated: page.truncated };
    },
  });

  const get = defineTool({
    name: 'compute_get_instance',
    title: 'Get a Compute Engine instance',
    description:
      'One Compute Engine instance: status, machine type, IPs, network, disks, service accounts, network tags, scheduling and labels (metadata values are not returned).',
    input: z.object({ project: projectField, zone: zoneField, instance: INSTANCE }),
    output: instanceSummary.extend({
      statusMessage: z.string().optional(),
      cpuPlatform: z.string().optional(),
      description: z.string().optional(),
      deletionProtection: z.boolean().optional(),
      networkTags: z.array(z.string()),
      serviceAccounts: z.array(z.string()),
      disks: z.array(
        z.object({
          deviceName: z.string(),
          boot: z.boolean(),
          source: z.string().optional(),
          sizeGb: z.string().optional(),
          autoDelete: z.boolean().optional(),
        }),
      ),
      provisioningModel: z.string().optional(),
      metadataKeys: z.array(z.string()),
    }),
    risk: 'read',
    credentials: [GCP_CREDENTIAL_SLOT],
    handler: async (input, context) => {
      const call = await kit.call(context, input.project);
      const { data } = await gcpCall('compute.instances.get', () =>
        client(call).instances.get(
          { project: call.project, zone: input.zone, instance: input.instance },
          methodOptions(call),
        ),
      );
      return {
        ...summarize(data),
        ...compact({
          statusMessage: opt(data.statusMessage),
          cpuPlatform: opt(data.cpuPlatform),
          description: opt(data.description) === '' ? undefined : opt(data.description),
          deletionProtection: opt(data.deletionProtection),
          provisioningModel: opt(data.scheduling?.provisioningModel),
        }),
        networkTags: data.tags?.items ?? [],
        serviceAccounts: (data.serviceAccounts ?? []).map((account) => account.email ?? '').filter((e) => e !== ''),
        disks: (data.disks ?? []).map((disk) =>
          compact({
            deviceName: disk.deviceName ?? '',
            boot: disk.boot ?? false,
            source: lastSegment(disk.source),
            sizeGb: opt(disk.diskSizeGb),
            autoDelete: opt(disk.autoDelete),
          }),
        ),
        metadataKeys: (data.metadata?.items ?? []).map((item) => item.key ?? '').filter((key) => key !== ''),
      };
    },
  });

  const target = z.object({ project: projectField, zone: zoneField, instance: INSTANCE });
  type Target = z.output<typeof target>;
  const change = (
    verb: 'start' | 'stop' | 'reset' | 'delete',
    title: string,
    effect: string,
    risk: 'write' | 'destructive',
    description: string,
  ) =>
    defineTool({
      name: `compute_${verb}_instance`,
      title,
      description: `${description} Returns the zone operation (follow it with compute_get_operation).`,
      input: target,
      output: operationOutput,
      risk,
      credentials: [GCP_CREDENTIAL_SLOT],
      summary: (input: Target) =>
        `${verb[0]!.toUpperCase()}${verb.slice(1)} Compute Engine instance ${input.instance} ${where(input)}: ${effect}`,
      handler: async (input, context) => {
        const call = await kit.call(context, input.project);
        const params = { project: call.project, zone: input.zone, instance: input.instance };
        const instances = client(call).instances;
        const options = methodOptions(call);
        const { data } = await gcpCall(`compute.instances.${verb}`, () =>
          verb === 'start'
            ? instances.start(params, options)
            : verb === 'stop'
              ? instances.stop(params, options)
              : verb === 'reset'
                ? instances.reset(params, options)
                : instances.delete(params, options),
        );
        return operationResult(data, call, input.zone, input.instance);
      },
    });

  const start = change(
    'start',
    'Start a Compute Engine instance',
    'boots the stopped VM; vCPU and memory billing resumes.',
    'write',
    'Starts a stopped (TERMINATED) Compute Engine instance.',
  );
  const stop = change(
    'stop',
    'Stop a Compute Engine instance',
    'shuts the VM down; its disks are kept, an ephemeral external IP is released.',
    'write',
    'Stops a running Compute Engine instance (clean OS shutdown); its persistent disks are kept.',
  );
  const reset = change(
    'reset',
    'Reset a Compute Engine instance',
    'hard-resets the VM like a power cycle, without a clean OS shutdown; memory contents are lost.',
    'write',
    'Hard-resets a running Compute Engine instance (like pressing the reset button, no OS shutdown).',
  );
  const remove = change(
    'delete',
    'Delete a Compute Engine instance',
    'deletes the VM irreversibly, with every disk marked auto-delete.',
    'destructive',
    'Deletes a Compute Engine instance. Irreversible: the VM and its auto-delete disks are gone.',
  );

  const operation = defineTool({
    name: 'compute_get_operation',
    title: 'Get a Compute Engine zone operation',
    description: 'Status and progress of a zone operation returned by a start, stop, reset or delete.',
    input: z.object({
      project: projectField,
      zone: zoneField,
      operation: z.string().regex(/^[a-z0-9-]{1,63}$/, 'an operation name such as operation-1712345678901-…'),
    }),
    output: operationOutput,
    risk: 'read',
    credentials: [GCP_CREDENTIAL_SLOT],
    handler: async (input, context) => {
      const call = await kit.call(context, input.project);
      const { data } = await gcpCall('compute.zoneOperations.get', () =>
        client(call).zoneOperations.get(
          { project: call.project, zone: input.zone, operation: input.operation },
          methodOptions(call),
        ),
      );
      if (data.name === undefined || data.name === null) {
        throw new NotFoundError({
          message: `Zone operation ${input.operation} was not found.`,
          details: { operation: 'compute.zoneOperations.get' },
        });
      }
      return operationResult(data, call, input.zone, lastSegment(data.targetLink) ?? '', false);
    },
  });

  return [list, get, start, stop, reset, remove, operation] as AnyToolDefinition[];
}
