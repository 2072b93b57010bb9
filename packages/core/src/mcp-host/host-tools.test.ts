import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../errors/errors.js';
import { parseCallArguments, parseSearchArguments, scoreTool, searchResultText, searchTools } from './host-tools.js';
import type { HostTool } from './mcp-host.js';

function tool(name: string, description: string, title?: string): HostTool {
  return {
    name: `p__${name}`,
    plugin: 'p',
    toolName: name,
    ...(title === undefined ? {} : { title }),
    description,
    inputSchema: { type: 'object', properties: { id: { type: 'string' } } },
    annotations: {},
    risk: 'read',
  };
}

const tools = [
  tool('list_buckets', 'Lists the S3 buckets of the account.'),
  tool('get_object', 'Reads an object from a bucket.', 'Get object'),
  tool('describe_instances', 'Describes EC2 instances.'),
  tool('delete_bucket', 'Deletes an empty bucket.'),
];

describe('search_tools ranking', () => {
  it('ranks name matches above description matches', () => {
    const found = searchTools(tools, 'bucket');
    expect(found.map((t) => t.toolName)).toEqual(['delete_bucket', 'list_buckets', 'get_object']);
  });

  it('scores every query word and ignores non-matching tools', () => {
    expect(searchTools(tools, 'EC2 instances').map((t) => t.toolName)).toEqual(['describe_instances']);
    expect(searchTools(tools, 'kubernetes')).toEqual([]);
    expect(scoreTool(tools[1] as HostTool, 'get object')).toBeGreaterThan(scoreTool(tools[1] as HostTool, 'object'));
  });

  it('splits camelCase and honours the limit', () => {
    expect(searchTools([tool('getObject', 'x')], 'object')).toHaveLength(1);
    expect(searchTools(tools, 'bucket', 1)).toHaveLength(1);
  });

  it('returns names, descriptions, risk and input schemas as JSON', () => {
    const parsed = JSON.parse(searchResultText(searchTools(tools, 'object'))) as { tools: Record<string, unknown>[] };
    expect(parsed.tools[0]).toEqual({
      name: 'p__get_object',
      title: 'Get object',
      description: 'Reads an object from a bucket.',
      risk: 'read',
      inputSchema: { type: 'object', properties: { id: { type: 'string' } } },
    });
  });

  it('validates its arguments', () => {
    expect(parseSearchArguments({ query: 'x' })).toEqual({ query: 'x', limit: 10 });
    expect(parseSearchArguments({ query: 'x', limit: 500 }).limit).toBe(50);
    expect(() => parseSearchArguments({})).toThrow(InvalidInputError);
    expect(() => parseSearchArguments({ query: 'x', limit: 0 })).toThrow(InvalidInputError);
    expect(parseCallArguments({ name: 'p__x' })).toEqual({ name: 'p__x', arguments: {} });
    expect(() => parseCallArguments({ name: 3 })).toThrow(InvalidInputError);
    expect(() => parseCallArguments({ name: 'p__x', arguments: [1] })).toThrow(InvalidInputError);
  });
});
