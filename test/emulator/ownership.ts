/**
 * S3 Object Ownership (Put/Get/DeleteBucketOwnershipControls, and the
 * `x-amz-object-ownership` header of CreateBucket). Buckets created since
 * April 2023 start with BucketOwnerEnforced (ACLs disabled).
 */
import type { S3ErrorSpec } from './replication-config.js';
import { children, text, type XmlNode, type XmlValue } from './xml.js';

export const OBJECT_OWNERSHIP = ['BucketOwnerPreferred', 'ObjectWriter', 'BucketOwnerEnforced'] as const;
export type ObjectOwnership = (typeof OBJECT_OWNERSHIP)[number];

export const DEFAULT_OWNERSHIP: ObjectOwnership = 'BucketOwnerEnforced';

const MALFORMED: S3ErrorSpec = {
  status: 400,
  code: 'MalformedXML',
  message: 'The XML you provided was not well-formed or did not validate against our published schema',
};

const isOwnership = (v: string | undefined): v is ObjectOwnership => (OBJECT_OWNERSHIP as readonly string[]).includes(v ?? '');

/** The CreateBucket header's value, or an error for a value S3 does not know. */
export function ownershipFromHeader(value: string | undefined): { ok: true; value: ObjectOwnership } | { ok: false; error: S3ErrorSpec } {
  if (value === undefined) return { ok: true, value: DEFAULT_OWNERSHIP };
  if (isOwnership(value)) return { ok: true, value };
  // unconfirmed wording
  return { ok: false, error: { status: 400, code: 'InvalidArgument', message: 'Invalid x-amz-object-ownership header', extra: { ArgumentName: 'x-amz-object-ownership', ArgumentValue: value } } };
}

/** `<OwnershipControls><Rule><ObjectOwnership>…` with exactly one rule. */
export function parseOwnershipControls(root: string, value: XmlValue): { ok: true; value: ObjectOwnership } | { ok: false; error: S3ErrorSpec } {
  if (root !== 'OwnershipControls') return { ok: false, error: MALFORMED };
  const rules = children(value, 'Rule');
  if (rules.length !== 1) return { ok: false, error: MALFORMED };
  const v = text(rules[0], 'ObjectOwnership');
  if (!isOwnership(v)) return { ok: false, error: MALFORMED };
  return { ok: true, value: v };
}

export function ownershipControlsNodes(v: ObjectOwnership): XmlNode[] {
  return [['Rule', [['ObjectOwnership', v]]]];
}

export const ownershipNotFound = (bucket: string): S3ErrorSpec => ({
  status: 404,
  code: 'OwnershipControlsNotFoundError',
  message: 'The bucket ownership controls were not found',
  extra: { BucketName: bucket },
});
