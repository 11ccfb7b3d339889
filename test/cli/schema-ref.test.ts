import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SCHEMA_URL, schemaRef } from '../../src/cli/schema-ref.js';
import { VERSION } from '../../src/version.js';

const SCHEMA = 'schema/replication.schema.json';

describe('the $schema reference written into replication.yaml', () => {
  it('points into node_modules when s3repl is a dependency of the project the file is in', () => {
    const schema = path.join('/home/me/shop', 'node_modules/s3repl', SCHEMA);
    expect(schemaRef('/home/me/shop/replication.yaml', schema)).toBe(`./node_modules/s3repl/${SCHEMA}`);
    expect(schemaRef('/home/me/shop/infra/prod/replication.yaml', schema)).toBe(`../../node_modules/s3repl/${SCHEMA}`);
  });

  it('is the URL of this version\'s schema for a global install, npx\'s cache or a checkout', () => {
    expect(SCHEMA_URL).toBe(`https://unpkg.com/s3repl@${VERSION}/${SCHEMA}`);
    // A global prefix inside the home directory: never a ../.npm-global/... path.
    expect(schemaRef('/home/me/shop/replication.yaml', `/home/me/.npm-global/lib/node_modules/s3repl/${SCHEMA}`)).toBe(SCHEMA_URL);
    expect(schemaRef('/home/me/shop/replication.yaml', `/home/me/.npm/_npx/1a2b/node_modules/s3repl/${SCHEMA}`)).toBe(SCHEMA_URL);
    expect(schemaRef('/home/me/other/replication.yaml', `/home/me/shop/node_modules/s3repl/${SCHEMA}`)).toBe(SCHEMA_URL);
    expect(schemaRef('/home/me/shop/replication.yaml', `/home/me/src/s3repl/${SCHEMA}`)).toBe(SCHEMA_URL);
  });
});
