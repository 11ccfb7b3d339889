/**
 * IAM emulator (AWS query protocol, version 2010-05-08): roles, their trust
 * policies, inline policies and tags, per account. Policy documents are kept
 * exactly as sent and returned URL-encoded (RFC 3986), as IAM does.
 *
 * IAM is eventually consistent: `isRoleUsable` stays false until
 * `propagationDelayMs()` has passed since the role was created.
 */
import { randomBytes } from 'node:crypto';
import { policySize, validatePolicy, type PolicyKind } from './iam-policy.js';
import {
  AwsError,
  ConstraintErrors,
  InputReader,
  asTree,
  dispatchQuery,
  newRequestId,
  queryErrorResponse,
  rfc3986Encode,
  type InputTree,
  type OutObject,
} from './query-protocol.js';
import type { EmuRequest, EmuResponse, IamOptions, IamService } from './types.js';

const XMLNS = 'https://iam.amazonaws.com/doc/2010-05-08/';
const XML_OPTS = { millis: false };

const NAME_RE = /^[\w+=,.@-]+$/;
const NAME_SRC = '[\\w+=,.@-]+';
const PATH_RE = /^(\/|\/[\u0021-\u007E]+\/)$/;
const PATH_SRC = '(\\u002F)|(\\u002F[\\u0021-\\u007E]+\\u002F)';
const PATH_PREFIX_RE = /^\/[\u0021-\u007F]*$/;
const PATH_PREFIX_SRC = '\\u002F[\\u0021-\\u007F]*';
const POLICY_DOC_RE = /^[\u0009\u000A\u000D\u0020-\u00FF]+$/;
const POLICY_DOC_SRC = '[\\u0009\\u000A\\u000D\\u0020-\\u00FF]+';
const DESCRIPTION_RE = /^[\u0009\u000A\u000D\u0020-\u007E\u00A1-\u00FF]*$/;
const DESCRIPTION_SRC = '[\\u0009\\u000A\\u000D\\u0020-\\u007E\\u00A1-\\u00FF]*';
const TAG_KEY_RE = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]+$/u;
const TAG_KEY_SRC = '[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]+';
const TAG_VALUE_RE = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;
const TAG_VALUE_SRC = '[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*';

/** Quotas: trust policy length (default quota) and aggregate inline policy size per role. */
const TRUST_POLICY_QUOTA = 2048;
const INLINE_POLICIES_QUOTA = 10240;
const TAGS_PER_ROLE = 50;

interface Tag {
  Key: string;
  Value: string;
}

interface Role {
  name: string;
  path: string;
  roleId: string;
  accountId: string;
  createdMs: number;
  trustPolicy: string;
  description?: string;
  maxSessionDuration: number;
  permissionsBoundary?: string;
  tags: Tag[];
  /** Inline policies in insertion order: name → document as sent. */
  policies: Record<string, string>;
}

interface IamSnapshot {
  roles: Role[];
}

const reader = new InputReader(
  (member, raw) => new AwsError('ValidationError', 400, `1 validation error detected: Value '${String(raw)}' at '${member}' failed to satisfy constraint: Member must be of the expected type`),
);

function roleArn(role: Role): string {
  return `arn:aws:iam::${role.accountId}:role${role.path}${role.name}`;
}

function newRoleId(): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  const bytes = randomBytes(17);
  let id = 'AROA';
  for (const b of bytes) id += alphabet[b % alphabet.length];
  return id;
}

/** Parses `arn:aws:iam::<acct>:role/<path/>name` into account, path and name. */
function parseRoleArn(arn: string): { accountId: string; path: string; name: string } | null {
  const m = /^arn:aws:iam::(\d{12}):role(\/(?:.*\/)?)([\w+=,.@-]+)$/.exec(arn);
  if (!m) return null;
  return { accountId: m[1] ?? '', path: m[2] ?? '/', name: m[3] ?? '' };
}

// ---------------------------------------------------------------------------
// Input checks shared by several actions.

function checkRoleName(errors: ConstraintErrors, name: string | undefined): void {
  if (!errors.required('roleName', name)) return;
  errors.length('roleName', name, 1, 64);
  errors.pattern('roleName', name, NAME_RE, NAME_SRC);
}

function checkPolicyName(errors: ConstraintErrors, name: string | undefined): void {
  if (!errors.required('policyName', name)) return;
  errors.length('policyName', name, 1, 128);
  errors.pattern('policyName', name, NAME_RE, NAME_SRC);
}

function checkPolicyDocument(errors: ConstraintErrors, member: string, doc: string | undefined): void {
  if (!errors.required(member, doc)) return;
  errors.length(member, doc, 1, 131072);
  errors.pattern(member, doc, POLICY_DOC_RE, POLICY_DOC_SRC);
}

function checkMarkerAndMaxItems(errors: ConstraintErrors, tree: InputTree): { marker?: string; maxItems: number } {
  const marker = reader.str(tree, 'Marker');
  const maxItems = reader.int(tree, 'MaxItems');
  errors.length('marker', marker, 1, 320);
  errors.range('maxItems', maxItems, 1, 1000);
  return { marker, maxItems: maxItems ?? 100 };
}

function readTags(errors: ConstraintErrors, tree: InputTree, required: boolean): Tag[] {
  const items = reader.list(tree, 'Tags');
  if (required && !errors.required('tags', items)) return [];
  if (items === undefined) return [];
  errors.listLength('tags', items, required ? 1 : 0, TAGS_PER_ROLE);
  return items.map((item, i) => {
    const t = asTree(item);
    const key = reader.str(t, 'Key');
    const value = reader.str(t, 'Value');
    const at = `tags.${i + 1}.member`;
    if (errors.required(`${at}.key`, key)) {
      errors.length(`${at}.key`, key, 1, 128);
      errors.pattern(`${at}.key`, key, TAG_KEY_RE, TAG_KEY_SRC);
    }
    if (errors.required(`${at}.value`, value)) {
      errors.length(`${at}.value`, value, 0, 256);
      errors.pattern(`${at}.value`, value, TAG_VALUE_RE, TAG_VALUE_SRC);
    }
    return { Key: key ?? '', Value: value ?? '' };
  });
}

function rejectDuplicateTagKeys(tags: Tag[]): void {
  const seen = new Set<string>();
  for (const t of tags) {
    const k = t.Key.toLowerCase();
    if (seen.has(k)) {
      throw new AwsError('InvalidInput', 400, 'Duplicate tag keys found. Please note that Tag keys are case insensitive.');
    }
    seen.add(k);
  }
}

/** A page of `items` after `marker` (an opaque token: the base64 of the last item returned). */
function page<T>(items: T[], keyOf: (t: T) => string, marker: string | undefined, maxItems: number): { items: T[]; next?: string } {
  let start = 0;
  if (marker !== undefined) {
    const after = Buffer.from(marker, 'base64url').toString('utf8');
    const idx = items.findIndex((t) => keyOf(t) > after);
    start = idx === -1 ? items.length : idx;
  }
  const slice = items.slice(start, start + maxItems);
  const truncated = start + maxItems < items.length;
  const last = slice[slice.length - 1];
  return { items: slice, next: truncated && last !== undefined ? Buffer.from(keyOf(last), 'utf8').toString('base64url') : undefined };
}

function pagedResult(next: string | undefined): OutObject {
  return next === undefined ? { IsTruncated: false } : { IsTruncated: true, Marker: next };
}

// ---------------------------------------------------------------------------

export function createIam(opts: IamOptions): IamService {
  /** accountId → lower-cased role name → role (IAM names are case-insensitive). */
  let accounts = new Map<string, Map<string, Role>>();

  const rolesOf = (accountId: string): Map<string, Role> => {
    let roles = accounts.get(accountId);
    if (!roles) {
      roles = new Map();
      accounts.set(accountId, roles);
    }
    return roles;
  };

  const findRole = (accountId: string, name: string): Role | undefined => accounts.get(accountId)?.get(name.toLowerCase());

  const requireRole = (accountId: string, name: string): Role => {
    const role = findRole(accountId, name);
    if (!role) throw new AwsError('NoSuchEntity', 404, `The role with name ${name} cannot be found.`);
    return role;
  };

  const roleByArn = (arn: string): Role | undefined => {
    const parsed = parseRoleArn(arn);
    if (!parsed) return undefined;
    const role = findRole(parsed.accountId, parsed.name);
    return role && role.path === parsed.path ? role : undefined;
  };

  /** An `AWS` principal must exist: IAM resolves it to a unique id when the policy is saved. */
  const principalExists = (arn: string): boolean => {
    if (arn.startsWith('arn:aws:sts::')) return /:assumed-role\/[^/]+\/.+$/.test(arn);
    if (/^arn:aws:iam::\d{12}:user\/emulator$/.test(arn)) return true;
    return roleByArn(arn) !== undefined;
  };

  const validateDocument = (text: string, kind: PolicyKind) => validatePolicy(text, kind, principalExists);

  const checkTrustPolicy = (text: string): void => {
    validateDocument(text, 'trust');
    if (policySize(text) > TRUST_POLICY_QUOTA) {
      throw new AwsError('LimitExceeded', 409, `Cannot exceed quota for ACLSizePerRole: ${TRUST_POLICY_QUOTA}`);
    }
  };

  const roleOut = (role: Role, detail: 'full' | 'list'): OutObject => ({
    Path: role.path,
    RoleName: role.name,
    RoleId: role.roleId,
    Arn: roleArn(role),
    CreateDate: new Date(role.createdMs),
    AssumeRolePolicyDocument: rfc3986Encode(role.trustPolicy),
    Description: role.description,
    MaxSessionDuration: role.maxSessionDuration,
    PermissionsBoundary:
      detail === 'full' && role.permissionsBoundary !== undefined
        ? { PermissionsBoundaryType: 'PermissionsPolicy', PermissionsBoundaryArn: role.permissionsBoundary }
        : undefined,
    Tags: detail === 'full' && role.tags.length > 0 ? role.tags.map((t) => ({ Key: t.Key, Value: t.Value })) : undefined,
    RoleLastUsed: detail === 'full' ? {} : undefined,
  });

  // ---- actions -------------------------------------------------------------

  const createRole = (tree: InputTree, req: EmuRequest): OutObject => {
    const errors = new ConstraintErrors();
    const name = reader.str(tree, 'RoleName');
    const doc = reader.str(tree, 'AssumeRolePolicyDocument');
    const path = reader.str(tree, 'Path');
    const description = reader.str(tree, 'Description');
    const maxSession = reader.int(tree, 'MaxSessionDuration');
    const boundary = reader.str(tree, 'PermissionsBoundary');
    checkRoleName(errors, name);
    checkPolicyDocument(errors, 'assumeRolePolicyDocument', doc);
    errors.length('path', path, 1, 512);
    errors.pattern('path', path, PATH_RE, PATH_SRC);
    errors.length('description', description, 0, 1000);
    errors.pattern('description', description, DESCRIPTION_RE, DESCRIPTION_SRC);
    errors.range('maxSessionDuration', maxSession, 3600, 43200);
    errors.length('permissionsBoundary', boundary, 20, 2048);
    const tags = readTags(errors, tree, false);
    errors.throwIfAny();
    rejectDuplicateTagKeys(tags);
    if (boundary !== undefined && !/^arn:aws:iam::(aws|\d{12}):policy\/[\w+=,.@/-]+$/.test(boundary)) {
      throw new AwsError('InvalidInput', 400, `ARN ${boundary} is not valid.`);
    }
    const roleName = name ?? '';
    if (findRole(req.accountId, roleName)) {
      throw new AwsError('EntityAlreadyExists', 409, `Role with name ${roleName} already exists.`);
    }
    checkTrustPolicy(doc ?? '');
    const role: Role = {
      name: roleName,
      path: path ?? '/',
      roleId: newRoleId(),
      accountId: req.accountId,
      createdMs: opts.clock.now(),
      trustPolicy: doc ?? '',
      description,
      maxSessionDuration: maxSession ?? 3600,
      permissionsBoundary: boundary,
      tags,
      policies: {},
    };
    rolesOf(req.accountId).set(roleName.toLowerCase(), role);
    return { Role: roleOut(role, 'full') };
  };

  const roleNameOnly = (tree: InputTree): string => {
    const errors = new ConstraintErrors();
    const name = reader.str(tree, 'RoleName');
    checkRoleName(errors, name);
    errors.throwIfAny();
    return name ?? '';
  };

  const getRole = (tree: InputTree, req: EmuRequest): OutObject => ({
    Role: roleOut(requireRole(req.accountId, roleNameOnly(tree)), 'full'),
  });

  const deleteRole = (tree: InputTree, req: EmuRequest): undefined => {
    const role = requireRole(req.accountId, roleNameOnly(tree));
    if (Object.keys(role.policies).length > 0) {
      throw new AwsError('DeleteConflict', 409, 'Cannot delete entity, must delete policies first.');
    }
    rolesOf(req.accountId).delete(role.name.toLowerCase());
    return undefined;
  };

  const listRoles = (tree: InputTree, req: EmuRequest): OutObject => {
    const errors = new ConstraintErrors();
    const prefix = reader.str(tree, 'PathPrefix');
    errors.length('pathPrefix', prefix, 1, 512);
    errors.pattern('pathPrefix', prefix, PATH_PREFIX_RE, PATH_PREFIX_SRC);
    const { marker, maxItems } = checkMarkerAndMaxItems(errors, tree);
    errors.throwIfAny();
    const roles = [...rolesOf(req.accountId).values()]
      .filter((r) => r.path.startsWith(prefix ?? '/'))
      .sort((a, b) => (a.name.toLowerCase() < b.name.toLowerCase() ? -1 : 1));
    const p = page(roles, (r) => r.name.toLowerCase(), marker, maxItems);
    return { Roles: p.items.map((r) => roleOut(r, 'list')), ...pagedResult(p.next) };
  };

  const updateAssumeRolePolicy = (tree: InputTree, req: EmuRequest): undefined => {
    const errors = new ConstraintErrors();
    const name = reader.str(tree, 'RoleName');
    const doc = reader.str(tree, 'PolicyDocument');
    checkRoleName(errors, name);
    checkPolicyDocument(errors, 'policyDocument', doc);
    errors.throwIfAny();
    const role = requireRole(req.accountId, name ?? '');
    checkTrustPolicy(doc ?? '');
    role.trustPolicy = doc ?? '';
    return undefined;
  };

  const readDescriptionUpdate = (tree: InputTree, errors: ConstraintErrors) => {
    const description = reader.str(tree, 'Description');
    errors.length('description', description, 0, 1000);
    errors.pattern('description', description, DESCRIPTION_RE, DESCRIPTION_SRC);
    return description;
  };

  const updateRole = (tree: InputTree, req: EmuRequest): OutObject => {
    const errors = new ConstraintErrors();
    const name = reader.str(tree, 'RoleName');
    checkRoleName(errors, name);
    const description = readDescriptionUpdate(tree, errors);
    const maxSession = reader.int(tree, 'MaxSessionDuration');
    errors.range('maxSessionDuration', maxSession, 3600, 43200);
    errors.throwIfAny();
    const role = requireRole(req.accountId, name ?? '');
    if (description !== undefined) role.description = description;
    if (maxSession !== undefined) role.maxSessionDuration = maxSession;
    return {};
  };

  const updateRoleDescription = (tree: InputTree, req: EmuRequest): OutObject => {
    const errors = new ConstraintErrors();
    const name = reader.str(tree, 'RoleName');
    checkRoleName(errors, name);
    const description = readDescriptionUpdate(tree, errors);
    errors.required('description', description);
    errors.throwIfAny();
    const role = requireRole(req.accountId, name ?? '');
    role.description = description;
    return { Role: roleOut(role, 'full') };
  };

  const tagRole = (tree: InputTree, req: EmuRequest): undefined => {
    const errors = new ConstraintErrors();
    const name = reader.str(tree, 'RoleName');
    checkRoleName(errors, name);
    const tags = readTags(errors, tree, true);
    errors.throwIfAny();
    rejectDuplicateTagKeys(tags);
    const role = requireRole(req.accountId, name ?? '');
    const merged = [...role.tags];
    for (const t of tags) {
      const i = merged.findIndex((m) => m.Key.toLowerCase() === t.Key.toLowerCase());
      if (i === -1) merged.push(t);
      else merged[i] = t;
    }
    if (merged.length > TAGS_PER_ROLE) {
      throw new AwsError('LimitExceeded', 409, `Cannot exceed quota for TagsPerRole: ${TAGS_PER_ROLE}`);
    }
    role.tags = merged;
    return undefined;
  };

  const untagRole = (tree: InputTree, req: EmuRequest): undefined => {
    const errors = new ConstraintErrors();
    const name = reader.str(tree, 'RoleName');
    checkRoleName(errors, name);
    const keys = reader.strList(tree, 'TagKeys');
    if (errors.required('tagKeys', keys)) {
      errors.listLength('tagKeys', keys, 0, TAGS_PER_ROLE);
      (keys ?? []).forEach((k, i) => {
        errors.length(`tagKeys.${i + 1}.member`, k, 1, 128);
        errors.pattern(`tagKeys.${i + 1}.member`, k, TAG_KEY_RE, TAG_KEY_SRC);
      });
    }
    errors.throwIfAny();
    const role = requireRole(req.accountId, name ?? '');
    const drop = new Set((keys ?? []).map((k) => k.toLowerCase()));
    role.tags = role.tags.filter((t) => !drop.has(t.Key.toLowerCase()));
    return undefined;
  };

  const listRoleTags = (tree: InputTree, req: EmuRequest): OutObject => {
    const errors = new ConstraintErrors();
    const name = reader.str(tree, 'RoleName');
    checkRoleName(errors, name);
    const { marker, maxItems } = checkMarkerAndMaxItems(errors, tree);
    errors.throwIfAny();
    const role = requireRole(req.accountId, name ?? '');
    const indexed = role.tags.map((t, i) => ({ t, key: String(i).padStart(6, '0') }));
    const p = page(indexed, (x) => x.key, marker, maxItems);
    return { Tags: p.items.map((x) => ({ Key: x.t.Key, Value: x.t.Value })), ...pagedResult(p.next) };
  };

  const putRolePolicy = (tree: InputTree, req: EmuRequest): undefined => {
    const errors = new ConstraintErrors();
    const name = reader.str(tree, 'RoleName');
    const policyName = reader.str(tree, 'PolicyName');
    const doc = reader.str(tree, 'PolicyDocument');
    checkRoleName(errors, name);
    checkPolicyName(errors, policyName);
    checkPolicyDocument(errors, 'policyDocument', doc);
    errors.throwIfAny();
    const role = requireRole(req.accountId, name ?? '');
    validateDocument(doc ?? '', 'identity');
    const others = Object.entries(role.policies).filter(([n]) => n !== policyName);
    const total = others.reduce((sum, [, text]) => sum + policySize(text), 0) + policySize(doc ?? '');
    if (total > INLINE_POLICIES_QUOTA) {
      throw new AwsError('LimitExceeded', 409, `Maximum policy size of ${INLINE_POLICIES_QUOTA} bytes exceeded for role ${role.name}`);
    }
    role.policies[policyName ?? ''] = doc ?? '';
    return undefined;
  };

  const roleAndPolicy = (tree: InputTree, req: EmuRequest): { role: Role; policyName: string; doc: string } => {
    const errors = new ConstraintErrors();
    const name = reader.str(tree, 'RoleName');
    const policyName = reader.str(tree, 'PolicyName');
    checkRoleName(errors, name);
    checkPolicyName(errors, policyName);
    errors.throwIfAny();
    const role = requireRole(req.accountId, name ?? '');
    const doc = role.policies[policyName ?? ''];
    if (doc === undefined) {
      throw new AwsError('NoSuchEntity', 404, `The role policy with name ${policyName ?? ''} cannot be found.`);
    }
    return { role, policyName: policyName ?? '', doc };
  };

  const getRolePolicy = (tree: InputTree, req: EmuRequest): OutObject => {
    const { role, policyName, doc } = roleAndPolicy(tree, req);
    return { RoleName: role.name, PolicyName: policyName, PolicyDocument: rfc3986Encode(doc) };
  };

  const deleteRolePolicy = (tree: InputTree, req: EmuRequest): undefined => {
    const { role, policyName } = roleAndPolicy(tree, req);
    delete role.policies[policyName];
    return undefined;
  };

  const listRolePolicies = (tree: InputTree, req: EmuRequest): OutObject => {
    const errors = new ConstraintErrors();
    const name = reader.str(tree, 'RoleName');
    checkRoleName(errors, name);
    const { marker, maxItems } = checkMarkerAndMaxItems(errors, tree);
    errors.throwIfAny();
    const role = requireRole(req.accountId, name ?? '');
    const names = Object.keys(role.policies).sort();
    const p = page(names, (n) => n, marker, maxItems);
    return { PolicyNames: p.items, ...pagedResult(p.next) };
  };

  const actions = {
    CreateRole: createRole,
    GetRole: getRole,
    DeleteRole: deleteRole,
    ListRoles: listRoles,
    UpdateAssumeRolePolicy: updateAssumeRolePolicy,
    UpdateRole: updateRole,
    UpdateRoleDescription: updateRoleDescription,
    TagRole: tagRole,
    UntagRole: untagRole,
    ListRoleTags: listRoleTags,
    PutRolePolicy: putRolePolicy,
    GetRolePolicy: getRolePolicy,
    DeleteRolePolicy: deleteRolePolicy,
    ListRolePolicies: listRolePolicies,
  };

  const parseStored = (text: string): unknown => {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return null;
    }
  };

  return {
    handle: (req: EmuRequest): Promise<EmuResponse> => dispatchQuery(req, XMLNS, XML_OPTS, '2010-05-08', actions),
    throttled: () => queryErrorResponse(new AwsError('Throttling', 400, 'Rate exceeded'), XMLNS, newRequestId()),
    internalError: () =>
      queryErrorResponse(
        new AwsError('ServiceFailure', 500, 'The request processing has failed because of an unknown error, exception or failure.'),
        XMLNS,
        newRequestId(),
      ),
    snapshot: (): IamSnapshot => ({ roles: [...accounts.values()].flatMap((m) => [...m.values()]) }),
    restore: (snapshot: unknown): void => {
      accounts = new Map();
      const roles = (snapshot as Partial<IamSnapshot> | null)?.roles ?? [];
      for (const role of roles) rolesOf(role.accountId).set(role.name.toLowerCase(), role);
    },
    roleExists: (arn) => roleByArn(arn) !== undefined,
    isRoleUsable: (arn) => {
      const role = roleByArn(arn);
      return role !== undefined && opts.clock.now() - role.createdMs >= opts.propagationDelayMs();
    },
    rolePolicyDocuments: (arn) => {
      const role = roleByArn(arn);
      return role ? Object.values(role.policies).map(parseStored) : [];
    },
    roleTrustPolicy: (arn) => {
      const role = roleByArn(arn);
      return role ? parseStored(role.trustPolicy) : null;
    },
    roleFacts: (arn) => {
      const role = roleByArn(arn);
      return role ? { roleId: role.roleId, name: role.name, accountId: role.accountId, maxSessionDuration: role.maxSessionDuration } : null;
    },
    principalExists,
  };
}
