import { defineTool, type AnyToolDefinition, type ToolContext } from '@aurora-ops/core/plugin-sdk';
import { ComputeManagementClient, type VirtualMachine } from '@azure/arm-compute';
import { z } from 'zod';
import { requireSubscription, type ToolEnvironment } from '../azure-options.js';
import { AZURE_CREDENTIAL_SLOT } from '../credentials.js';
import { azureCall } from '../errors.js';
import { awaitOperation, operationOutput, waitSecondsField, type OperationPoller } from '../operation.js';
import {
  compact,
  fetchPage,
  firstPage,
  iso,
  pageOutput,
  parseResourceId,
  resourceGroupName,
  resourceName,
  subscriptionField,
  tagRecord,
  scopedListInput,
} from '../pagination.js';

const VM_NAME = resourceName('a virtual machine');

const vmSummary = z.object({
  name: z.string(),
  id: z.string(),
  resourceGroup: z.string().optional(),
  location: z.string(),
  vmSize: z.string().optional(),
  osType: z.string().optional(),
  provisioningState: z.string().optional(),
  vmId: z.string().optional(),
  zones: z.array(z.string()),
  networkInterfaceIds: z.array(z.string()),
  tags: z.record(z.string(), z.string()),
});

function summarize(vm: VirtualMachine) {
  return compact({
    name: vm.name ?? '',
    id: vm.id ?? '',
    resourceGroup: parseResourceId(vm.id).resourceGroup,
    location: vm.location,
    vmSize: vm.hardwareProfile?.vmSize,
    osType: vm.storageProfile?.osDisk?.osType,
    provisioningState: vm.provisioningState,
    vmId: vm.vmId,
    zones: vm.zones ?? [],
    networkInterfaceIds: (vm.networkProfile?.networkInterfaces ?? [])
      .map((nic) => nic.id)
      .filter((id): id is string => id !== undefined),
    tags: tagRecord(vm.tags),
  });
}

/** `PowerState/running` → `running`. */
function powerState(vm: VirtualMachine): string | undefined {
  const code = vm.instanceView?.statuses?.find((status) => status.code?.startsWith('PowerState/'))?.code;
  return code?.slice('PowerState/'.length);
}

const target = {
  subscriptionId: subscriptionField,
  resourceGroup: resourceGroupName,
  name: VM_NAME,
};

function where(input: { resourceGroup: string; subscriptionId?: string | undefined }): string {
  return `in resource group ${input.resourceGroup} (${input.subscriptionId === undefined ? 'the default subscription' : `subscription ${input.subscriptionId}`})`;
}

/** Virtual machines: list, get with instance view, start, deallocate, restart and delete. */
export function vmTools(environment: ToolEnvironment): AnyToolDefinition[] {
  const client = async (context: ToolContext, subscriptionId: string | undefined) => {
    const call = await environment.call(context, subscriptionId);
    return new ComputeManagementClient(call.credential, requireSubscription(call), call.modular);
  };

  const list = defineTool({
    name: 'vm_list',
    title: 'List Azure virtual machines',
    description:
      'Virtual machines of a subscription, or of one resource group, with size, OS, provisioning state, network interfaces and tags (no power state: use vm_get). Paginated.',
    input: z.object(scopedListInput),
    output: z.object({ virtualMachines: z.array(vmSummary), ...pageOutput }),
    risk: 'read',
    credentials: [AZURE_CREDENTIAL_SLOT],
    handler: async (input, context) => {
      const compute = await client(context, input.subscriptionId);
      const options = { abortSignal: context.signal };
      const page = await fetchPage(
        { ...input, budget: environment.budget, origin: environment.origin },
        async (link) => {
          const result = await azureCall('virtualMachines.list', () =>
            firstPage(
              input.resourceGroup === undefined
                ? compute.virtualMachines.listAll(options)
                : compute.virtualMachines.list(input.resourceGroup, options),
              link,
            ),
          );
          return { items: result.items.map(summarize), next: result.next };
        },
      );
      return { virtualMachines: page.items, ...compact({ nextToken: page.nextToken }), truncated: page.truncated };
    },
  });

  const get = defineTool({
    name: 'vm_get',
    title: 'Get an Azure virtual machine',
    description:
      'One virtual machine with its instance view: power state (running, deallocated, …), statuses, OS, image, disks, network interfaces and tags.',
    input: z.object(target),
    output: vmSummary.extend({
      powerState: z.string().optional(),
      statuses: z.array(
        z.object({ code: z.string(), displayStatus: z.string().optional(), time: z.string().optional() }),
      ),
      computerName: z.string().optional(),
      osName: z.string().optional(),
      osVersion: z.string().optional(),
      image: z.string().optional(),
      osDisk: z.string().optional(),
      dataDisks: z.array(z.string()),
      priority: z.string().optional(),
      availabilitySetId: z.string().optional(),
      identityType: z.string().optional(),
      timeCreated: z.string().optional(),
    }),
    risk: 'read',
    credentials: [AZURE_CREDENTIAL_SLOT],
    handler: async (input, context) => {
      const compute = await client(context, input.subscriptionId);
      const vm = await azureCall('virtualMachines.get', () =>
        compute.virtualMachines.get(input.resourceGroup, input.name, {
          expand: 'instanceView',
          abortSignal: context.signal,
        }),
      );
      const image = vm.storageProfile?.imageReference;
      return {
        ...summarize(vm),
        ...compact({
          powerState: powerState(vm),
          computerName: vm.instanceView?.computerName ?? vm.osProfile?.computerName,
          osName: vm.instanceView?.osName,
          osVersion: vm.instanceView?.osVersion,
          image:
            image === undefined
              ? undefined
              : (image.id ??
                ([image.publisher, image.offer, image.sku, image.version].filter(Boolean).join(':') || undefined)),
          osDisk: vm.storageProfile?.osDisk?.name,
          priority: vm.priority,
          availabilitySetId: vm.availabilitySet?.id,
          identityType: vm.identity?.type,
          timeCreated: iso(vm.timeCreated),
        }),
        statuses: (vm.instanceView?.statuses ?? []).map((status) =>
          compact({ code: status.code ?? '', displayStatus: status.displayStatus, time: iso(status.time) }),
        ),
        dataDisks: (vm.storageProfile?.dataDisks ?? []).map((disk) => disk.name ?? `lun ${disk.lun}`),
      };
    },
  });

  type Start = (compute: ComputeManagementClient, group: string, name: string, signal: AbortSignal) => OperationPoller;
  const change = (
    name: string,
    title: string,
    action: string,
    risk: 'write' | 'destructive',
    effect: string,
    start: Start,
  ) =>
    defineTool({
      name,
      title,
      description: `${title}: ${effect} Waits up to waitSeconds for Azure to finish (progress notifications), then returns the operation status.`,
      input: z.object({ ...target, waitSeconds: waitSecondsField }),
      output: operationOutput,
      risk,
      credentials: [AZURE_CREDENTIAL_SLOT],
      summary: (input) => `${action} Azure VM ${input.name} ${where(input)}: ${effect}`,
      handler: async (input, context) => {
        const call = await environment.call(context, input.subscriptionId);
        const subscriptionId = requireSubscription(call);
        const compute = new ComputeManagementClient(call.credential, subscriptionId, call.modular);
        const operation = `virtualMachines.${action.toLowerCase()}`;
        const result = await azureCall(operation, () =>
          awaitOperation(
            start(compute, input.resourceGroup, input.name, context.signal),
            input.waitSeconds,
            context,
            `${action} ${input.name}`,
          ),
        );
        return {
          id: `/subscriptions/${subscriptionId}/resourceGroups/${input.resourceGroup}/providers/Microsoft.Compute/virtualMachines/${input.name}`,
          action: action.toLowerCase(),
          ...result,
        };
      },
    });
  const interval = environment.pollIntervalMs;

  const start = change(
    'vm_start',
    'Start an Azure VM',
    'Start',
    'write',
    'powers it on (compute billing resumes).',
    (compute, group, name, abortSignal) =>
      compute.virtualMachines.start(group, name, { abortSignal, updateIntervalInMs: interval }),
  );
  const deallocate = change(
    'vm_deallocate',
    'Deallocate an Azure VM',
    'Deallocate',
    'write',
    'shuts it down and releases its compute (billing stops; a dynamic public IP is released).',
    (compute, group, name, abortSignal) =>
      compute.virtualMachines.deallocate(group, name, { abortSignal, updateIntervalInMs: interval }),
  );
  const restart = change(
    'vm_restart',
    'Restart an Azure VM',
    'Restart',
    'write',
    'reboots its operating system (brief downtime).',
    (compute, group, name, abortSignal) =>
      compute.virtualMachines.restart(group, name, { abortSignal, updateIntervalInMs: interval }),
  );
  const remove = change(
    'vm_delete',
    'Delete an Azure VM',
    'Delete',
    'destructive',
    'deletes the virtual machine permanently (irreversible; disks and network interfaces set to delete with it go too).',
    (compute, group, name, abortSignal) =>
      compute.virtualMachines.delete(group, name, { abortSignal, updateIntervalInMs: interval }),
  );

  return [list, get, start, deallocate, restart, remove] as AnyToolDefinition[];
}
