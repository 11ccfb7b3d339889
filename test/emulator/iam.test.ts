import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  CreateRoleCommand,
  DeleteRoleCommand,
  DeleteRolePolicyCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  IAMClient,
  ListRolePoliciesCommand,
  ListRoleTagsCommand,
  ListRolesCommand,
  PutRolePolicyCommand,
  TagRoleCommand,
  UntagRoleCommand,
  UpdateAssumeRolePolicyCommand,
  UpdateRoleCommand,
  UpdateRoleDescriptionCommand,
} from '@aws-sdk/client-iam';
import { startEmulator, type Emulator } from './server.js';
import { ACCOUNT_A, ACCOUNT_B, clientConfig, expectAwsError, manualClock } from './query-protocol-testkit.js';

const TRUST = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 's3.amazonaws.com' }, Action: 'sts:AssumeRole' }],
});

const POLICY = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: ['s3:GetObjectVersionForReplication', 's3:ReplicateObject'], Resource: 'arn:aws:s3:::src/*' }],
});

function trustWith(statement: Record<string, unknown>): string {
  return JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', ...statement }] });
}

function policyWith(statement: Record<string, unknown>): string {
  return JSON.stringify({ Version: '2012-10-17', Statement: [statement] });
}

const clock = manualClock();
let emu: Emulator;
let iam: IAMClient;
let iamB: IAMClient;

beforeAll(async () => {
  emu = await startEmulator({ clock });
  iam = new IAMClient(clientConfig(emu.url, ACCOUNT_A));
  iamB = new IAMClient(clientConfig(emu.url, ACCOUNT_B));
});

afterAll(async () => {
  iam.destroy();
  iamB.destroy();
  await emu.stop();
});

beforeEach(() => {
  emu.reset();
});

const createRole = (name: string, extra: Partial<ConstructorParameters<typeof CreateRoleCommand>[0]> = {}) =>
  iam.send(new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: TRUST, ...extra }));

describe('CreateRole / GetRole', () => {
  it('creates a role with an ARN, a role id and the trust policy URL-encoded (RFC 3986)', async () => {
    const doc = '{\n  "Version": "2012-10-17",\n  "Statement": [{"Effect": "Allow", "Principal": {"Service": "s3.amazonaws.com"}, "Action": "sts:*"}]\n}';
    const out = await createRole('replication-role', { AssumeRolePolicyDocument: doc, Path: '/s3repl/', Description: 'made by s3repl' });
    const role = out.Role!;
    expect(role.Arn).toBe(`arn:aws:iam::${ACCOUNT_A}:role/s3repl/replication-role`);
    expect(role.RoleId).toMatch(/^AROA[A-Z0-9]{17}$/);
    expect(role.Path).toBe('/s3repl/');
    expect(role.MaxSessionDuration).toBe(3600);
    expect(role.CreateDate).toBeInstanceOf(Date);
    // The SDK does not decode the document: the caller must.
    const encoded = role.AssumeRolePolicyDocument!;
    expect(encoded).toMatch(/^[A-Za-z0-9%._~-]+$/);
    expect(encoded).toContain('%7B%0A%20%20%22Version%22');
    expect(encoded).toContain('sts%3A%2A');
    expect(decodeURIComponent(encoded)).toBe(doc);

    const got = await iam.send(new GetRoleCommand({ RoleName: 'replication-role' }));
    expect(got.Role?.RoleId).toBe(role.RoleId);
    expect(got.Role?.Description).toBe('made by s3repl');
    expect(decodeURIComponent(got.Role!.AssumeRolePolicyDocument!)).toBe(doc);
  });

  it('finds roles case-insensitively and keeps the name as created', async () => {
    await createRole('MixedCase');
    const got = await iam.send(new GetRoleCommand({ RoleName: 'mixedcase' }));
    expect(got.Role?.RoleName).toBe('MixedCase');
  });

  it('stores tags, MaxSessionDuration and the permissions boundary', async () => {
    await createRole('tagged', {
      Tags: [{ Key: 'owner', Value: 's3repl' }, { Key: 'env', Value: '' }],
      MaxSessionDuration: 43200,
      PermissionsBoundary: 'arn:aws:iam::aws:policy/PowerUserAccess',
    });
    const role = (await iam.send(new GetRoleCommand({ RoleName: 'tagged' }))).Role!;
    expect(role.Tags).toEqual([{ Key: 'owner', Value: 's3repl' }, { Key: 'env', Value: '' }]);
    expect(role.MaxSessionDuration).toBe(43200);
    expect(role.PermissionsBoundary).toEqual({ PermissionsBoundaryType: 'PermissionsPolicy', PermissionsBoundaryArn: 'arn:aws:iam::aws:policy/PowerUserAccess' });
  });

  it('rejects a second role with the same name in any case: EntityAlreadyExists 409', async () => {
    await createRole('dup');
    await expectAwsError(createRole('DUP'), { name: 'EntityAlreadyExistsException', code: 'EntityAlreadyExists', status: 409, message: 'Role with name DUP already exists.' });
  });

  it('answers NoSuchEntity 404 for a role that does not exist', async () => {
    await expectAwsError(iam.send(new GetRoleCommand({ RoleName: 'ghost' })), {
      name: 'NoSuchEntityException',
      code: 'NoSuchEntity',
      status: 404,
      message: 'The role with name ghost cannot be found.',
    });
  });

  it('keeps roles per account', async () => {
    await createRole('only-in-a');
    await expectAwsError(iamB.send(new GetRoleCommand({ RoleName: 'only-in-a' })), { name: 'NoSuchEntityException', status: 404 });
    const inB = await iamB.send(new CreateRoleCommand({ RoleName: 'only-in-a', AssumeRolePolicyDocument: TRUST }));
    expect(inB.Role?.Arn).toBe(`arn:aws:iam::${ACCOUNT_B}:role/only-in-a`);
  });
});

describe('CreateRole input validation (ValidationError 400)', () => {
  const cases: Array<[string, Partial<ConstructorParameters<typeof CreateRoleCommand>[0]>, RegExp]> = [
    ['a name with a space', { RoleName: 'bad name' }, /at 'roleName' failed to satisfy constraint: Member must satisfy regular expression pattern: \[\\w\+=,\.@-\]\+/],
    ['a name over 64 characters', { RoleName: 'r'.repeat(65) }, /at 'roleName' failed to satisfy constraint: Member must have length less than or equal to 64/],
    ['MaxSessionDuration under an hour', { MaxSessionDuration: 3599 }, /Value '3599' at 'maxSessionDuration' failed to satisfy constraint: Member must have value greater than or equal to 3600/],
    ['MaxSessionDuration over 12 hours', { MaxSessionDuration: 43201 }, /Member must have value less than or equal to 43200/],
    ['a path without slashes', { Path: 'nope' }, /at 'path' failed to satisfy constraint: Member must satisfy regular expression pattern/],
    ['a description over 1000 characters', { Description: 'd'.repeat(1001) }, /at 'description' failed to satisfy constraint: Member must have length less than or equal to 1000/],
    ['a tag key with a forbidden character', { Tags: [{ Key: 'bad#key', Value: 'v' }] }, /at 'tags.1.member.key' failed to satisfy constraint/],
    ['more than 50 tags', { Tags: Array.from({ length: 51 }, (_, i) => ({ Key: `k${i}`, Value: 'v' })) }, /at 'tags' failed to satisfy constraint: Member must have length less than or equal to 50/],
  ];
  for (const [what, input, message] of cases) {
    it(`rejects ${what}`, async () => {
      await expectAwsError(createRole((input.RoleName as string | undefined) ?? 'valid-name', input), { name: 'ValidationError', code: 'ValidationError', status: 400, message });
    });
  }

  it('reports every failed constraint at once', async () => {
    const err = await expectAwsError(createRole('bad name', { MaxSessionDuration: 1 }), { name: 'ValidationError', status: 400 });
    expect(err.message).toMatch(/^2 validation errors detected: /);
  });

  it('rejects duplicate tag keys (case-insensitive) with InvalidInput 400', async () => {
    await expectAwsError(createRole('t', { Tags: [{ Key: 'Env', Value: 'a' }, { Key: 'env', Value: 'b' }] }), { name: 'InvalidInputException', code: 'InvalidInput', status: 400 });
  });

  it('rejects a malformed permissions boundary ARN with InvalidInput 400', async () => {
    await expectAwsError(createRole('b', { PermissionsBoundary: 'arn:aws:s3:::not-a-policy-arn' }), {
      name: 'InvalidInputException',
      status: 400,
      message: 'ARN arn:aws:s3:::not-a-policy-arn is not valid.',
    });
  });
});

describe('trust policy checks (MalformedPolicyDocument 400)', () => {
  const malformed = (doc: string, message: string | RegExp) =>
    expectAwsError(createRole('trusting', { AssumeRolePolicyDocument: doc }), { name: 'MalformedPolicyDocumentException', code: 'MalformedPolicyDocument', status: 400, message });

  it('rejects invalid JSON', () => malformed('{"Version": "2012-10-17", ', 'Syntax errors in policy.'));
  it('rejects a policy without Statement', () => malformed('{"Version":"2012-10-17"}', 'Syntax errors in policy.'));
  it('rejects an unknown Effect', () => malformed(trustWith({ Effect: 'Maybe', Principal: { Service: 's3.amazonaws.com' } }), 'Syntax errors in policy.'));
  it('rejects a lower-case Effect in legacy parsing', () =>
    malformed(trustWith({ Effect: 'allow', Principal: { Service: 's3.amazonaws.com' } }), 'The policy failed legacy parsing'));
  it('rejects a Resource in a trust policy', () =>
    malformed(trustWith({ Principal: { Service: 's3.amazonaws.com' }, Resource: '*' }), 'Has prohibited field Resource'));
  it('rejects a trust policy without a principal', () => malformed(trustWith({}), 'Missing required field Principal'));
  it('rejects actions other than STS AssumeRole', () =>
    malformed(trustWith({ Principal: { Service: 's3.amazonaws.com' }, Action: 's3:GetObject' }), 'AssumeRole policy may only specify STS AssumeRole actions.'));
  it('rejects an AWS principal that is not an ARN or account', () =>
    malformed(trustWith({ Principal: { AWS: 'somebody' } }), 'Invalid principal in policy: "AWS":"somebody"'));
  it('rejects an AWS principal naming a role that does not exist', () =>
    malformed(trustWith({ Principal: { AWS: `arn:aws:iam::${ACCOUNT_B}:role/nope` } }), `Invalid principal in policy: "AWS":"arn:aws:iam::${ACCOUNT_B}:role/nope"`));

  it('accepts account ids, account roots and existing roles as AWS principals', async () => {
    await iamB.send(new CreateRoleCommand({ RoleName: 'peer', AssumeRolePolicyDocument: TRUST }));
    const doc = trustWith({ Principal: { AWS: [ACCOUNT_B, `arn:aws:iam::${ACCOUNT_B}:root`, `arn:aws:iam::${ACCOUNT_B}:role/peer`] } });
    const out = await createRole('trusting', { AssumeRolePolicyDocument: doc });
    expect(decodeURIComponent(out.Role!.AssumeRolePolicyDocument!)).toBe(doc);
  });

  it('limits the trust policy to 2048 characters, white space not counted: LimitExceeded 409', async () => {
    const statement = { Sid: '', Principal: { Service: 's3.amazonaws.com' } };
    const base = trustWith(statement);
    const sid = 'S'.repeat(2049 - base.length);
    const over = trustWith({ ...statement, Sid: sid });
    await expectAwsError(createRole('big', { AssumeRolePolicyDocument: over }), {
      name: 'LimitExceededException',
      code: 'LimitExceeded',
      status: 409,
      message: 'Cannot exceed quota for ACLSizePerRole: 2048',
    });
    const atLimitPadded = JSON.stringify(JSON.parse(trustWith({ ...statement, Sid: sid.slice(1) })), null, 8);
    expect(atLimitPadded.length).toBeGreaterThan(2048);
    await createRole('big', { AssumeRolePolicyDocument: atLimitPadded });
  });
});

describe('inline role policies', () => {
  it('round-trips a policy URL-encoded, exactly as sent', async () => {
    await createRole('r');
    const doc = JSON.stringify(JSON.parse(POLICY), null, 2);
    await iam.send(new PutRolePolicyCommand({ RoleName: 'r', PolicyName: 'replication', PolicyDocument: doc }));
    const got = await iam.send(new GetRolePolicyCommand({ RoleName: 'r', PolicyName: 'replication' }));
    expect(got.RoleName).toBe('r');
    expect(got.PolicyName).toBe('replication');
    expect(got.PolicyDocument).not.toContain('{');
    expect(decodeURIComponent(got.PolicyDocument!)).toBe(doc);
  });

  it('replaces a policy put again under the same name', async () => {
    await createRole('r');
    await iam.send(new PutRolePolicyCommand({ RoleName: 'r', PolicyName: 'p', PolicyDocument: POLICY }));
    const second = policyWith({ Effect: 'Deny', Action: 's3:*', Resource: '*' });
    await iam.send(new PutRolePolicyCommand({ RoleName: 'r', PolicyName: 'p', PolicyDocument: second }));
    const got = await iam.send(new GetRolePolicyCommand({ RoleName: 'r', PolicyName: 'p' }));
    expect(decodeURIComponent(got.PolicyDocument!)).toBe(second);
    expect((await iam.send(new ListRolePoliciesCommand({ RoleName: 'r' }))).PolicyNames).toEqual(['p']);
  });

  it('refuses to delete a role that still has inline policies: DeleteConflict 409', async () => {
    await createRole('r');
    await iam.send(new PutRolePolicyCommand({ RoleName: 'r', PolicyName: 'p', PolicyDocument: POLICY }));
    await expectAwsError(iam.send(new DeleteRoleCommand({ RoleName: 'r' })), {
      name: 'DeleteConflictException',
      code: 'DeleteConflict',
      status: 409,
      message: 'Cannot delete entity, must delete policies first.',
    });
    await iam.send(new DeleteRolePolicyCommand({ RoleName: 'r', PolicyName: 'p' }));
    await iam.send(new DeleteRoleCommand({ RoleName: 'r' }));
    await expectAwsError(iam.send(new GetRoleCommand({ RoleName: 'r' })), { name: 'NoSuchEntityException', status: 404 });
  });

  it('answers NoSuchEntity 404 for a missing policy, and for a policy on a missing role', async () => {
    await createRole('r');
    await expectAwsError(iam.send(new GetRolePolicyCommand({ RoleName: 'r', PolicyName: 'none' })), {
      name: 'NoSuchEntityException',
      status: 404,
      message: 'The role policy with name none cannot be found.',
    });
    await expectAwsError(iam.send(new DeleteRolePolicyCommand({ RoleName: 'r', PolicyName: 'none' })), { name: 'NoSuchEntityException', status: 404 });
    await expectAwsError(iam.send(new PutRolePolicyCommand({ RoleName: 'ghost', PolicyName: 'p', PolicyDocument: POLICY })), {
      name: 'NoSuchEntityException',
      status: 404,
      message: 'The role with name ghost cannot be found.',
    });
  });

  const malformed = (doc: string, message: string) =>
    expectAwsError(iam.send(new PutRolePolicyCommand({ RoleName: 'r', PolicyName: 'p', PolicyDocument: doc })), {
      name: 'MalformedPolicyDocumentException',
      code: 'MalformedPolicyDocument',
      status: 400,
      message,
    });

  it('checks permission policies: syntax, principal, actions, resources, Sids', async () => {
    await createRole('r');
    await malformed('not json', 'Syntax errors in policy.');
    await malformed('{"Version":"2012-10-17","Statement":[]}', 'Syntax errors in policy.');
    await malformed(policyWith({ Effect: 'Allow', Action: 's3:*', Resource: '*', Extra: 1 }), 'Syntax errors in policy.');
    await malformed(policyWith({ Effect: 'Allow', Principal: '*', Action: 's3:*', Resource: '*' }), 'Policy document should not specify a principal.');
    await malformed(policyWith({ Effect: 'Allow', Resource: '*' }), 'Policy statement must contain actions.');
    await malformed(policyWith({ Effect: 'Allow', Action: 's3:*' }), 'Policy statement must contain resources.');
    await malformed(policyWith({ Effect: 'Allow', Action: 'GetObject', Resource: '*' }), 'Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.');
    await malformed(policyWith({ Effect: 'Allow', Action: 's3:*', Resource: 'bucket' }), 'Resource bucket must be in ARN format or "*".');
    await malformed(
      JSON.stringify({ Statement: [{ Sid: 'a', Effect: 'Allow', Action: 's3:*', Resource: '*' }, { Sid: 'a', Effect: 'Deny', Action: 's3:*', Resource: '*' }] }),
      'Statement IDs (SID) in a single policy must be unique.',
    );
  });

  it('validates policy names and documents against the model (ValidationError 400)', async () => {
    await createRole('r');
    await expectAwsError(iam.send(new PutRolePolicyCommand({ RoleName: 'r', PolicyName: 'p'.repeat(129), PolicyDocument: POLICY })), {
      name: 'ValidationError',
      status: 400,
      message: /at 'policyName' failed to satisfy constraint: Member must have length less than or equal to 128/,
    });
    await expectAwsError(iam.send(new PutRolePolicyCommand({ RoleName: 'r', PolicyName: 'p', PolicyDocument: '' })), {
      name: 'ValidationError',
      status: 400,
      message: /at 'policyDocument' failed to satisfy constraint: Member must have length greater than or equal to 1/,
    });
  });

  it('limits all inline policies of a role to 10,240 characters, white space not counted: LimitExceeded 409', async () => {
    await createRole('r');
    const resources = (n: number) => Array.from({ length: n }, (_, i) => `arn:aws:s3:::bucket-number-${String(i).padStart(4, '0')}/*`);
    const big = (n: number) => JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: resources(n) }] });
    const nonWhite = (s: string) => s.replace(/\s/g, '').length;
    const first = JSON.stringify(JSON.parse(big(150)), null, 4);
    const second = big(100);
    // Counted without white space the two fit; counted raw they would not.
    expect(first.length + second.length).toBeGreaterThan(10240);
    expect(nonWhite(first) + nonWhite(second)).toBeLessThanOrEqual(10240);
    await iam.send(new PutRolePolicyCommand({ RoleName: 'r', PolicyName: 'one', PolicyDocument: first }));
    await iam.send(new PutRolePolicyCommand({ RoleName: 'r', PolicyName: 'two', PolicyDocument: second }));
    const third = big(30);
    expect(nonWhite(first) + nonWhite(second) + nonWhite(third)).toBeGreaterThan(10240);
    await expectAwsError(iam.send(new PutRolePolicyCommand({ RoleName: 'r', PolicyName: 'three', PolicyDocument: third })), {
      name: 'LimitExceededException',
      code: 'LimitExceeded',
      status: 409,
      message: 'Maximum policy size of 10240 bytes exceeded for role r',
    });
    // Replacing an existing policy counts only its new document.
    await iam.send(new PutRolePolicyCommand({ RoleName: 'r', PolicyName: 'two', PolicyDocument: big(101) }));
  });

  it('pages ListRolePolicies with Marker / MaxItems / IsTruncated', async () => {
    await createRole('r');
    for (const name of ['e', 'c', 'a', 'd', 'b']) {
      await iam.send(new PutRolePolicyCommand({ RoleName: 'r', PolicyName: name, PolicyDocument: POLICY }));
    }
    const seen: string[] = [];
    let marker: string | undefined;
    let pages = 0;
    do {
      const out = await iam.send(new ListRolePoliciesCommand({ RoleName: 'r', MaxItems: 2, Marker: marker }));
      pages++;
      seen.push(...(out.PolicyNames ?? []));
      expect(out.IsTruncated).toBe(out.Marker !== undefined);
      marker = out.Marker;
    } while (marker !== undefined);
    expect(pages).toBe(3);
    expect(seen).toEqual(['a', 'b', 'c', 'd', 'e']);
    await expectAwsError(iam.send(new ListRolePoliciesCommand({ RoleName: 'r', MaxItems: 0 })), {
      name: 'ValidationError',
      status: 400,
      message: /at 'maxItems' failed to satisfy constraint: Member must have value greater than or equal to 1/,
    });
  });
});

describe('updating roles', () => {
  it('replaces the trust policy and checks it', async () => {
    await createRole('r');
    const next = trustWith({ Principal: { Service: ['s3.amazonaws.com', 'batchoperations.s3.amazonaws.com'] } });
    await iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: 'r', PolicyDocument: next }));
    const got = await iam.send(new GetRoleCommand({ RoleName: 'r' }));
    expect(decodeURIComponent(got.Role!.AssumeRolePolicyDocument!)).toBe(next);
    await expectAwsError(iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: 'r', PolicyDocument: '{' })), { name: 'MalformedPolicyDocumentException', status: 400 });
    await expectAwsError(iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: 'ghost', PolicyDocument: next })), { name: 'NoSuchEntityException', status: 404 });
  });

  it('updates the description and session duration', async () => {
    await createRole('r');
    await iam.send(new UpdateRoleCommand({ RoleName: 'r', Description: 'new words', MaxSessionDuration: 7200 }));
    let role = (await iam.send(new GetRoleCommand({ RoleName: 'r' }))).Role!;
    expect(role.Description).toBe('new words');
    expect(role.MaxSessionDuration).toBe(7200);
    const out = await iam.send(new UpdateRoleDescriptionCommand({ RoleName: 'r', Description: 'newer' }));
    expect(out.Role?.Description).toBe('newer');
    role = (await iam.send(new GetRoleCommand({ RoleName: 'r' }))).Role!;
    expect(role.Description).toBe('newer');
    await expectAwsError(iam.send(new UpdateRoleCommand({ RoleName: 'r', MaxSessionDuration: 100 })), { name: 'ValidationError', status: 400 });
  });

  it('tags, untags and lists tags', async () => {
    await createRole('r', { Tags: [{ Key: 'a', Value: '1' }] });
    await iam.send(new TagRoleCommand({ RoleName: 'r', Tags: [{ Key: 'A', Value: '2' }, { Key: 'b', Value: '3' }] }));
    let tags = (await iam.send(new ListRoleTagsCommand({ RoleName: 'r' }))).Tags;
    expect(tags).toEqual([{ Key: 'A', Value: '2' }, { Key: 'b', Value: '3' }]);
    await iam.send(new UntagRoleCommand({ RoleName: 'r', TagKeys: ['a'] }));
    const page = await iam.send(new ListRoleTagsCommand({ RoleName: 'r', MaxItems: 1 }));
    expect(page.Tags).toEqual([{ Key: 'b', Value: '3' }]);
    expect(page.IsTruncated).toBe(false);
    const many = Array.from({ length: 50 }, (_, i) => ({ Key: `k${i}`, Value: 'v' }));
    await expectAwsError(iam.send(new TagRoleCommand({ RoleName: 'r', Tags: many })), { name: 'LimitExceededException', status: 409, message: 'Cannot exceed quota for TagsPerRole: 50' });
    tags = (await iam.send(new ListRoleTagsCommand({ RoleName: 'r' }))).Tags;
    expect(tags).toHaveLength(1);
  });

  it('lists roles by path prefix, in pages', async () => {
    await createRole('z-plain');
    for (const n of ['b', 'a', 'c']) await createRole(`svc-${n}`, { Path: '/service/' });
    const first = await iam.send(new ListRolesCommand({ PathPrefix: '/service/', MaxItems: 2 }));
    expect(first.Roles?.map((r) => r.RoleName)).toEqual(['svc-a', 'svc-b']);
    expect(first.IsTruncated).toBe(true);
    const second = await iam.send(new ListRolesCommand({ PathPrefix: '/service/', MaxItems: 2, Marker: first.Marker }));
    expect(second.Roles?.map((r) => r.RoleName)).toEqual(['svc-c']);
    expect(second.IsTruncated).toBe(false);
    const all = await iam.send(new ListRolesCommand({}));
    expect(all.Roles).toHaveLength(4);
  });
});

describe('what S3 sees of IAM', () => {
  it('makes a new role usable only after the propagation delay', async () => {
    emu.setFaults({ iamPropagationDelayMs: 5000 });
    const arn = (await createRole('slow', { Path: '/p/' })).Role!.Arn!;
    expect(emu.services.iam.roleExists(arn)).toBe(true);
    expect(emu.services.iam.isRoleUsable(arn)).toBe(false);
    clock.advance(4999);
    expect(emu.services.iam.isRoleUsable(arn)).toBe(false);
    clock.advance(1);
    expect(emu.services.iam.isRoleUsable(arn)).toBe(true);
    expect(emu.services.iam.isRoleUsable(`arn:aws:iam::${ACCOUNT_A}:role/slow`)).toBe(false);
  });

  it('exposes the parsed trust policy and inline policies', async () => {
    const arn = (await createRole('r')).Role!.Arn!;
    await iam.send(new PutRolePolicyCommand({ RoleName: 'r', PolicyName: 'p', PolicyDocument: POLICY }));
    expect(emu.services.iam.roleTrustPolicy(arn)).toEqual(JSON.parse(TRUST));
    expect(emu.services.iam.rolePolicyDocuments(arn)).toEqual([JSON.parse(POLICY)]);
    expect(emu.services.iam.roleTrustPolicy(`arn:aws:iam::${ACCOUNT_B}:role/r`)).toBeNull();
    expect(emu.services.iam.rolePolicyDocuments(`arn:aws:iam::${ACCOUNT_B}:role/r`)).toEqual([]);
  });

  it('survives a snapshot and restore', async () => {
    const arn = (await createRole('kept')).Role!.Arn!;
    await iam.send(new PutRolePolicyCommand({ RoleName: 'kept', PolicyName: 'p', PolicyDocument: POLICY }));
    const snap = JSON.parse(JSON.stringify(emu.services.iam.snapshot())) as unknown;
    emu.reset();
    expect(emu.services.iam.roleExists(arn)).toBe(false);
    emu.services.iam.restore(snap);
    const got = await iam.send(new GetRolePolicyCommand({ RoleName: 'kept', PolicyName: 'p' }));
    expect(decodeURIComponent(got.PolicyDocument!)).toBe(POLICY);
  });
});

describe('faults in the IAM wire format', () => {
  it('throttles with Throttling 400 "Rate exceeded"', async () => {
    emu.setFaults({ throttleRate: 1, targets: ['iam:*'] });
    await expectAwsError(createRole('t'), { name: 'Throttling', code: 'Throttling', status: 400, message: 'Rate exceeded' });
  });

  it('fails transiently with ServiceFailure 500', async () => {
    emu.setFaults({ internalErrorRate: 1, targets: ['iam:GetRole'] });
    await createRole('t');
    await expectAwsError(iam.send(new GetRoleCommand({ RoleName: 't' })), { name: 'ServiceFailureException', code: 'ServiceFailure', status: 500 });
  });
});
