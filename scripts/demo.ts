/**
 * `npm run demo`: the whole s3repl flow against the local AWS emulator, no AWS
 * account needed. Starts the emulator on a free port, then runs the real CLI on
 * a copy of the root replication.yaml: validate, plan (saved), apply that plan,
 * writes an order and shows it replicated to the DR region, changes the
 * replication by hand as someone in the console would, shows `drift` catching
 * it and `apply` putting it back, then stops the emulator and removes its
 * working folder.
 */
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  GetBucketReplicationCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutBucketReplicationCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { startEmulator } from '../test/emulator/server.js';
import { main } from '../src/cli/app.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const work = mkdtempSync(path.join(tmpdir(), 's3repl-demo-'));
const config = path.join(work, 'replication.yaml');
const planFile = path.join(work, 'plan.json');
copyFileSync(path.join(root, 'replication.yaml'), config);

const emu = await startEmulator({ replicationDelayMs: 200 });
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
Object.assign(process.env, {
  AWS_ACCESS_KEY_ID: '111111111111',
  AWS_SECRET_ACCESS_KEY: 'demo',
  AWS_REGION: 'us-east-1',
  AWS_ENDPOINT_URL: emu.url,
  AWS_CONFIG_FILE: path.join(work, 'no-aws-config'),
  AWS_SHARED_CREDENTIALS_FILE: path.join(work, 'no-aws-credentials'),
  AWS_EC2_METADATA_DISABLED: 'true',
});

const step = (title: string) => console.log(`\n\x1b[1m━━ ${title}\x1b[0m`);
async function s3repl(...args: string[]): Promise<number> {
  console.log(`\x1b[2m$ s3repl ${args.join(' ')}\x1b[0m`);
  return main([...args, '-c', config]);
}
function expectCode(got: number, want: number, what: string): void {
  if (got !== want) throw new Error(`${what} exited ${got}, expected ${want}`);
}

let failed = false;
try {
  console.log(`AWS emulator at ${emu.url}; working in ${work}`);

  step('1. validate the configuration');
  expectCode(await s3repl('validate'), 0, 'validate');

  step('2. plan against an empty account, saved for review');
  expectCode(await s3repl('plan', '--out', planFile, '--detailed-exitcode'), 2, 'plan');

  step('3. apply exactly the reviewed plan');
  expectCode(await s3repl('apply', planFile), 0, 'apply');

  step('4. write an order and watch it replicate to us-west-2');
  const east = new S3Client({ region: 'us-east-1', endpoint: emu.url, forcePathStyle: true });
  const west = new S3Client({ region: 'us-west-2', endpoint: emu.url, forcePathStyle: true });
  const put = await east.send(
    new PutObjectCommand({ Bucket: 'acme-shop-orders', Key: 'orders/2026/11/22/order-1001.json', Body: '{"order":1001,"total":42.5}' }),
  );
  console.log(`PUT s3://acme-shop-orders/orders/2026/11/22/order-1001.json (version ${put.VersionId})`);
  let status = 'PENDING';
  for (let i = 0; i < 50 && status === 'PENDING'; i++) {
    const head = await east.send(new HeadObjectCommand({ Bucket: 'acme-shop-orders', Key: 'orders/2026/11/22/order-1001.json' }));
    status = head.ReplicationStatus ?? 'none';
    console.log(`  source replication status: ${status}`);
    if (status === 'PENDING') await new Promise((r) => setTimeout(r, 100));
  }
  if (status !== 'COMPLETED') throw new Error(`replication did not complete (status ${status})`);
  const replica = await west.send(new GetObjectCommand({ Bucket: 'acme-shop-orders-dr', Key: 'orders/2026/11/22/order-1001.json' }));
  console.log(
    `GET s3://acme-shop-orders-dr/orders/2026/11/22/order-1001.json → ${await replica.Body!.transformToString()} ` +
      `(status ${replica.ReplicationStatus}, storage class ${replica.StorageClass}, version ${replica.VersionId})`,
  );

  step('5. someone turns off delete-marker replication in the console');
  const live = await east.send(new GetBucketReplicationCommand({ Bucket: 'acme-shop-orders' }));
  const byHand = live.ReplicationConfiguration!;
  for (const rule of byHand.Rules ?? []) rule.DeleteMarkerReplication = { Status: 'Disabled' };
  await east.send(new PutBucketReplicationCommand({ Bucket: 'acme-shop-orders', ReplicationConfiguration: byHand }));
  console.log('PutBucketReplication on acme-shop-orders: DeleteMarkerReplication Disabled');

  step('6. drift: the scheduled check catches it (exit 2)');
  expectCode(await s3repl('drift'), 2, 'drift');

  step('7. apply puts it back');
  expectCode(await s3repl('apply', '--auto-approve'), 0, 'apply');

  step('8. drift again: nothing changed outside s3repl');
  expectCode(await s3repl('drift'), 0, 'second drift');

  console.log('\n\x1b[32mDemo complete: configuration applied, replicating, drift caught and repaired.\x1b[0m');
} catch (e) {
  failed = true;
  console.error(`\n\x1b[31mDemo failed: ${(e as Error).message}\x1b[0m`);
} finally {
  await emu.stop();
  rmSync(work, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
