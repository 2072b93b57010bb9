import { NotFoundError } from '@aurora-ops/core';
import { defineTool, type AnyToolDefinition } from '@aurora-ops/core/plugin-sdk';
import {
  DescribeInstancesCommand,
  DescribeSecurityGroupsCommand,
  EC2Client,
  RebootInstancesCommand,
  StartInstancesCommand,
  StopInstancesCommand,
  TerminateInstancesCommand,
  type Filter,
  type Instance,
  type IpPermission,
} from '@aws-sdk/client-ec2';
import { z } from 'zod';
import { clientConfigFor, DEFAULT_OUTPUT_BUDGET, type AwsPluginOptions } from '../aws-options.js';
import { AWS_CREDENTIAL_SLOT } from '../credentials.js';
import { awsCall } from '../errors.js';
import {
  compact,
  fetchPage,
  iso,
  maxResultsField,
  nextTokenField,
  pageOutput,
  regionField,
  tagRecord,
} from '../pagination.js';

const INSTANCE_ID = z.string().regex(/^i-[0-9a-f]{8,17}$/, 'an EC2 instance id such as i-0abc12345def67890');
const STATES = ['pending', 'running', 'shutting-down', 'terminated', 'stopping', 'stopped'] as const;

const instanceSummary = z.object({
  instanceId: z.string(),
  state: z.string(),
  type: z.string().optional(),
  name: z.string().optional(),
  availabilityZone: z.string().optional(),
  privateIp: z.string().optional(),
  publicIp: z.string().optional(),
  vpcId: z.string().optional(),
  subnetId: z.string().optional(),
  launchTime: z.string().optional(),
  tags: z.record(z.string(), z.string()),
});

function summarize(instance: Instance) {
  const tags = tagRecord(instance.Tags);
  return compact({
    instanceId: instance.InstanceId ?? '',
    state: instance.State?.Name ?? 'unknown',
    type: instance.InstanceType,
    name: tags.Name,
    availabilityZone: instance.Placement?.AvailabilityZone,
    privateIp: instance.PrivateIpAddress,
    publicIp: instance.PublicIpAddress,
    vpcId: instance.VpcId,
    subnetId: instance.SubnetId,
    launchTime: iso(instance.LaunchTime),
    tags,
  });
}

function rule(permission: IpPermission): string {
  const protocol = permission.IpProtocol === '-1' ? 'all' : (permission.IpProtocol ?? 'all');
  const ports =
    permission.FromPort === undefined || permission.FromPort === -1
      ? ''
      : permission.FromPort === permission.ToPort
        ? ` ${permission.FromPort}`
        : ` ${permission.FromPort}-${permission.ToPort}`;
  const peers = [
    ...(permission.IpRanges ?? []).map((range) => range.CidrIp ?? ''),
    ...(permission.Ipv6Ranges ?? []).map((range) => range.CidrIpv6 ?? ''),
    ...(permission.UserIdGroupPairs ?? []).map((pair) => pair.GroupId ?? ''),
    ...(permission.PrefixListIds ?? []).map((list) => list.PrefixListId ?? ''),
  ].filter((peer) => peer !== '');
  return `${protocol}${ports} ${peers.join(',') || '(none)'}`;
}

const stateChange = z.object({
  instances: z.array(z.object({ instanceId: z.string(), previousState: z.string(), currentState: z.string() })),
});

function where(region: string | undefined): string {
  return region === undefined ? 'the default region' : region;
}

/** EC2: list, describe, start, stop, reboot and terminate instances; list security groups. */
export function ec2Tools(options: AwsPluginOptions): AnyToolDefinition[] {
  const budget = options.outputBudget ?? DEFAULT_OUTPUT_BUDGET;
  const client = async (context: Parameters<typeof clientConfigFor>[1], region: string | undefined) =>
    new EC2Client(await clientConfigFor(options, context, region));

  const list = defineTool({
    name: 'ec2_list_instances',
    title: 'List EC2 instances',
    description:
      'EC2 instances of one region with state, type, addresses and tags; filter by state and tags. Paginated.',
    input: z.object({
      region: regionField,
      states: z.array(z.enum(STATES)).max(6).optional().describe('Only instances in these states'),
      tags: z
        .record(z.string().min(1).max(128), z.string().max(256))
        .optional()
        .describe('Only instances with these tag values'),
      maxResults: maxResultsField(1000, 50, 5),
      nextToken: nextTokenField,
    }),
    output: z.object({ instances: z.array(instanceSummary), ...pageOutput }),
    risk: 'read',
    credentials: [AWS_CREDENTIAL_SLOT],
    handler: async (input, context) => {
      const ec2 = await client(context, input.region);
      const filters: Filter[] = [
        ...(input.states === undefined ? [] : [{ Name: 'instance-state-name', Values: input.states }]),
        ...Object.entries(input.tags ?? {}).map(([key, value]) => ({ Name: `tag:${key}`, Values: [value] })),
      ];
      const page = await fetchPage(input.nextToken, budget, async (token) => {
        const response = await awsCall('ec2:DescribeInstances', () =>
          ec2.send(
            new DescribeInstancesCommand({
              ...(filters.length === 0 ? {} : { Filters: filters }),
              MaxResults: input.maxResults,
              ...(token === undefined ? {} : { NextToken: token }),
            }),
            { abortSignal: context.signal },
          ),
        );
        const items = (response.Reservations ?? [])
          .flatMap((reservation) => reservation.Instances ?? [])
          .map(summarize);
        return { items, next: response.NextToken };
      });
      return { instances: page.items, ...compact({ nextToken: page.nextToken }), truncated: page.truncated };
    },
  });

  const describe = defineTool({
    name: 'ec2_describe_instance',
    title: 'Describe an EC2 instance',
    description: 'State, type, image, addresses, network, security groups, IAM profile and tags of one EC2 instance.',
    input: z.object({ region: regionField, instanceId: INSTANCE_ID }),
    output: instanceSummary.extend({
      imageId: z.string().optional(),
      keyName: z.string().optional(),
      platform: z.string().optional(),
      architecture: z.string().optional(),
      iamInstanceProfile: z.string().optional(),
      securityGroups: z.array(z.object({ groupId: z.string(), groupName: z.string().optional() })),
      stateReason: z.string().optional(),
    }),
    risk: 'read',
    credentials: [AWS_CREDENTIAL_SLOT],
    handler: async (input, context) => {
      const ec2 = await client(context, input.region);
      const response = await awsCall('ec2:DescribeInstances', () =>
        ec2.send(new DescribeInstancesCommand({ InstanceIds: [input.instanceId] }), { abortSignal: context.signal }),
      );
      const instance = response.Reservations?.[0]?.Instances?.[0];
      if (instance === undefined) {
        throw new NotFoundError({
          message: `EC2 instance ${input.instanceId} was not found in ${where(input.region)}.`,
          details: { operation: 'ec2:DescribeInstances', instanceId: input.instanceId },
        });
      }
      return {
        ...summarize(instance),
        ...compact({
          imageId: instance.ImageId,
          keyName: instance.KeyName,
          platform: instance.PlatformDetails,
          architecture: instance.Architecture,
          iamInstanceProfile: instance.IamInstanceProfile?.Arn,
          stateReason: instance.StateReason?.Message,
        }),
        securityGroups: (instance.SecurityGroups ?? []).map((group) =>
          compact({ groupId: group.GroupId ?? '', groupName: group.GroupName }),
        ),
      };
    },
  });

  const ids = z.array(INSTANCE_ID).min(1).max(50).describe('Instance ids (1–50)');
  const change = (
    name: string,
    title: string,
    verb: string,
    risk: 'write' | 'destructive',
    run: (
      ec2: EC2Client,
      ids: string[],
      force: boolean,
      signal: AbortSignal,
    ) => Promise<{ instanceId: string; previousState: string; currentState: string }[]>,
  ) =>
    defineTool({
      name,
      title,
      description: `${verb} EC2 instances; returns each instance's previous and current state.${risk === 'destructive' ? ' Irreversible: terminated instances and their instance-store and delete-on-termination volumes are gone.' : ''}`,
      input: z.object({
        region: regionField,
        instanceIds: ids,
        force: z.boolean().optional().describe('Stop only: force the stop (no OS shutdown)'),
      }),
      output: stateChange,
      risk,
      credentials: [AWS_CREDENTIAL_SLOT],
      summary: (input) =>
        `${verb} EC2 instance${input.instanceIds.length === 1 ? '' : 's'} ${input.instanceIds.join(', ')} in ${where(input.region)}${input.force === true ? ' (forced)' : ''}`,
      handler: async (input, context) => {
        const ec2 = await client(context, input.region);
        return { instances: await run(ec2, input.instanceIds, input.force === true, context.signal) };
      },
    });
  type Changes =
    { InstanceId?: string; PreviousState?: { Name?: string }; CurrentState?: { Name?: string } }[] | undefined;
  const changes = (list: Changes) =>
    (list ?? []).map((item) => ({
      instanceId: item.InstanceId ?? '',
      previousState: item.PreviousState?.Name ?? 'unknown',
      currentState: item.CurrentState?.Name ?? 'unknown',
    }));

  const start = change(
    'ec2_start_instances',
    'Start EC2 instances',
    'Start',
    'write',
    async (ec2, InstanceIds, _force, abortSignal) =>
      changes(
        (
          await awsCall('ec2:StartInstances', () =>
            ec2.send(new StartInstancesCommand({ InstanceIds }), { abortSignal }),
          )
        ).StartingInstances,
      ),
  );
  const stop = change(
    'ec2_stop_instances',
    'Stop EC2 instances',
    'Stop',
    'write',
    async (ec2, InstanceIds, Force, abortSignal) =>
      changes(
        (
          await awsCall('ec2:StopInstances', () =>
            ec2.send(new StopInstancesCommand({ InstanceIds, Force }), { abortSignal }),
          )
        ).StoppingInstances,
      ),
  );
  const reboot = change(
    'ec2_reboot_instances',
    'Reboot EC2 instances',
    'Reboot',
    'write',
    async (ec2, InstanceIds, _force, abortSignal) => {
      await awsCall('ec2:RebootInstances', () =>
        ec2.send(new RebootInstancesCommand({ InstanceIds }), { abortSignal }),
      );
      // RebootInstances reports no states: say what is known, not a guess.
      return InstanceIds.map((instanceId) => ({
        instanceId,
        previousState: 'unchanged',
        currentState: 'reboot-requested',
      }));
    },
  );
  const terminate = change(
    'ec2_terminate_instances',
    'Terminate EC2 instances',
    'Terminate',
    'destructive',
    async (ec2, InstanceIds, _force, abortSignal) =>
      changes(
        (
          await awsCall('ec2:TerminateInstances', () =>
            ec2.send(new TerminateInstancesCommand({ InstanceIds }), { abortSignal }),
          )
        ).TerminatingInstances,
      ),
  );

  const groups = defineTool({
    name: 'ec2_list_security_groups',
    title: 'List EC2 security groups',
    description:
      'Security groups of one region with their inbound and outbound rules ("tcp 443 0.0.0.0/0"); filter by VPC or ids. Paginated.',
    input: z.object({
      region: regionField,
      vpcId: z
        .string()
        .regex(/^vpc-[0-9a-f]+$/)
        .optional(),
      groupIds: z
        .array(z.string().regex(/^sg-[0-9a-f]+$/))
        .max(100)
        .optional(),
      maxResults: maxResultsField(1000, 50, 5),
      nextToken: nextTokenField,
    }),
    output: z.object({
      securityGroups: z.array(
        z.object({
          groupId: z.string(),
          groupName: z.string(),
          description: z.string().optional(),
          vpcId: z.string().optional(),
          inbound: z.array(z.string()),
          outbound: z.array(z.string()),
          tags: z.record(z.string(), z.string()),
        }),
      ),
      ...pageOutput,
    }),
    risk: 'read',
    credentials: [AWS_CREDENTIAL_SLOT],
    handler: async (input, context) => {
      const ec2 = await client(context, input.region);
      const page = await fetchPage(input.nextToken, budget, async (token) => {
        const response = await awsCall('ec2:DescribeSecurityGroups', () =>
          ec2.send(
            new DescribeSecurityGroupsCommand({
              ...(input.vpcId === undefined ? {} : { Filters: [{ Name: 'vpc-id', Values: [input.vpcId] }] }),
              ...(input.groupIds === undefined ? { MaxResults: input.maxResults } : { GroupIds: input.groupIds }),
              ...(token === undefined ? {} : { NextToken: token }),
            }),
            { abortSignal: context.signal },
          ),
        );
        const items = (response.SecurityGroups ?? []).map((group) =>
          compact({
            groupId: group.GroupId ?? '',
            groupName: group.GroupName ?? '',
            description: group.Description,
            vpcId: group.VpcId,
            inbound: (group.IpPermissions ?? []).map(rule),
            outbound: (group.IpPermissionsEgress ?? []).map(rule),
            tags: tagRecord(group.Tags),
          }),
        );
        return { items, next: response.NextToken };
      });
      return { securityGroups: page.items, ...compact({ nextToken: page.nextToken }), truncated: page.truncated };
    },
  });

  return [list, describe, start, stop, reboot, terminate, groups] as AnyToolDefinition[];
}
