/** Plans explain updates whose attribute changes alone do not say why (a V1 configuration upgraded to V2). */
import { describe, expect, it } from 'vitest';
import { replication, fromAws } from '../../src/resources/replication/index.js';
import type { Attrs } from '../../src/resources/types.js';

const v1 = fromAws({ Role: 'arn:aws:iam::111122223333:role/r', Rules: [{ ID: 'a', Prefix: 'logs/', Status: 'Enabled', Destination: { Bucket: 'arn:aws:s3:::dst' } }] }) as unknown as Attrs;
const v2 = { ...v1, format: 'V2' } as Attrs;

describe('replication.explain', () => {
  it('explains V1 → V2 with what stays the same (objects, delete markers)', () => {
    const reasons = replication.explain!(v1, v2, { bucket: 'src', region: 'us-east-1' });
    expect(reasons).toHaveLength(1);
    expect(reasons[0]).toMatch(/^format V1 → V2: the live configuration uses the legacy V1 schema \(rule-level Prefix\)/);
    expect(reasons[0]).toMatch(/replicates the same objects/);
    expect(reasons[0]).toMatch(/delete markers/);
  });

  it('says nothing for a V2 configuration', () => {
    expect(replication.explain!(v2, v2, { bucket: 'src', region: 'us-east-1' })).toEqual([]);
  });
});
