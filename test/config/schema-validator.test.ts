import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { GENERATED_PATH, SCHEMA_PATH, makeAjv, validatorModule } from '../../scripts/compile-schema.js';
import { validate as generated } from '../../src/config/schema-validator.generated.js';
import { BASE } from './helpers.js';

/** The validator s3repl ships is compiled at build time; these check it is the schema's, compiled as at run time. */
describe('the validator compiled at build time', () => {
  it('is the one the current schema compiles to (run npm run build after editing the schema)', () => {
    expect(readFileSync(GENERATED_PATH, 'utf8')).toBe(validatorModule(readFileSync(SCHEMA_PATH, 'utf8')));
  });

  it('reports exactly what ajv compiling the schema at run time reports', () => {
    const runtime = makeAjv().compile(JSON.parse(readFileSync(SCHEMA_PATH, 'utf8')) as object);
    const documents = [
      BASE,
      BASE.replace('        destination:\n', '        destinaton:\n'),
      BASE.replace('version: 1', 'version: 2'),
      BASE.replace('  r: { name: repl }', '  r: { name: repl, arn: "arn:aws:iam::123456789012:role/x" }'),
      BASE.replace('dst-bucket: { region: us-west-2 }', 'dst-bucket: { region: 7 }'),
      `${BASE}        storageClass: CHEAP\n`,
      'version: 1\nbuckets: []\nreplications: {}\n',
      'version: 1\nstate: { backend: s3, path: x }\n',
    ];
    for (const text of documents) {
      const value: unknown = parse(text);
      const ok = generated(value) as boolean;
      const generatedErrors = (generated as unknown as { errors?: unknown }).errors ?? null;
      expect(ok).toBe(runtime(value));
      expect(generatedErrors).toEqual(runtime.errors ?? null);
    }
    expect(documents.filter((text) => !runtime(parse(text))).length).toBe(documents.length - 1);
  });
});
