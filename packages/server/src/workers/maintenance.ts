import type { ConfirmationService, Database, JobQueue, Logger } from '@aurora-ops/core';
import { z } from 'zod';

/** The periodic clean-up queue: expires unanswered confirmations and drops used-up one-time tokens. */
export const MAINTENANCE_QUEUE = 'maintenance';

export interface MaintenanceResult {
  readonly expiredConfirmations: number;
  readonly deletedTokens: number;
}

/** Defines the queue (with its handler) and its schedule, every minute, fired once across replicas. */
export async function defineMaintenance(options: {
  queue: JobQueue;
  database: Database;
  confirmations: ConfirmationService;
  logger?: Logger;
  everyMs?: number;
}): Promise<void> {
  const { queue, database, confirmations, logger } = options;
  queue.define(
    MAINTENANCE_QUEUE,
    { schema: z.object({}).passthrough(), attempts: 1 },
    async (): Promise<MaintenanceResult> => {
      const expiredConfirmations = await confirmations.expire();
      const { rowCount } = await database.query('delete from aurora_one_time_tokens where expires_at < now()');
      const result = { expiredConfirmations, deletedTokens: rowCount ?? 0 };
      if (result.expiredConfirmations > 0 || result.deletedTokens > 0)
        logger?.info('maintenance: cleaned up', { ...result });
      return result;
    },
  );
  await queue.schedule(MAINTENANCE_QUEUE, { name: 'clean-up', everyMs: options.everyMs ?? 60_000, payload: {} });
}
