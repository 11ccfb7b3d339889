/**
 * Messages for endpoint mistakes: the scheme is required, and a wrong or dead
 * endpoint is named with the service and operation that met it, never as an
 * SDK parse error, and without hints meant for s3repl's own developers.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../config/cli-harness.js';

const dir = mkdtempSync(join(tmpdir(), 's3repl-messages-'));
const config = join(dir, 'replication.yaml');
writeFileSync(
  config,
  `version: 1
defaults: { region: us-east-1 }
buckets: { src-bucket: {}, dst-bucket: {} }
roles: { r: { name: repl } }
replications:
  - source: src-bucket
    role: r
    rules: [{ id: all, destination: { bucket: dst-bucket } }]
`,
);
const ENV = {
  AWS_ACCESS_KEY_ID: 'AKIDMESSAGESTEST',
  AWS_SECRET_ACCESS_KEY: 'messages-test',
  AWS_REGION: 'us-east-1',
  AWS_PROFILE: undefined,
  AWS_ENDPOINT_URL: undefined,
  AWS_CONFIG_FILE: '/nonexistent/s3repl-test-config',
  AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/s3repl-test-credentials',
  AWS_EC2_METADATA_DISABLED: 'true',
};
const plan = (...args: string[]) => runCli(['plan', '-c', config, '--no-color', '--max-attempts', '1', ...args], ENV);

/** A web server that answers every request with an HTML page, as a wrong port often does. */
let web: Server;
let webUrl: string;
/** A port where nothing listens. */
let deadUrl: string;
beforeAll(async () => {
  web = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end('<html><head><meta charset="utf-8"><title>Dashboard</title></head><body>Welcome</body></html>');
  });
  await new Promise<void>((r) => web.listen(0, '127.0.0.1', r));
  webUrl = `http://127.0.0.1:${(web.address() as AddressInfo).port}`;
  const dead = createServer();
  await new Promise<void>((r) => dead.listen(0, '127.0.0.1', r));
  deadUrl = `http://127.0.0.1:${(dead.address() as AddressInfo).port}`;
  await new Promise<void>((r) => dead.close(() => r()));
});
afterAll(async () => {
  await new Promise<void>((r) => web.close(() => r()));
});

describe('--endpoint-url', () => {
  it('requires a scheme, and says how to write it', async () => {
    const r = await plan('--endpoint-url', '127.0.0.1:4566');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('Error: --endpoint-url "127.0.0.1:4566" needs a scheme: http:// or https://');
    expect(r.stderr).toContain('hint: e.g. --endpoint-url http://127.0.0.1:4566');
  });

  it('localhost:4566 parses as a URL with scheme "localhost:": refused too', async () => {
    const r = await plan('--endpoint-url', 'localhost:4566');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('needs a scheme');
  });

  it('AWS_ENDPOINT_URL is checked the same way, by name', async () => {
    const r = await runCli(['plan', '-c', config, '--no-color'], { ...ENV, AWS_ENDPOINT_URL: 'localhost:4566' });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('AWS_ENDPOINT_URL "localhost:4566" needs a scheme');
    expect(r.stderr).toContain('AWS_ENDPOINT_URL=http://localhost:4566');
  });

  it('an endpoint that answers with a web page: service, operation and endpoint named; no XML parse error', async () => {
    const r = await plan('--endpoint-url', webUrl);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`Error: STS GetCallerIdentity (endpoint ${webUrl}) got a reply that is not an AWS API response`);
    expect(r.stderr).toContain('check --endpoint-url and AWS_ENDPOINT_URL');
    expect(r.stderr).not.toMatch(/XML parse|Deserialization|\$response/);
  });

  it('an endpoint where nothing listens: named, with a hint for users (not for s3repl developers)', async () => {
    const r = await plan('--endpoint-url', deadUrl);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`Error: cannot reach STS GetCallerIdentity (endpoint ${deadUrl})`);
    expect(r.stderr).toContain(`nothing answers at ${deadUrl}`);
    expect(r.stderr).not.toContain('npm run');
  });
});

describe('--region', () => {
  it('a region no SDK knows is named, with the closest real one, before any call (no DNS error)', async () => {
    const r = await plan('--region', 'us-eats-1', '--endpoint-url', deadUrl);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('Error: --region "us-eats-1" is not an AWS region this s3repl knows (did you mean "us-east-1"?)');
    expect(r.stderr).not.toContain('cannot reach');
  });

  it('AWS_REGION is checked the same way, by name', async () => {
    const r = await runCli(['plan', '-c', config, '--no-color', '--max-attempts', '1', '--endpoint-url', deadUrl], { ...ENV, AWS_REGION: 'eu-wst-1' });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('AWS_REGION "eu-wst-1" is not an AWS region this s3repl knows (did you mean "eu-west-1"?)');
  });

  it('defaults.allowUnknownRegions: true lets a region newer than this s3repl through', async () => {
    const lenient = join(dir, 'lenient.yaml');
    writeFileSync(lenient, `${readFileSync(config, 'utf8').replace('defaults: { region: us-east-1 }', 'defaults: { region: us-east-1, allowUnknownRegions: true }')}`);
    const r = await runCli(['plan', '-c', lenient, '--no-color', '--max-attempts', '1', '--region', 'xx-future-9', '--endpoint-url', deadUrl], ENV);
    expect(r.code).toBe(1);
    expect(r.stderr).not.toContain('not an AWS region');
    expect(r.stderr).toContain('cannot reach');
  });
});
