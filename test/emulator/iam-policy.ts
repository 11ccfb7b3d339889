/**
 * IAM policy document checks, with the MalformedPolicyDocument messages IAM
 * returns. Two kinds of document: identity (inline permissions) policies and
 * role trust policies. This covers the grammar s3repl and its users write,
 * not every rule of IAM's policy engine (no condition-operator or
 * action-vendor catalogue).
 */
import { AwsError } from './query-protocol.js';

export type PolicyKind = 'identity' | 'trust';

/** Decides whether an `AWS` principal names something that exists. */
export type PrincipalResolver = (arn: string) => boolean;

const TOP_LEVEL = new Set(['Version', 'Id', 'Statement']);
const STATEMENT_KEYS = new Set([
  'Sid',
  'Effect',
  'Principal',
  'NotPrincipal',
  'Action',
  'NotAction',
  'Resource',
  'NotResource',
  'Condition',
]);
const VERSIONS = new Set(['2008-10-17', '2012-10-17']);
const TRUST_ACTIONS = /^(sts:(AssumeRole|AssumeRoleWithSAML|AssumeRoleWithWebIdentity|TagSession|SetSourceIdentity|SetContext|\*)|\*)$/;

function malformed(message: string): AwsError {
  return new AwsError('MalformedPolicyDocument', 400, message);
}

const syntaxError = () => malformed('Syntax errors in policy.');

function isStringOrStringList(v: unknown): boolean {
  return typeof v === 'string' || (Array.isArray(v) && v.every((x) => typeof x === 'string'));
}

function asList(v: unknown): string[] {
  if (typeof v === 'string') return [v];
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

/** Parses and checks a policy; returns the parsed document. */
export function validatePolicy(text: string, kind: PolicyKind, principalExists: PrincipalResolver): Record<string, unknown> {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw syntaxError();
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw syntaxError();
  const policy = doc as Record<string, unknown>;
  for (const key of Object.keys(policy)) if (!TOP_LEVEL.has(key)) throw syntaxError();
  if (policy.Version !== undefined && (typeof policy.Version !== 'string' || !VERSIONS.has(policy.Version))) throw syntaxError();
  if (policy.Id !== undefined && typeof policy.Id !== 'string') throw syntaxError();
  const statements = statementsOf(policy);
  statements.forEach(checkStatementSyntax);
  statements.forEach((s) => checkLegacyParsing(s));
  checkSidsUnique(statements);
  for (const s of statements) {
    if (kind === 'identity') checkIdentityStatement(s);
    else checkTrustStatement(s, principalExists);
  }
  return policy;
}

function statementsOf(policy: Record<string, unknown>): Array<Record<string, unknown>> {
  const raw = policy.Statement;
  if (raw === undefined) throw syntaxError();
  const list = Array.isArray(raw) ? raw : [raw];
  if (list.length === 0) throw syntaxError();
  return list.map((s) => {
    if (typeof s !== 'object' || s === null || Array.isArray(s)) throw syntaxError();
    return s as Record<string, unknown>;
  });
}

function checkStatementSyntax(s: Record<string, unknown>): void {
  for (const key of Object.keys(s)) if (!STATEMENT_KEYS.has(key)) throw syntaxError();
  if (typeof s.Effect !== 'string' || !['allow', 'deny'].includes(s.Effect.toLowerCase())) throw syntaxError();
  for (const key of ['Action', 'NotAction', 'Resource', 'NotResource']) {
    if (s[key] !== undefined && !isStringOrStringList(s[key])) throw syntaxError();
  }
  if (s.Action !== undefined && s.NotAction !== undefined) throw syntaxError();
  if (s.Resource !== undefined && s.NotResource !== undefined) throw syntaxError();
  if (s.Sid !== undefined && typeof s.Sid !== 'string') throw syntaxError();
  if (s.Condition !== undefined) checkConditionSyntax(s.Condition);
  for (const key of ['Principal', 'NotPrincipal']) {
    if (s[key] !== undefined) checkPrincipalSyntax(s[key]);
  }
}

function checkConditionSyntax(condition: unknown): void {
  if (typeof condition !== 'object' || condition === null || Array.isArray(condition)) throw syntaxError();
  for (const block of Object.values(condition)) {
    if (typeof block !== 'object' || block === null || Array.isArray(block)) throw syntaxError();
    for (const v of Object.values(block)) {
      const ok = ['string', 'number', 'boolean'].includes(typeof v) || (Array.isArray(v) && v.every((x) => ['string', 'number', 'boolean'].includes(typeof x)));
      if (!ok) throw syntaxError();
    }
  }
}

function checkPrincipalSyntax(principal: unknown): void {
  if (principal === '*') return;
  if (typeof principal !== 'object' || principal === null || Array.isArray(principal)) throw syntaxError();
  for (const v of Object.values(principal)) if (!isStringOrStringList(v)) throw syntaxError();
}

/** IAM's second pass: Effect is case-sensitive here. */
function checkLegacyParsing(s: Record<string, unknown>): void {
  if (s.Effect !== 'Allow' && s.Effect !== 'Deny') throw malformed('The policy failed legacy parsing');
}

function checkSidsUnique(statements: Array<Record<string, unknown>>): void {
  const seen = new Set<string>();
  for (const s of statements) {
    if (typeof s.Sid !== 'string' || s.Sid === '') continue;
    if (seen.has(s.Sid)) throw malformed('Statement IDs (SID) in a single policy must be unique.');
    seen.add(s.Sid);
  }
}

function checkActions(s: Record<string, unknown>): void {
  const actions = s.Action ?? s.NotAction;
  if (actions === undefined || (Array.isArray(actions) && actions.length === 0)) {
    throw malformed('Policy statement must contain actions.');
  }
  for (const action of asList(actions)) {
    if (action === '*') continue;
    const parts = action.split(':');
    if (parts.length === 1) throw malformed('Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.');
    if (parts.length > 2) throw malformed('Actions/Condition can contain only one colon.');
    const vendor = parts[0] ?? '';
    if (!/^[a-zA-Z0-9.-]+$/.test(vendor)) throw malformed(`Vendor ${vendor} is not valid`);
  }
}

function checkIdentityStatement(s: Record<string, unknown>): void {
  if (s.Principal !== undefined || s.NotPrincipal !== undefined) {
    throw malformed('Policy document should not specify a principal.');
  }
  checkActions(s);
  const resources = s.Resource ?? s.NotResource;
  if (resources === undefined || (Array.isArray(resources) && resources.length === 0)) {
    throw malformed('Policy statement must contain resources.');
  }
  for (const r of asList(resources)) {
    if (r !== '*' && !r.startsWith('arn:')) throw malformed(`Resource ${r} must be in ARN format or "*".`);
  }
}

function checkTrustStatement(s: Record<string, unknown>, principalExists: PrincipalResolver): void {
  if (s.Resource !== undefined) throw malformed('Has prohibited field Resource');
  if (s.NotResource !== undefined) throw malformed('Has prohibited field NotResource');
  if (s.Principal === undefined && s.NotPrincipal === undefined) throw malformed('Missing required field Principal');
  checkActions(s);
  for (const action of asList(s.Action ?? s.NotAction)) {
    if (!TRUST_ACTIONS.test(action)) throw malformed('AssumeRole policy may only specify STS AssumeRole actions.');
  }
  const principal = s.Principal ?? s.NotPrincipal;
  if (principal === '*' || typeof principal !== 'object' || principal === null) return;
  for (const [type, value] of Object.entries(principal as Record<string, unknown>)) {
    for (const p of asList(value)) checkPrincipal(type, p, principalExists);
  }
}

const ACCOUNT_ROOT = /^arn:aws:iam::\d{12}:root$/;
const IAM_ENTITY = /^arn:aws:(iam|sts)::\d{12}:[\w+=,.@/-]+$/;

function checkPrincipal(type: string, value: string, principalExists: PrincipalResolver): void {
  const invalid = () => malformed(`Invalid principal in policy: "${type}":"${value}"`);
  switch (type) {
    case 'AWS':
      if (value === '*' || /^\d{12}$/.test(value) || ACCOUNT_ROOT.test(value)) return;
      if (!IAM_ENTITY.test(value) || !principalExists(value)) throw invalid();
      return;
    case 'Service':
      if (!/^[a-z0-9.-]+\.amazonaws\.com(\.cn)?$/.test(value) && value !== '*') throw invalid();
      return;
    case 'Federated':
    case 'CanonicalUser':
      if (value.length === 0) throw invalid();
      return;
    default:
      throw invalid();
  }
}

/** IAM's size quotas count characters other than white space. */
export function policySize(text: string): number {
  return text.replace(/\s/g, '').length;
}
