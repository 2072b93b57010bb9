import { describe, expect, it } from 'vitest';
import { buildCallMeta } from './call-meta.js';

describe('_meta building', () => {
  it('sends only the org when that is all there is', () => {
    expect(buildCallMeta({ org: 'acme' }, undefined)).toEqual({ 'aurora/org': 'acme' });
    expect(buildCallMeta({ org: 'acme' }, {})).toEqual({ 'aurora/org': 'acme' });
  });

  it('sends identity and credential references with {org} filled', () => {
    expect(
      buildCallMeta(
        { org: 'acme', user: 'ada', session: 's', runId: 'r', toolCallId: 't', timeoutMs: 5 },
        { aws: 'vault://orgs/{org}/aws#{org}', gcp: 'env://GCP_KEY' },
      ),
    ).toEqual({
      'aurora/org': 'acme',
      'aurora/user': 'ada',
      'aurora/session': 's',
      'aurora/runId': 'r',
      'aurora/toolCallId': 't',
      'aurora/credentials': { aws: 'vault://orgs/acme/aws#acme', gcp: 'env://GCP_KEY' },
    });
  });
});
