/** `discoverAws` against the fake AWS server: pages, node labels and ARNs, edges from dependent to dependency. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { discoverAws, type DiscoveryPage } from '../src/index.js';
import { fixture, restJson, startFakeAws, TEST_KEYS, xml, type FakeAws } from './support/fake-aws.js';

let aws: FakeAws;
beforeAll(async () => {
  aws = await startFakeAws();
});
afterAll(() => aws.close());
beforeEach(() => {
  aws.reset();
  aws.on('sts:GetCallerIdentity', xml(fixture('sts-get-caller-identity.xml')));
  aws.on('ec2:DescribeVpcs', xml(fixture('ec2-describe-vpcs.xml')));
  aws.on('ec2:DescribeSubnets', xml(fixture('ec2-describe-subnets.xml')));
  aws.on(
    'ec2:DescribeInstances',
    xml(fixture('ec2-describe-instances-page1.xml')),
    xml(fixture('ec2-describe-instances-page2.xml')),
  );
  aws.on('eks:ListClusters', restJson('{"clusters":["prod"]}'));
  aws.on('eks:DescribeCluster', restJson(fixture('eks-describe-cluster.json')));
  aws.on('eks:ListNodegroups', restJson(fixture('eks-list-nodegroups.json')));
  aws.on('eks:DescribeNodegroup', (request) => {
    const name = request.path.split('/').pop()!;
    return restJson(fixture('eks-describe-nodegroup.json').replaceAll('ng-default', name));
  });
  aws.on('lambda:ListFunctions', restJson(fixture('lambda-list-functions.json')), restJson('{"Functions":[]}'));
  aws.on('rds:DescribeDBSubnetGroups', xml(fixture('rds-describe-db-subnet-groups.xml')));
  aws.on('rds:DescribeDBInstances', (request) =>
    request.params.get('Marker') === 'rds-marker-2'
      ? xml(
          fixture('rds-describe-db-instances.xml')
            .replace(/<DBInstance>[\s\S]*<\/DBInstance>/, '')
            .replace('<Marker>rds-marker-2</Marker>', ''),
        )
      : xml(fixture('rds-describe-db-instances.xml')),
  );
});

async function collect(pageSize = 5): Promise<DiscoveryPage[]> {
  const pages: DiscoveryPage[] = [];
  for await (const page of discoverAws({
    org: 'acme',
    endpoint: aws.url,
    region: 'eu-west-1',
    baseCredentials: TEST_KEYS,
    pageSize,
  })) {
    pages.push(page);
  }
  return pages;
}

describe('discoverAws', () => {
  it('streams one page per AWS page and follows every NextToken/Marker', async () => {
    const pages = await collect();
    // vpcs, subnets, 2 instance pages, 1 cluster, 2 lambda pages, subnet groups, 2 rds pages
    expect(pages).toHaveLength(10);
    expect(aws.calls('ec2:DescribeInstances').map((request) => request.params.get('NextToken'))).toEqual([
      null,
      'page-2-token',
    ]);
    expect(aws.calls('ec2:DescribeInstances')[0]?.params.get('MaxResults')).toBe('5');
    expect(aws.calls('lambda:ListFunctions').map((request) => request.query.get('Marker'))).toEqual([
      null,
      'bWFya2VyLTI',
    ]);
    expect(aws.calls('rds:DescribeDBInstances').map((request) => request.params.get('Marker'))).toEqual([
      null,
      'rds-marker-2',
    ]);
    expect(aws.calls('eks:DescribeNodegroup').map((request) => request.path)).toEqual([
      '/clusters/prod/node-groups/ng-default',
      '/clusters/prod/node-groups/ng-gpu',
    ]);
  });

  it('maps resources to ARN-identified nodes and dependency edges', async () => {
    const pages = await collect();
    const nodes = pages.flatMap((page) => page.nodes);
    const edges = pages.flatMap((page) => page.edges);
    for (const node of nodes) {
      expect(node.org).toBe('acme');
      expect(node.id).toMatch(/^arn:aws:/);
      expect(node.labels.every((label) => /^[A-Za-z][A-Za-z0-9_]{0,63}$/.test(label))).toBe(true);
      expect(typeof node.properties.kind).toBe('string');
      expect(typeof node.properties.region).toBe('string');
    }
    for (const edge of edges) expect(edge.type).toMatch(/^[A-Z][A-Z0-9_]*$/);
    const byId = new Map(nodes.map((node) => [node.id, node]));
    const vpc = 'arn:aws:ec2:eu-west-1:123456789012:vpc/vpc-11112222';
    const subnet = 'arn:aws:ec2:eu-west-1:123456789012:subnet/subnet-56f5f633';
    const instance = 'arn:aws:ec2:eu-west-1:123456789012:instance/i-1234567890abcdef0';
    expect(byId.get(instance)).toMatchObject({
      labels: ['Ec2Instance'],
      properties: {
        kind: 'ec2-instance',
        region: 'eu-west-1',
        status: 'running',
        name: 'web-1',
        tags: ['Name=web-1', 'env=prod'],
      },
    });
    expect(byId.get(vpc)).toMatchObject({ labels: ['Vpc'], properties: { name: 'prod', status: 'available' } });
    const has = (from: string, type: string, to: string) =>
      edges.some((e) => e.from === from && e.type === type && e.to === to);
    expect(has(instance, 'IN_SUBNET', subnet)).toBe(true);
    expect(has(subnet, 'IN_VPC', vpc)).toBe(true);
    const cluster = 'arn:aws:eks:us-west-2:123456789012:cluster/prod';
    const nodegroup = nodes.find((node) => node.labels.includes('EksNodegroup') && node.properties.name === 'ng-gpu')!;
    expect(has(nodegroup.id, 'PART_OF', cluster)).toBe(true);
    expect(byId.get(cluster)?.labels).toEqual(['EksCluster']);
    const fn = 'arn:aws:lambda:us-west-2:123456789012:function:my-function';
    const role = 'arn:aws:iam::123456789012:role/lambda-role';
    expect(has(fn, 'ASSUMES', role)).toBe(true);
    expect(byId.get(role)).toMatchObject({
      labels: ['IamRole'],
      properties: { kind: 'iam-role', name: 'lambda-role' },
    });
    const db = 'arn:aws:rds:us-west-2:123456789012:db:orders-db';
    const group = 'arn:aws:rds:eu-west-1:123456789012:subgrp:orders-subnets';
    expect(has(db, 'IN_SUBNET_GROUP', group)).toBe(true);
    expect(has(group, 'IN_VPC', vpc)).toBe(true);
    expect(byId.get(group)?.labels).toEqual(['DbSubnetGroup']);
    // An edge's dependency that discovery emits at all is emitted before (or with) the edge.
    const seen = new Set<string>();
    let checked = 0;
    for (const page of pages) {
      for (const node of page.nodes) seen.add(node.id);
      for (const edge of page.edges) {
        if (!byId.has(edge.to)) continue;
        expect(seen.has(edge.to), edge.to).toBe(true);
        checked += 1;
      }
    }
    expect(checked).toBeGreaterThan(8);
  });

  it('fails with a typed error when a call is denied', async () => {
    aws.on(
      'ec2:DescribeVpcs',
      xml(
        '<Response><Errors><Error><Code>UnauthorizedOperation</Code><Message>no</Message></Error></Errors><RequestID>r</RequestID></Response>',
        403,
      ),
    );
    await expect(collect()).rejects.toMatchObject({ code: 'FORBIDDEN', details: { operation: 'ec2:DescribeVpcs' } });
  });
});
