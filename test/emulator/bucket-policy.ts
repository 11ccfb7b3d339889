/**
 * Bucket policies: what PutBucketPolicy accepts (S3's MalformedPolicy checks)
 * and how a stored policy is evaluated for a principal, an action and a
 * resource (used by the replication engine for cross-account destinations).
 *
 * Sources (see docs/aws-behaviour.md): a Principal naming an IAM role or user
 * that does not exist is "Invalid principal in policy"; a Resource outside the
 * bucket is "Policy has invalid resource"; with BlockPublicPolicy on, a public
 * policy is refused with AccessDenied. Messages marked "unconfirmed" have no
 * AWS page behind their exact wording.
 */
import type { S3ErrorSpec } from './replication-config.js';
import { strings, wildcard } from './policy-match.js';

/** S3's documented size limit for a bucket policy. */
export const BUCKET_POLICY_MAX_BYTES = 20 * 1024;

const malformed = (message: string): S3ErrorSpec => ({ status: 400, code: 'MalformedPolicy', message });

const TOP_LEVEL = new Set(['Version', 'Id', 'Statement']);
const STATEMENT_KEYS = new Set(['Sid', 'Effect', 'Principal', 'NotPrincipal', 'Action', 'NotAction', 'Resource', 'NotResource', 'Condition']);

export interface PolicyStatement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Principal?: unknown;
  NotPrincipal?: unknown;
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: string | string[];
  NotResource?: string | string[];
  Condition?: Record<string, Record<string, unknown>>;
}

export interface PolicyDocument {
  Version?: string;
  Id?: string;
  Statement: PolicyStatement[];
}

const isStrOrList = (v: unknown) => typeof v === 'string' || (Array.isArray(v) && v.every((x) => typeof x === 'string'));

/**
 * Checks a bucket policy as PutBucketPolicy does. `principalExists` answers
 * whether an IAM role/user ARN names something that exists (S3 resolves
 * principals when the policy is saved).
 */
export function validateBucketPolicy(
  text: string,
  bucket: string,
  principalExists: (arn: string) => boolean,
): { ok: true; doc: PolicyDocument } | { ok: false; error: S3ErrorSpec } {
  const fail = (message: string) => ({ ok: false as const, error: malformed(message) });
  if (Buffer.byteLength(text, 'utf8') > BUCKET_POLICY_MAX_BYTES) {
    // unconfirmed wording; the 20 KB limit itself is documented.
    return { ok: false, error: { status: 400, code: 'PolicyTooLarge', message: 'Policy exceeds the maximum allowed document size.' } };
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return fail("Policies must be valid JSON and the first byte must be '{'");
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw) || !text.trimStart().startsWith('{')) {
    return fail("Policies must be valid JSON and the first byte must be '{'");
  }
  const doc = raw as Record<string, unknown>;
  for (const k of Object.keys(doc)) if (!TOP_LEVEL.has(k)) return fail(`Unknown field ${k}`); // unconfirmed wording
  if (doc.Version !== undefined && doc.Version !== '2012-10-17' && doc.Version !== '2008-10-17') return fail('Invalid policy version'); // unconfirmed wording
  const st = doc.Statement;
  if (st === undefined) return fail('Missing required field Statement'); // unconfirmed wording
  const statements = Array.isArray(st) ? st : [st];
  if (statements.length === 0) return fail('Could not parse the policy: Statement is empty!'); // unconfirmed wording
  const sids = new Set<string>();
  const bucketArn = `arn:aws:s3:::${bucket}`;
  for (const s of statements) {
    if (typeof s !== 'object' || s === null || Array.isArray(s)) return fail('Statement is not an object'); // unconfirmed wording
    const stmt = s as Record<string, unknown>;
    for (const k of Object.keys(stmt)) if (!STATEMENT_KEYS.has(k)) return fail(`Unknown field ${k}`); // unconfirmed wording
    if (stmt.Sid !== undefined) {
      if (typeof stmt.Sid !== 'string') return fail('Invalid Sid'); // unconfirmed wording
      if (stmt.Sid !== '' && sids.has(stmt.Sid)) return fail('Statement IDs (SID) must be unique'); // unconfirmed wording
      sids.add(stmt.Sid);
    }
    if (stmt.Effect !== 'Allow' && stmt.Effect !== 'Deny') return fail('Invalid effect'); // unconfirmed wording
    if (stmt.Principal === undefined && stmt.NotPrincipal === undefined) return fail('Missing required field Principal'); // unconfirmed wording
    const actions = stmt.Action ?? stmt.NotAction;
    if (actions === undefined || !isStrOrList(actions) || strings(actions).length === 0) return fail('Missing required field Action'); // unconfirmed wording
    for (const a of strings(actions)) {
      if (a !== '*' && !/^s3:[A-Za-z*?]+$/i.test(a)) return fail('Policy has invalid action');
    }
    const resources = stmt.Resource ?? stmt.NotResource;
    if (resources === undefined || !isStrOrList(resources) || strings(resources).length === 0) return fail('Missing required field Resource'); // unconfirmed wording
    for (const r of strings(resources)) {
      // A bucket policy may only name its own bucket and the objects in it.
      if (r !== bucketArn && !r.startsWith(`${bucketArn}/`)) return fail('Policy has invalid resource');
    }
    if (stmt.Condition !== undefined && (typeof stmt.Condition !== 'object' || stmt.Condition === null || Array.isArray(stmt.Condition))) {
      return fail('Invalid Condition'); // unconfirmed wording
    }
    const principal = stmt.Principal ?? stmt.NotPrincipal;
    if (!validPrincipal(principal, principalExists)) return fail('Invalid principal in policy');
  }
  return { ok: true, doc: { ...(doc as object), Statement: statements as PolicyStatement[] } as PolicyDocument };
}

const ACCOUNT_ID = /^\d{12}$/;
const ACCOUNT_ROOT = /^arn:aws:iam::\d{12}:root$/;
const IAM_ENTITY = /^arn:aws:iam::\d{12}:(role|user)\/[\w+=,.@/-]+$/;

function validPrincipal(principal: unknown, exists: (arn: string) => boolean): boolean {
  if (principal === '*') return true;
  if (typeof principal !== 'object' || principal === null || Array.isArray(principal)) return false;
  for (const [type, value] of Object.entries(principal as Record<string, unknown>)) {
    if (!isStrOrList(value)) return false;
    for (const p of strings(value)) {
      if (type === 'AWS') {
        if (p === '*' || ACCOUNT_ID.test(p) || ACCOUNT_ROOT.test(p)) continue;
        if (!IAM_ENTITY.test(p) || !exists(p)) return false;
      } else if (type === 'Service') {
        if (!/^[a-z0-9.-]+\.amazonaws\.com$/.test(p)) return false;
      } else if (type === 'CanonicalUser') {
        if (!/^[0-9a-f]{64}$/.test(p)) return false;
      } else {
        return false;
      }
    }
  }
  return true;
}

/** Public in S3's sense (simplified): an Allow to everyone without any Condition. */
export function isPublicPolicy(doc: PolicyDocument): boolean {
  return doc.Statement.some((s) => {
    if (s.Effect !== 'Allow' || s.Condition !== undefined) return false;
    if (s.Principal === '*') return true;
    const p = s.Principal as Record<string, unknown> | undefined;
    return p !== undefined && strings(p.AWS).includes('*');
  });
}

// --------------------------------------------------------------- evaluation

/** Who is asking: an IAM principal ARN (a role for replication) and its account. */
export interface Caller {
  arn: string;
  accountId: string;
}

function principalMatches(principal: unknown, caller: Caller): boolean {
  if (principal === '*') return true;
  if (typeof principal !== 'object' || principal === null) return false;
  return strings((principal as Record<string, unknown>).AWS).some(
    (p) => p === '*' || p === caller.accountId || p === `arn:aws:iam::${caller.accountId}:root` || p === caller.arn,
  );
}

/**
 * The bucket policy's verdict for one request: 'allow', 'deny' (an explicit
 * Deny matched) or 'none'. Statements with a Condition are not evaluated
 * (they neither allow nor deny here), which errs towards refusing.
 */
export function bucketPolicyDecision(doc: PolicyDocument | undefined, caller: Caller, action: string, resource: string): 'allow' | 'deny' | 'none' {
  if (!doc) return 'none';
  let allowed = false;
  for (const s of doc.Statement) {
    if (s.Condition !== undefined) continue;
    const who = s.Principal !== undefined ? principalMatches(s.Principal, caller) : !principalMatches(s.NotPrincipal, caller);
    if (!who) continue;
    const act = s.Action !== undefined ? strings(s.Action).some((a) => wildcard(a, action, true)) : !strings(s.NotAction).some((a) => wildcard(a, action, true));
    if (!act) continue;
    const res = s.Resource !== undefined ? strings(s.Resource).some((r) => wildcard(r, resource, false)) : !strings(s.NotResource).some((r) => wildcard(r, resource, false));
    if (!res) continue;
    if (s.Effect === 'Deny') return 'deny';
    allowed = true;
  }
  return allowed ? 'allow' : 'none';
}
