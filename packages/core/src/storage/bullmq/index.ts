/** `@aurora-ops/core/storage/bullmq`: the JobQueue on Redis through BullMQ (drivers: `bullmq`, `ioredis`). */
export { createBullmqJobQueue } from './bullmq-job-queue.js';
export type { BullmqJobQueueOptions } from './bullmq-job-queue.js';
