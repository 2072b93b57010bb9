/** Virtual machine tools and the subscription tools through the real Azure SDK clients against the local fake Azure server. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createAzurePlugin } from '../src/index.js';
import { runTool } from './support/call-tool.js';
import {
  accepted,
  armError,
  CLIENT_ID,
  CLIENT_SECRET,
  fixture,
  json,
  startFakeAzure,
  SUBSCRIPTION,
  TENANT,
  tokenFor,
  type FakeAzure,
} from './support/fake-azure.js';
import { testOptions } from './support/options.js';

let azure: FakeAzure;
beforeAll(async () => {
  azure = await startFakeAzure();
});
afterAll(() => azure.close());
beforeEach(() => azure.reset());

const plugin = (extra = {}) => createAzurePlugin(testOptions(azure, extra));
const ARM_TOKEN = `Bearer ${tokenFor('https://management.azure.com/.default')}`;
const VM = `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-prod/providers/Microsoft.Compute/virtualMachines/web-1`;
const target = { resourceGroup: 'rg-prod', name: 'web-1' };

describe('vm_list', () => {
  it('gets a token with the client-credentials grant, then pages through nextLink', async () => {
    azure.on('virtualMachines.listAll', json(fixture('vm-list-page1.json')), json(fixture('vm-list-page2.json')));
    const tools = plugin();
    const first = await runTool(tools, 'vm_list', {});
    expect(first).toMatchObject({
      virtualMachines: [
        {
          name: 'web-1',
          id: VM,
          resourceGroup: 'rg-prod',
          location: 'westeurope',
          vmSize: 'Standard_D2s_v5',
          osType: 'Linux',
          provisioningState: 'Succeeded',
          zones: ['1'],
          networkInterfaceIds: [
            `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-prod/providers/Microsoft.Network/networkInterfaces/web-1-nic`,
          ],
          tags: { env: 'prod', team: 'web' },
        },
      ],
      truncated: false,
    });
    expect(typeof first.nextToken).toBe('string');
    const second = await runTool(tools, 'vm_list', { nextToken: first.nextToken });
    expect(second).toEqual({
      virtualMachines: [expect.objectContaining({ name: 'batch-7', resourceGroup: 'RG-BATCH', osType: 'Windows' })],
      truncated: false,
    });
    // The real MSAL flow: OpenID configuration of the tenant, then the token endpoint.
    const [token] = azure.calls('token');
    expect(azure.calls('openid')[0]?.path).toBe(`/${TENANT}/v2.0/.well-known/openid-configuration`);
    expect(token?.path).toBe(`/${TENANT}/oauth2/v2.0/token`);
    expect(Object.fromEntries(token!.form)).toMatchObject({
      grant_type: 'client_credentials',
      client_id: CLIENT_ID,
      client_secret: CLIENT_SECRET,
      scope: 'https://management.azure.com/.default',
    });
    const [one, two] = azure.calls('virtualMachines.listAll');
    expect(one).toMatchObject({
      method: 'GET',
      path: `/subscriptions/${SUBSCRIPTION}/providers/Microsoft.Compute/virtualMachines`,
    });
    expect(one?.query.get('api-version')).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(one?.headers.authorization).toBe(ARM_TOKEN);
    expect(two?.query.get('$skiptoken')).toBe('page-2-token');
    expect(two?.headers.authorization).toBe(ARM_TOKEN);
    // No ARM request carries the client secret.
    expect(JSON.stringify(azure.armCalls().map((request) => [request.headers, request.body]))).not.toContain(
      CLIENT_SECRET,
    );
  });

  it('lists one resource group and cuts a page to maxResults, continuing inside the same Azure page', async () => {
    const page = JSON.parse(fixture('vm-list-page1.json')) as { value: Record<string, unknown>[]; nextLink?: string };
    const twoVms = JSON.stringify({
      value: [page.value[0], { ...page.value[0], name: 'web-2', id: VM.replace('web-1', 'web-2') }],
    });
    azure.on('virtualMachines.list', json(twoVms));
    const first = await runTool(plugin(), 'vm_list', { resourceGroup: 'rg-prod', maxResults: 1 });
    expect(first).toMatchObject({ virtualMachines: [{ name: 'web-1' }], truncated: true });
    const second = await runTool(plugin(), 'vm_list', {
      resourceGroup: 'rg-prod',
      maxResults: 1,
      nextToken: first.nextToken,
    });
    expect(second).toEqual({ virtualMachines: [expect.objectContaining({ name: 'web-2' })], truncated: false });
    expect(azure.calls('virtualMachines.list').map((request) => request.path)).toEqual([
      `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-prod/providers/Microsoft.Compute/virtualMachines`,
      `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-prod/providers/Microsoft.Compute/virtualMachines`,
    ]);
  });

  it('cuts a page to the output budget and continues with nextToken', async () => {
    const page = JSON.parse(fixture('vm-list-page1.json')) as { value: Record<string, unknown>[]; nextLink?: string };
    const twoVms = JSON.stringify({ ...page, value: [page.value[0], { ...page.value[0], name: 'web-2' }] });
    azure.on('virtualMachines.listAll', (request) =>
      json(request.query.get('$skiptoken') === 'page-2-token' ? fixture('vm-list-page2.json') : twoVms),
    );
    const small = plugin({ outputBudget: 200 });
    const first = await runTool(small, 'vm_list', {});
    expect(first).toMatchObject({ virtualMachines: [{ name: 'web-1' }], truncated: true });
    const second = await runTool(small, 'vm_list', { nextToken: first.nextToken });
    expect(second).toMatchObject({ virtualMachines: [{ name: 'web-2' }], truncated: false });
    const third = await runTool(small, 'vm_list', { nextToken: second.nextToken });
    expect(third).toMatchObject({ virtualMachines: [{ name: 'batch-7' }], truncated: false });
    expect(third.nextToken).toBeUndefined();
    expect(azure.calls('virtualMachines.listAll').map((request) => request.query.get('$skiptoken'))).toEqual([
      null,
      null,
      'page-2-token',
    ]);
  });

  it('refuses a nextToken it did not issue, or one pointing at another host, with INVALID_INPUT', async () => {
    await expect(runTool(plugin(), 'vm_list', { nextToken: 'garbage token' })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      details: { field: 'nextToken' },
    });
    const forged = `0.${Buffer.from('https://attacker.example/steal?x=1').toString('base64url')}`;
    await expect(runTool(plugin(), 'vm_list', { nextToken: forged })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
    });
    expect(azure.armCalls()).toHaveLength(0);
  });

  it('retries a 429 with Retry-After, then succeeds', async () => {
    const throttled = (seconds: string) => ({
      ...armError('SubscriptionRequestsThrottled', 429),
      headers: { 'content-type': 'application/json', 'retry-after': seconds },
    });
    azure.on('virtualMachines.listAll', throttled('0'), throttled('1'), json(fixture('vm-list-page2.json')));
    const started = Date.now();
    const result = await runTool(plugin(), 'vm_list', {});
    expect(result.virtualMachines).toHaveLength(1);
    expect(azure.calls('virtualMachines.listAll')).toHaveLength(3);
    // The pipeline waited the second answer's Retry-After (1 s) before the third request.
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  });

  it('a 429 that outlasts the retries is RATE_LIMITED with the Retry-After', async () => {
    azure.on('virtualMachines.listAll', {
      ...armError('SubscriptionRequestsThrottled', 429),
      headers: { 'content-type': 'application/json', 'retry-after': '0' },
    });
    const error = await runTool(plugin({ maxRetries: 1 }), 'vm_list', {}).catch((caught: unknown) => caught);
    expect(error).toMatchObject({
      code: 'RATE_LIMITED',
      details: { operation: 'virtualMachines.list', azureCode: 'SubscriptionRequestsThrottled', httpStatus: 429 },
    });
    expect(azure.calls('virtualMachines.listAll')).toHaveLength(2);
  });

  it('maps 403 AuthorizationFailed to FORBIDDEN naming the action, without quoting Azure', async () => {
    azure.on(
      'virtualMachines.get',
      armError(
        'AuthorizationFailed',
        403,
        `The client '${CLIENT_ID}' with object id '9f1c-secret-object' does not have authorization to perform action 'Microsoft.Compute/virtualMachines/read' over scope '/subscriptions/${SUBSCRIPTION}' or the scope is invalid.`,
      ),
    );
    const error = await runTool(plugin(), 'vm_get', { resourceGroup: 'rg-prod', name: 'web-1' }).catch(
      (caught: unknown) => caught,
    );
    expect(error).toMatchObject({
      code: 'FORBIDDEN',
      details: {
        operation: 'virtualMachines.get',
        azureCode: 'AuthorizationFailed',
        httpStatus: 403,
        action: 'Microsoft.Compute/virtualMachines/read',
        requestId: 'b5f7a1de-0000-4000-8000-000000000001',
      },
    });
    expect((error as Error).message).toContain('Microsoft.Compute/virtualMachines/read');
    expect(JSON.stringify(error)).not.toContain('9f1c-secret-object');
    expect((error as Error).message).not.toContain('9f1c-secret-object');
  });

  it('maps a 403 on a list page to FORBIDDEN too', async () => {
    azure.on('virtualMachines.listAll', armError('AuthorizationFailed', 403));
    await expect(runTool(plugin(), 'vm_list', {})).rejects.toMatchObject({
      code: 'FORBIDDEN',
      details: { operation: 'virtualMachines.list', azureCode: 'AuthorizationFailed', httpStatus: 403 },
    });
  });
});

describe('vm_get', () => {
  it('asks for the instance view and returns the power state', async () => {
    azure.on('virtualMachines.get', json(fixture('vm-get-instance-view.json')));
    const result = await runTool(plugin(), 'vm_get', { resourceGroup: 'rg-prod', name: 'web-1' });
    expect(result).toMatchObject({
      name: 'web-1',
      powerState: 'deallocated',
      computerName: 'web-1',
      osName: 'ubuntu',
      osVersion: '22.04',
      image: 'Canonical:0001-com-ubuntu-server-jammy:22_04-lts-gen2:latest',
      osDisk: 'web-1_OsDisk_1',
      dataDisks: ['web-1-data'],
      identityType: 'SystemAssigned',
      priority: 'Regular',
      statuses: [
        { code: 'ProvisioningState/succeeded', displayStatus: 'Provisioning succeeded' },
        { code: 'PowerState/deallocated', displayStatus: 'VM deallocated' },
      ],
    });
    const [request] = azure.calls('virtualMachines.get');
    expect(request?.path).toBe(VM);
    expect(request?.query.get('$expand')).toBe('instanceView');
    expect(request?.headers.authorization).toBe(ARM_TOKEN);
  });

  it('maps 404 ResourceNotFound to NOT_FOUND', async () => {
    azure.on('virtualMachines.get', armError('ResourceNotFound', 404));
    await expect(runTool(plugin(), 'vm_get', { resourceGroup: 'rg-prod', name: 'gone' })).rejects.toMatchObject({
      code: 'NOT_FOUND',
      details: { azureCode: 'ResourceNotFound', httpStatus: 404 },
    });
  });

  it('uses the subscription of the call over the default', async () => {
    azure.on('virtualMachines.get', json(fixture('vm-get-instance-view.json')));
    const other = '11111111-2222-4333-8444-555555555555';
    await runTool(plugin(), 'vm_get', { subscriptionId: other, resourceGroup: 'rg-prod', name: 'web-1' });
    expect(azure.calls('virtualMachines.get')[0]?.path).toContain(`/subscriptions/${other}/`);
  });
});

describe('VM long-running operations', () => {
  it.each([
    ['vm_start', 'virtualMachines.start', 'POST', '/start'],
    ['vm_deallocate', 'virtualMachines.deallocate', 'POST', '/deallocate'],
    ['vm_restart', 'virtualMachines.restart', 'POST', '/restart'],
    ['vm_delete', 'virtualMachines.delete', 'DELETE', ''],
  ])('%s sends %s and polls the operation until it succeeds', async (tool, operation, method, suffix) => {
    azure.on(operation, accepted('op-1'));
    azure.on('operations.get', json(fixture('operation-in-progress.json')), json(fixture('operation-succeeded.json')));
    const progress: string[] = [];
    const result = await runTool(
      plugin(),
      tool,
      { resourceGroup: 'rg-prod', name: 'web-1' },
      { progress: (_done, _total, message) => progress.push(message ?? '') },
    );
    expect(result).toEqual({ id: VM, action: tool.slice(3), status: 'succeeded', done: true });
    const [request] = azure.calls(operation);
    expect(request).toMatchObject({ method, path: `${VM}${suffix}` });
    expect(request?.headers.authorization).toBe(ARM_TOKEN);
    const polls = azure.calls('operations.get');
    expect(polls.length).toBeGreaterThanOrEqual(2);
    expect(polls[0]?.path).toBe(
      `/subscriptions/${SUBSCRIPTION}/providers/Microsoft.Compute/locations/westeurope/operations/op-1`,
    );
    expect(polls[0]?.headers.authorization).toBe(ARM_TOKEN);
    expect(progress.length).toBeGreaterThanOrEqual(1);
  });

  it('returns "running" when the operation outlasts waitSeconds (Azure keeps going)', async () => {
    azure.on('virtualMachines.deallocate', accepted('op-2'));
    azure.on('operations.get', json(fixture('operation-in-progress.json')));
    const result = await runTool(plugin(), 'vm_deallocate', {
      resourceGroup: 'rg-prod',
      name: 'web-1',
      waitSeconds: 1,
    });
    expect(result).toMatchObject({ status: 'running', done: false });
  });

  it('a cancelled call stops waiting with CANCELLED', async () => {
    azure.on('virtualMachines.start', accepted('op-5'));
    azure.on('operations.get', json(fixture('operation-in-progress.json')));
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 300);
    await expect(runTool(plugin(), 'vm_start', target, { signal: controller.signal })).rejects.toMatchObject({
      code: 'CANCELLED',
      details: { operation: 'virtualMachines.start' },
    });
    // A poll already on the wire when the call was cancelled may still land; none may follow
    // (polls are 10 ms apart here, so 100 ms of a poller left running would add about ten).
    await new Promise((resolve) => setTimeout(resolve, 50));
    const polls = azure.calls('operations.get').length;
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(azure.calls('operations.get')).toHaveLength(polls);
  });

  it('waitSeconds 0 returns once Azure accepted the request', async () => {
    azure.on('virtualMachines.restart', accepted('op-3'));
    const result = await runTool(plugin(), 'vm_restart', { resourceGroup: 'rg-prod', name: 'web-1', waitSeconds: 0 });
    expect(result).toMatchObject({ action: 'restart', status: 'running', done: false });
    expect(azure.calls('operations.get')).toHaveLength(0);
  });

  it('a failed operation (core quota) is a typed quota error', async () => {
    azure.on('virtualMachines.start', accepted('op-4'));
    azure.on('operations.get', json(fixture('operation-failed.json')));
    const error = await runTool(plugin(), 'vm_start', { resourceGroup: 'rg-prod', name: 'web-1' }).catch(
      (caught: unknown) => caught,
    );
    expect(error).toMatchObject({
      name: 'AzureQuotaExceededError',
      code: 'UPSTREAM_ERROR',
      retryable: false,
      details: { operation: 'virtualMachines.start', azureCode: 'OperationNotAllowed' },
    });
  });

  it('names the exact VM, resource group, subscription and effect in the approval summary', () => {
    const tools = plugin().tools;
    const remove = tools.find((tool) => tool.name === 'vm_delete')!;
    expect(remove.risk).toBe('destructive');
    const summary = remove.summary as (input: unknown) => string;
    expect(summary(remove.input.parse({ subscriptionId: SUBSCRIPTION, resourceGroup: 'rg-prod', name: 'web-1' }))).toBe(
      `Delete Azure VM web-1 in resource group rg-prod (subscription ${SUBSCRIPTION}): deletes the virtual machine permanently (irreversible; disks and network interfaces set to delete with it go too).`,
    );
    const deallocate = tools.find((tool) => tool.name === 'vm_deallocate')!;
    expect(deallocate.risk).toBe('write');
    expect(
      (deallocate.summary as (input: unknown) => string)(
        deallocate.input.parse({ resourceGroup: 'rg-a', name: 'vm-b' }),
      ),
    ).toBe(
      'Deallocate Azure VM vm-b in resource group rg-a (the default subscription): shuts it down and releases its compute (billing stops; a dynamic public IP is released).',
    );
    for (const name of ['vm_start', 'vm_restart']) expect(tools.find((tool) => tool.name === name)?.risk).toBe('write');
  });
});
