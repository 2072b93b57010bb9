/**
 * Objects: the filesystem store beside `fs` doing the same work (MD5 etag, temp file, fsync,
 * rename; read back), and the S3 store beside the bare S3 client (PutObject, GetObject) against
 * s3rver started here, for 64 KiB objects; plus a 64 MiB streamed put on each.
 */
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, open, readFile, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Readable } from 'node:stream';
import { createFilesystemObjectStore } from '../../packages/core/src/index.js';
import { createS3ObjectStore } from '../../packages/core/src/storage/s3/index.js';
import { startLocalS3 } from '../../packages/core/test/support/s3rver.js';
import { compare, type Comparison } from '../lib/measure.js';

const body = randomBytes(64 * 1024);

async function streamedPutMBps(put: (stream: Readable) => Promise<unknown>): Promise<number> {
  const size = 64 * 1024 * 1024;
  const chunk = randomBytes(1024 * 1024);
  const started = performance.now();
  await put(Readable.from(Array.from({ length: size / chunk.byteLength }, () => chunk)));
  return size / 1024 / 1024 / ((performance.now() - started) / 1000);
}

export async function benchObjects(): Promise<{ comparisons: Comparison[]; notes: string[] }> {
  const comparisons: Comparison[] = [];
  const notes: string[] = [];
  const directory = await mkdtemp(join(tmpdir(), 'aurora-bench-objects-'));
  try {
    const store = createFilesystemObjectStore({ directory: join(directory, 'store') });
    const raw = join(directory, 'raw');
    await mkdir(join(raw, 'tmp'), { recursive: true });
    const rawPut = async (i: number): Promise<void> => {
      const temp = join(raw, 'tmp', `${randomUUID()}.tmp`);
      const handle = await open(temp, 'wx');
      // The same work: an MD5 etag and a metadata record beside the body.
      const etag = createHash('md5').update(body).digest('hex');
      await handle.write(Buffer.concat([body, Buffer.from(JSON.stringify({ key: `k${i % 100}`, etag }))]));
      await handle.sync();
      await handle.close();
      await rename(temp, join(raw, `k${i % 100}`));
    };
    comparisons.push(
      await compare('objects/filesystem', 'put 64 KiB', (i) => store.put(`k${i % 100}`, body), rawPut, {
        iterations: 300,
      }),
    );
    comparisons.push(
      await compare(
        'objects/filesystem',
        'get 64 KiB',
        (i) => store.get(`k${i % 100}`),
        async (i) => {
          // The same work: the body and its metadata record (the raw files hold both).
          const file = await readFile(join(raw, `k${i % 100}`));
          return [
            file.subarray(0, body.byteLength),
            JSON.parse(file.subarray(body.byteLength).toString('utf8')) as unknown,
          ];
        },
        { iterations: 1000 },
      ),
    );
    notes.push(
      `filesystem streamed put of 64 MiB: ${(await streamedPutMBps((s) => store.put('big', s))).toFixed(0)} MB/s`,
    );
  } finally {
    await rm(directory, { recursive: true, force: true });
  }

  const s3 = await startLocalS3();
  try {
    const bucket = await s3.createBucket();
    const client = new S3Client({
      endpoint: s3.endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: s3.credentials,
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
    const store = createS3ObjectStore({ bucket, client, prefix: 'adapter/' });
    comparisons.push(
      await compare(
        'objects/s3 (s3rver)',
        'put 64 KiB',
        (i) => store.put(`k${i % 100}`, body),
        (i) => client.send(new PutObjectCommand({ Bucket: bucket, Key: `raw/k${i % 100}`, Body: body })),
        { iterations: 200 },
      ),
      await compare(
        'objects/s3 (s3rver)',
        'get 64 KiB',
        (i) => store.get(`k${i % 100}`),
        async (i) => {
          const out = await client.send(new GetObjectCommand({ Bucket: bucket, Key: `raw/k${i % 100}` }));
          return out.Body?.transformToByteArray();
        },
        { iterations: 200 },
      ),
    );
    notes.push(
      `S3 streamed (multipart) put of 64 MiB to s3rver: ${(await streamedPutMBps((s) => store.put('big', s))).toFixed(0)} MB/s`,
    );
    client.destroy();
  } finally {
    await s3.stop();
  }
  return { comparisons, notes };
}
