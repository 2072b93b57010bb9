import { defineTool, type AnyToolDefinition } from '@aurora-ops/core/plugin-sdk';
import { run_v2 } from '@googleapis/run/build/v2.js';
import { z } from 'zod';
import { GCP_CREDENTIAL_SLOT } from '../credentials.js';
import { gcpCall } from '../errors.js';
import type { GcpCall } from '../gcp-options.js';
import {
  compact,
  fetchPage,
  lastSegment,
  locationField,
  maxResultsField,
  nextOf,
  nextTokenField,
  opt,
  pageOutput,
  projectField,
  regionField,
} from '../pagination.js';
import { labelRecord, methodOptions, type ToolKit } from './gcp-tool.js';

const SERVICE = z.string().regex(/^[a-z]([-a-z0-9]{0,47}[a-z0-9])?$/, 'a Cloud Run service name');
const REVISION = z.string().regex(/^[a-z]([-a-z0-9]{0,62}[a-z0-9])?$/, 'a Cloud Run revision name');

type Condition = run_v2.Schema$GoogleCloudRunV2Condition | undefined;

/** `Ready: CONDITION_SUCCEEDED` (with the reason when it is not). */
function conditionText(condition: Condition): string | undefined {
  if (condition === undefined) return undefined;
  const reason = condition.reason ?? condition.revisionReason ?? condition.executionReason;
  return `${condition.type ?? 'Condition'}: ${condition.state ?? 'STATE_UNSPECIFIED'}${reason === null || reason === undefined ? '' : ` (${reason})`}`;
}

const serviceSummary = z.object({
  name: z.string(),
  location: z.string().optional(),
  uri: z.string().optional(),
  ready: z.string().optional().describe('The terminal condition, e.g. Ready: CONDITION_SUCCEEDED'),
  reconciling: z.boolean().optional(),
  latestReadyRevision: z.string().optional(),
  latestCreatedRevision: z.string().optional(),
  image: z.string().optional(),
  serviceAccount: z.string().optional(),
  ingress: z.string().optional(),
  traffic: z.array(z.object({ revision: z.string(), percent: z.number(), tag: z.string().optional() })),
  updated: z.string().optional(),
  lastModifier: z.string().optional(),
  labels: z.record(z.string(), z.string()),
});

function summarizeService(service: run_v2.Schema$GoogleCloudRunV2Service) {
  const parts = (service.name ?? '').split('/');
  return compact({
    name: parts.at(-1) ?? '',
    location: parts[3],
    uri: opt(service.uri),
    ready: conditionText(service.terminalCondition),
    reconciling: opt(service.reconciling),
    latestReadyRevision: lastSegment(service.latestReadyRevision),
    latestCreatedRevision: lastSegment(service.latestCreatedRevision),
    image: opt(service.template?.containers?.[0]?.image),
    serviceAccount: opt(service.template?.serviceAccount),
    ingress: opt(service.ingress),
    traffic: (service.trafficStatuses ?? []).map((target) =>
      compact({
        revision:
          lastSegment(target.revision) ??
          (target.type === 'TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST' ? '(latest)' : '(unknown)'),
        percent: target.percent ?? 0,
        tag: opt(target.tag),
      }),
    ),
    updated: opt(service.updateTime),
    lastModifier: opt(service.lastModifier),
    labels: labelRecord(service.labels),
  });
}

const revisionSummary = z.object({
  name: z.string(),
  service: z.string().optional(),
  created: z.string().optional(),
  ready: z.string().optional(),
  image: z.string().optional(),
  serviceAccount: z.string().optional(),
  cpu: z.string().optional(),
  memory: z.string().optional(),
  concurrency: z.number().optional(),
  minInstances: z.number().optional(),
  maxInstances: z.number().optional(),
  timeout: z.string().optional(),
  logUri: z.string().optional(),
});

function summarizeRevision(revision: run_v2.Schema$GoogleCloudRunV2Revision) {
  const container = revision.containers?.[0];
  const ready = (revision.conditions ?? []).find((condition) => condition.type === 'Ready');
  return compact({
    name: lastSegment(revision.name) ?? '',
    service: lastSegment(revision.service),
    created: opt(revision.createTime),
    ready: conditionText(ready),
    image: opt(container?.image),
    serviceAccount: opt(revision.serviceAccount),
    cpu: opt(container?.resources?.limits?.cpu),
    memory: opt(container?.resources?.limits?.memory),
    concurrency: opt(revision.maxInstanceRequestConcurrency),
    minInstances: opt(revision.scaling?.minInstanceCount),
    maxInstances: opt(revision.scaling?.maxInstanceCount),
    timeout: opt(revision.timeout),
    logUri: opt(revision.logUri),
  });
}

/** Cloud Run (v2 API): services and revisions. Environment variable values are never returned. */
export function runTools(kit: ToolKit): AnyToolDefinition[] {
  const { budget } = kit;
  const services = (call: GcpCall) => new run_v2.Run(call.client('run')).projects.locations.services;
  const serviceName = (call: GcpCall, region: string, service: string) =>
    `projects/${call.project}/locations/${region}/services/${service}`;

  const listServices = defineTool({
    name: 'run_list_services',
    title: 'List Cloud Run services',
    description:
      'Cloud Run services of a project in one region or all (-), with URL, readiness, latest revisions, image, service account, ingress and traffic split. Paginated.',
    input: z.object({
      project: projectField,
      region: locationField.default('-').describe('A region; default - (all regions)'),
      maxResults: maxResultsField(500, 100),
      nextToken: nextTokenField,
    }),
    output: z.object({ services: z.array(serviceSummary), unreachable: z.array(z.string()), ...pageOutput }),
    risk: 'read',
    credentials: [GCP_CREDENTIAL_SLOT],
    handler: async (input, context) => {
      const call = await kit.call(context, input.project);
      let unreachable: string[] = [];
      const page = await fetchPage(input.nextToken, budget, async (token) => {
        const { data } = await gcpCall('run.projects.locations.services.list', () =>
          services(call).list(
            {
              parent: `projects/${call.project}/locations/${input.region}`,
              pageSize: input.maxResults,
              ...(token === undefined ? {} : { pageToken: token }),
            },
            methodOptions(call),
          ),
        );
        unreachable = (data as { unreachable?: string[] | null }).unreachable ?? [];
        return { items: (data.services ?? []).map(summarizeService), next: nextOf(data.nextPageToken) };
      });
      return {
        services: page.items,
        unreachable,
        ...compact({ nextToken: page.nextToken }),
        truncated: page.truncated,
      };
    },
  });

  const getService = defineTool({
    name: 'run_get_service',
    title: 'Get a Cloud Run service',
    description:
      'One Cloud Run service: URL, conditions, latest revisions, image, service account, ingress, traffic split, scaling and VPC access (environment variable names only, never values).',
    input: z.object({ project: projectField, region: regionField, service: SERVICE }),
    output: serviceSummary.extend({
      conditions: z.array(z.string()),
      envNames: z.array(z.string()),
      minInstances: z.number().optional(),
      maxInstances: z.number().optional(),
      vpcNetwork: z.string().optional(),
      vpcConnector: z.string().optional(),
      creator: z.string().optional(),
      created: z.string().optional(),
    }),
    risk: 'read',
    credentials: [GCP_CREDENTIAL_SLOT],
    handler: async (input, context) => {
      const call = await kit.call(context, input.project);
      const { data } = await gcpCall('run.projects.locations.services.get', () =>
        services(call).get({ name: serviceName(call, input.region, input.service) }, methodOptions(call)),
      );
      const template = data.template;
      const nic = template?.vpcAccess?.networkInterfaces?.[0];
      return {
        ...summarizeService(data),
        ...compact({
          minInstances: opt(template?.scaling?.minInstanceCount),
          maxInstances: opt(template?.scaling?.maxInstanceCount),
          vpcNetwork: opt(nic?.network),
          vpcConnector: lastSegment(template?.vpcAccess?.connector),
          creator: opt(data.creator),
          created: opt(data.createTime),
        }),
        conditions: (data.conditions ?? []).map(conditionText).filter((text): text is string => text !== undefined),
        envNames: (template?.containers ?? [])
          .flatMap((container) => container.env ?? [])
          .map((variable) => variable.name ?? '')
          .filter((name) => name !== ''),
      };
    },
  });

  const listRevisions = defineTool({
    name: 'run_list_revisions',
    title: 'List Cloud Run revisions',
    description:
      'Revisions of one Cloud Run service, newest first, with readiness, image, resources, scaling and log URL. Paginated.',
    input: z.object({
      project: projectField,
      region: regionField,
      service: SERVICE,
      maxResults: maxResultsField(500, 50),
      nextToken: nextTokenField,
    }),
    output: z.object({ service: z.string(), revisions: z.array(revisionSummary), ...pageOutput }),
    risk: 'read',
    credentials: [GCP_CREDENTIAL_SLOT],
    handler: async (input, context) => {
      const call = await kit.call(context, input.project);
      const page = await fetchPage(input.nextToken, budget, async (token) => {
        const { data } = await gcpCall('run.projects.locations.services.revisions.list', () =>
          services(call).revisions.list(
            {
              parent: serviceName(call, input.region, input.service),
              pageSize: input.maxResults,
              ...(token === undefined ? {} : { pageToken: token }),
            },
            methodOptions(call),
          ),
        );
        return { items: (data.revisions ?? []).map(summarizeRevision), next: nextOf(data.nextPageToken) };
      });
      return {
        service: input.service,
        revisions: page.items,
        ...compact({ nextToken: page.nextToken }),
        truncated: page.truncated,
      };
    },
  });

  const getRevision = defineTool({
    name: 'run_get_revision',
    title: 'Get a Cloud Run revision',
    description: 'One Cloud Run revision: conditions, image, resources, scaling, timeout and log URL.',
    input: z.object({ project: projectField, region: regionField, service: SERVICE, revision: REVISION }),
    output: revisionSummary.extend({ conditions: z.array(z.string()) }),
    risk: 'read',
    credentials: [GCP_CREDENTIAL_SLOT],
    handler: async (input, context) => {
      const call = await kit.call(context, input.project);
      const { data } = await gcpCall('run.projects.locations.services.revisions.get', () =>
        services(call).revisions.get(
          { name: `${serviceName(call, input.region, input.service)}/revisions/${input.revision}` },
          methodOptions(call),
        ),
      );
      return {
        ...summarizeRevision(data),
        conditions: (data.conditions ?? []).map(conditionText).filter((text): text is string => text !== undefined),
      };
    },
  });

  return [listServices, getService, listRevisions, getRevision] as AnyToolDefinition[];
}
