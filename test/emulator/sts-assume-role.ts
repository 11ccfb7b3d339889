/**
 * STS AssumeRole: temporary credentials for a role, in the role's account.
 * The role's trust policy is checked (the caller must be a principal it
 * allows, with the ExternalId it requires); the credentials the emulator
 * issues are remembered so that later requests signed with their access key
 * id act as the assumed-role session, in the role's account.
 */
import { createHash, randomBytes } from 'node:crypto';
import { AwsError, ConstraintErrors, InputReader, type InputTree, type OutObject } from './query-protocol.js';
import type { Clock, EmuRequest, IamService } from './types.js';

export interface Session {
  accessKeyId: string;
  accountId: string;
  /** `arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION` */
  arn: string;
  roleArn: string;
  /** `ROLEID:SESSION` */
  userId: string;
  expiresMs: number;
}

const reader = new InputReader(
  (member, raw) => new AwsError('ValidationError', 400, `1 validation error detected: Value '${String(raw)}' at '${member}' failed to satisfy constraint: Member must be of the expected type`),
);

const ROLE_ARN_RE = /^arn:aws:iam::(\d{12}):role(\/|\/[\u0021-\u007E]+\/)([\w+=,.@-]+)$/;
const SESSION_NAME_RE = /^[\w+=,.@-]*$/;
const EXTERNAL_ID_RE = /^[\w+=,.@:/-]*$/;

const list = (v: unknown): string[] => (typeof v === 'string' ? [v] : Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

function wildcard(pattern: string, value: string): boolean {
  const re = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${re}$`, 'is').test(value);
}

interface Caller {
  arn: string;
  accountId: string;
  /** For a session: the role it came from (a trust policy may name the role). */
  roleArn?: string;
}

function principalMatches(principal: unknown, caller: Caller): boolean {
  if (principal === '*') return true;
  if (typeof principal !== 'object' || principal === null) return false;
  return list((principal as Record<string, unknown>).AWS).some(
    (p) =>
      p === '*' ||
      p === caller.accountId ||
      p === `arn:aws:iam::${caller.accountId}:root` ||
      p === caller.arn ||
      (caller.roleArn !== undefined && p === caller.roleArn),
  );
}

/**
 * Conditions the emulator understands: StringEquals / StringLike on
 * `sts:ExternalId`. A statement with any other condition does not match (it
 * errs towards refusing, never towards granting).
 */
function conditionsHold(condition: unknown, externalId: string | undefined): boolean {
  if (condition === undefined) return true;
  if (typeof condition !== 'object' || condition === null) return false;
  for (const [op, block] of Object.entries(condition as Record<string, unknown>)) {
    if (typeof block !== 'object' || block === null) return false;
    for (const [key, value] of Object.entries(block as Record<string, unknown>)) {
      if (key.toLowerCase() !== 'sts:externalid') return false;
      if (externalId === undefined) return false;
      const wanted = list(value);
      if (op === 'StringEquals' && !wanted.includes(externalId)) return false;
      if (op === 'StringLike' && !wanted.some((w) => wildcard(w, externalId))) return false;
      if (op !== 'StringEquals' && op !== 'StringLike') return false;
    }
  }
  return true;
}

/** Whether a trust policy lets the caller assume the role (Deny wins). */
export function trustAllows(doc: unknown, caller: Caller, externalId: string | undefined): boolean {
  if (typeof doc !== 'object' || doc === null) return false;
  const raw = (doc as { Statement?: unknown }).Statement;
  const statements = (Array.isArray(raw) ? raw : raw ? [raw] : []) as Array<Record<string, unknown>>;
  let allowed = false;
  for (const s of statements) {
    const acts = s.Action !== undefined ? list(s.Action).some((a) => wildcard(a, 'sts:AssumeRole')) : false;
    if (!acts) continue;
    if (!principalMatches(s.Principal, caller)) continue;
    if (!conditionsHold(s.Condition, externalId)) continue;
    if (s.Effect === 'Deny') return false;
    if (s.Effect === 'Allow') allowed = true;
  }
  return allowed;
}

function sessionKeyId(): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  const bytes = randomBytes(16);
  let id = 'ASIA';
  for (let i = 0; i < 16; i++) id += alphabet[bytes[i]! % alphabet.length];
  return id;
}

export class SessionStore {
  private sessions = new Map<string, Session>();

  constructor(
    private readonly iam: IamService,
    private readonly clock: Clock,
  ) {}

  /** The live session an access key id belongs to, if STS issued it. */
  find(accessKeyId: string): Session | undefined {
    const s = this.sessions.get(accessKeyId);
    return s && s.expiresMs > this.clock.now() ? s : undefined;
  }

  snapshot(): Session[] {
    return [...this.sessions.values()];
  }

  restore(sessions: Session[]): void {
    this.sessions = new Map(sessions.map((s) => [s.accessKeyId, s]));
  }

  assumeRole(tree: InputTree, req: EmuRequest): OutObject {
    const errors = new ConstraintErrors();
    const roleArn = reader.str(tree, 'RoleArn');
    const sessionName = reader.str(tree, 'RoleSessionName');
    const externalId = reader.str(tree, 'ExternalId');
    const duration = reader.int(tree, 'DurationSeconds');
    if (errors.required('roleArn', roleArn)) errors.length('roleArn', roleArn, 20, 2048);
    if (errors.required('roleSessionName', sessionName)) {
      errors.length('roleSessionName', sessionName, 2, 64);
      errors.pattern('roleSessionName', sessionName, SESSION_NAME_RE, '[\\w+=,.@-]*');
    }
    errors.length('externalId', externalId, 2, 1224);
    errors.pattern('externalId', externalId, EXTERNAL_ID_RE, '[\\w+=,.@:\\/-]*');
    errors.range('durationSeconds', duration, 900, 43200);
    errors.throwIfAny();
    const m = ROLE_ARN_RE.exec(roleArn ?? '');
    const caller = this.callerOf(req);
    const denied = () =>
      new AwsError('AccessDenied', 403, `User: ${caller.arn} is not authorized to perform: sts:AssumeRole on resource: ${roleArn ?? ''}`);
    if (!m) throw new AwsError('ValidationError', 400, `${roleArn ?? ''} is invalid`); // unconfirmed wording
    const facts = this.iam.roleFacts(roleArn!);
    // A role that does not exist is refused like one that does not trust the caller: STS does not say which.
    if (!facts) throw denied();
    if (!trustAllows(this.iam.roleTrustPolicy(roleArn!), caller, externalId)) throw denied();
    const seconds = duration ?? 3600;
    if (seconds > facts.maxSessionDuration) {
      throw new AwsError(
        'ValidationError',
        400,
        'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.',
      );
    }
    const now = this.clock.now();
    const session: Session = {
      accessKeyId: sessionKeyId(),
      accountId: facts.accountId,
      arn: `arn:aws:sts::${facts.accountId}:assumed-role/${facts.name}/${sessionName!}`,
      roleArn: roleArn!,
      userId: `${facts.roleId}:${sessionName!}`,
      expiresMs: now + seconds * 1000,
    };
    this.sessions.set(session.accessKeyId, session);
    return {
      Credentials: {
        AccessKeyId: session.accessKeyId,
        SecretAccessKey: randomBytes(30).toString('base64').slice(0, 40),
        SessionToken: createHash('sha256').update(session.accessKeyId).digest('base64'),
        Expiration: new Date(session.expiresMs),
      },
      AssumedRoleUser: { AssumedRoleId: session.userId, Arn: session.arn },
      PackedPolicySize: undefined,
    };
  }

  private callerOf(req: EmuRequest): Caller {
    const s = this.find(req.accessKeyId);
    return s ? { arn: s.arn, accountId: s.accountId, roleArn: s.roleArn } : { arn: req.principalArn, accountId: req.accountId };
  }
}
