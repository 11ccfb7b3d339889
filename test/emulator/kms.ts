/**
 * KMS emulator (JSON 1.1, `X-Amz-Target: TrentService.<Operation>`): keys per
 * account and region with their key policies — CreateKey, DescribeKey,
 * GetKeyPolicy, PutKeyPolicy. Key policies are what the replication engine
 * checks when it replicates SSE-KMS objects: a replica key in another account
 * must allow the replication role.
 *
 * The caller may read or change a key policy only when the policy allows it
 * (its account root, its ARN, or `*`), as KMS does; PutKeyPolicy refuses a
 * policy that would lock the caller out (the lockout safety check) and one
 * naming a principal that does not exist.
 */
import { randomUUID } from 'node:crypto';
import { AwsError, newRequestId } from './query-protocol.js';
import type { Clock, EmuRequest, EmuResponse, IamService, ServiceModule } from './types.js';
import { statementList, strings, wildcard } from './policy-match.js';

const TARGET_PREFIX = 'TrentService.';
const CONTENT_TYPE = 'application/x-amz-json-1.1';
/** KMS's key policy size limit. */
const MAX_POLICY_BYTES = 32 * 1024;

export interface Key {
  keyId: string;
  arn: string;
  accountId: string;
  region: string;
  description: string;
  policy: string;
  creationDate: number;
  enabled: boolean;
}

export interface KmsService extends ServiceModule {
  /** The key a key ARN names (any account), for S3's SSE-KMS checks. */
  keyByArn(arn: string): Key | undefined;
  /** Whether the key's policy allows the principal (role ARN in its account) the action. */
  keyPolicyAllows(key: Key, principal: { arn: string; accountId: string }, action: string): boolean;
}

/** Allow matches and no Deny does; statements with a Condition are skipped (never grant). */
export function policyAllows(text: string, principal: { arn: string; accountId: string; roleArn?: string }, action: string): boolean {
  let doc: { Statement?: unknown };
  try {
    doc = JSON.parse(text) as { Statement?: unknown };
  } catch {
    return false;
  }
  const statements = statementList(doc);
  let allowed = false;
  for (const s of statements) {
    if (s.Condition !== undefined) continue;
    const p = s.Principal;
    const who =
      p === '*' ||
      (typeof p === 'object' &&
        p !== null &&
        strings((p as Record<string, unknown>).AWS).some(
          (x) => x === '*' || x === principal.accountId || x === `arn:aws:iam::${principal.accountId}:root` || x === principal.arn || x === principal.roleArn,
        ));
    if (!who) continue;
    if (!strings(s.Action).some((a) => wildcard(a, action, true))) continue;
    if (s.Effect === 'Deny') return false;
    if (s.Effect === 'Allow') allowed = true;
  }
  return allowed;
}

const defaultPolicy = (accountId: string) =>
  JSON.stringify({
    Version: '2012-10-17',
    Id: 'key-default-1',
    Statement: [{ Sid: 'Enable IAM User Permissions', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${accountId}:root` }, Action: 'kms:*', Resource: '*' }],
  });

const err = (type: string, status: number, message: string) => new AwsError(type, status, message);
const notFound = (id: string) => err('NotFoundException', 400, `Key '${id}' does not exist`); // unconfirmed wording
const malformed = (message: string) => err('MalformedPolicyDocumentException', 400, message);

export function createKms(opts: { clock: Clock; iam: IamService; session: (accessKeyId: string) => { roleArn: string } | undefined }): KmsService {
  let keys: Key[] = [];

  const find = (req: EmuRequest, id: unknown): Key => {
    if (typeof id !== 'string' || id === '') throw err('ValidationException', 400, '1 validation error detected: Value null at \'keyId\' failed to satisfy constraint: Member must not be null');
    const k = id.startsWith('arn:')
      ? keys.find((x) => x.arn === id)
      : keys.find((x) => x.keyId === id && x.accountId === req.accountId && x.region === req.region);
    if (!k || (k.region !== req.region)) throw notFound(id);
    return k;
  };

  const caller = (req: EmuRequest) => ({ arn: req.principalArn, accountId: req.accountId, roleArn: opts.session(req.accessKeyId)?.roleArn });

  const authorize = (req: EmuRequest, k: Key, action: string) => {
    if (!policyAllows(k.policy, caller(req), action)) {
      // unconfirmed wording
      throw err('AccessDeniedException', 400, `User: ${req.principalArn} is not authorized to perform: ${action} on resource: ${k.arn} because no resource-based policy allows the ${action} action`);
    }
  };

  const checkPolicy = (req: EmuRequest, text: unknown, bypass: boolean): string => {
    if (typeof text !== 'string' || text === '') throw malformed('The policy is empty.'); // unconfirmed wording
    if (Buffer.byteLength(text) > MAX_POLICY_BYTES) throw err('LimitExceededException', 400, 'The key policy exceeds the maximum size.'); // unconfirmed wording
    let doc: { Statement?: unknown };
    try {
      doc = JSON.parse(text) as { Statement?: unknown };
    } catch {
      throw malformed('The new key policy contains invalid JSON.'); // unconfirmed wording
    }
    const statements = statementList(doc);
    if (statements.length === 0) throw malformed('The new key policy has no statement.'); // unconfirmed wording
    for (const s of statements) {
      const p = s.Principal;
      if (p === '*') continue;
      for (const a of typeof p === 'object' && p !== null ? strings((p as Record<string, unknown>).AWS) : []) {
        if (a === '*' || /^\d{12}$/.test(a) || /^arn:aws:iam::\d{12}:root$/.test(a)) continue;
        if (!opts.iam.principalExists(a)) throw malformed('Policy contains a statement with one or more invalid principals.');
      }
    }
    if (!bypass && !policyAllows(text, caller(req), 'kms:PutKeyPolicy')) {
      throw malformed('The new key policy will not allow you to update the key policy in the future.');
    }
    return text;
  };

  const metadata = (k: Key) => ({
    AWSAccountId: k.accountId,
    KeyId: k.keyId,
    Arn: k.arn,
    CreationDate: k.creationDate / 1000,
    Enabled: k.enabled,
    Description: k.description,
    KeyUsage: 'ENCRYPT_DECRYPT',
    KeyState: k.enabled ? 'Enabled' : 'Disabled',
    Origin: 'AWS_KMS',
    KeyManager: 'CUSTOMER',
    KeySpec: 'SYMMETRIC_DEFAULT',
    CustomerMasterKeySpec: 'SYMMETRIC_DEFAULT',
    EncryptionAlgorithms: ['SYMMETRIC_DEFAULT'],
    MultiRegion: false,
  });

  const ops: Record<string, (req: EmuRequest, input: Record<string, unknown>) => unknown> = {
    CreateKey(req, input) {
      const keyId = randomUUID();
      const policy = input.Policy !== undefined ? checkPolicy(req, input.Policy, input.BypassPolicyLockoutSafetyCheck === true) : defaultPolicy(req.accountId);
      const k: Key = {
        keyId,
        arn: `arn:aws:kms:${req.region}:${req.accountId}:key/${keyId}`,
        accountId: req.accountId,
        region: req.region,
        description: typeof input.Description === 'string' ? input.Description : '',
        policy,
        creationDate: opts.clock.now(),
        enabled: true,
      };
      keys.push(k);
      return { KeyMetadata: metadata(k) };
    },
    DescribeKey(req, input) {
      return { KeyMetadata: metadata(find(req, input.KeyId)) };
    },
    GetKeyPolicy(req, input) {
      const k = find(req, input.KeyId);
      if (input.PolicyName !== undefined && input.PolicyName !== 'default') throw notFound(String(input.PolicyName));
      authorize(req, k, 'kms:GetKeyPolicy');
      return { Policy: k.policy, PolicyName: 'default' };
    },
    PutKeyPolicy(req, input) {
      const k = find(req, input.KeyId);
      if (input.PolicyName !== undefined && input.PolicyName !== 'default') {
        throw err('ValidationException', 400, "1 validation error detected: Value at 'policyName' failed to satisfy constraint: Member must satisfy regular expression pattern: default"); // unconfirmed wording
      }
      authorize(req, k, 'kms:PutKeyPolicy');
      k.policy = checkPolicy(req, input.Policy, input.BypassPolicyLockoutSafetyCheck === true);
      return {};
    },
  };

  const respond = (status: number, body: unknown): EmuResponse => ({
    status,
    headers: { 'content-type': CONTENT_TYPE, 'x-amzn-requestid': newRequestId() },
    body: JSON.stringify(body),
  });
  const errorResponse = (e: AwsError) => respond(e.status, { __type: e.code, message: e.message });

  return {
    handle(req) {
      const target = req.headers['x-amz-target'] ?? '';
      const op = target.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : '';
      const handler = Object.prototype.hasOwnProperty.call(ops, op) ? ops[op] : undefined;
      if (!handler) return errorResponse(err('UnknownOperationException', 400, ''));
      try {
        const input = req.body.length > 0 ? (JSON.parse(req.body.toString('utf8')) as Record<string, unknown>) : {};
        return respond(200, handler(req, input));
      } catch (e) {
        if (e instanceof AwsError) return errorResponse(e);
        if (e instanceof SyntaxError) return errorResponse(err('SerializationException', 400, 'Start of structure or map found where not expected.'));
        throw e;
      }
    },
    throttled: () => errorResponse(err('ThrottlingException', 400, 'Rate exceeded')),
    internalError: () => errorResponse(err('KMSInternalException', 500, 'An internal error occurred.')),
    snapshot: () => ({ keys }),
    restore(snap) {
      keys = ((snap as { keys?: Key[] } | null)?.keys ?? []).map((k) => ({ ...k }));
    },
    keyByArn: (arn) => keys.find((k) => k.arn === arn),
    keyPolicyAllows: (key, principal, action) => policyAllows(key.policy, principal, action),
  };
}
