import { defineTool, type AnyToolDefinition } from '@aurora-ops/core/plugin-sdk';
import { cloudresourcemanager_v3 } from '@googleapis/cloudresourcemanager/build/v3.js';
import { z } from 'zod';
import { GCP_CREDENTIAL_SLOT } from '../credentials.js';
import { gcpCall } from '../errors.js';
import { compact, fetchPage, maxResultsField, nextOf, nextTokenField, opt, pageOutput } from '../pagination.js';
import { labelRecord, methodOptions, type ToolKit } from './gcp-tool.js';

/** Resource Manager: the projects the credentials can see. */
export function projectTools(kit: ToolKit): AnyToolDefinition[] {
  const { budget } = kit;

  const list = defineTool({
    name: 'projects_list',
    title: 'List GCP projects',
    description:
      'GCP projects the credentials can see (resourcemanager.projects.get), with id, number, name, state, parent and labels; filter with a search query such as "labels.env:prod" or "displayName:shop*". Paginated.',
    input: z.object({
      query: z.string().min(1).max(1024).optional().describe('A Resource Manager search query'),
      maxResults: maxResultsField(500, 100),
      nextToken: nextTokenField,
    }),
    output: z.object({
      projects: z.array(
        z.object({
          projectId: z.string(),
          number: z.string().optional(),
          name: z.string().optional(),
          state: z.string().optional(),
          parent: z.string().optional(),
          created: z.string().optional(),
          labels: z.record(z.string(), z.string()),
        }),
      ),
      ...pageOutput,
    }),
    risk: 'read',
    connectionTest: true,
    credentials: [GCP_CREDENTIAL_SLOT],
    handler: async (input, context) => {
      const call = await kit.call(context, undefined, false);
      const projects = new cloudresourcemanager_v3.Cloudresourcemanager(call.client('cloudresourcemanager')).projects;
      const page = await fetchPage(input.nextToken, budget, async (token) => {
        const { data } = await gcpCall('cloudresourcemanager.projects.search', () =>
          projects.search(
            {
              pageSize: input.maxResults,
              ...(input.query === undefined ? {} : { query: input.query }),
              ...(token === undefined ? {} : { pageToken: token }),
            },
            methodOptions(call),
          ),
        );
        const items = (data.projects ?? []).map((project) =>
          compact({
            projectId: project.projectId ?? '',
            number: opt(project.name)?.replace(/^projects\//, ''),
            name: opt(project.displayName),
            state: opt(project.state),
            parent: opt(project.parent),
            created: opt(project.createTime),
            labels: labelRecord(project.labels),
          }),
        );
        return { items, next: nextOf(data.nextPageToken) };
      });
      return { projects: page.items, ...compact({ nextToken: page.nextToken }), truncated: page.truncated };
    },
  });

  return [list] as AnyToolDefinition[];
}
