/**
 * The IAM role S3 assumes to replicate (roles with `name:`). Tagged as managed
 * by s3repl with the state's lineage, so a crashed apply can recognise its own
 * role, and a role of the same name made by someone else is never taken over.
 */
import {
  CreateRoleCommand,
  DeleteRoleCommand,
  GetRoleCommand,
  TagRoleCommand,
  UntagRoleCommand,
  UpdateAssumeRolePolicyCommand,
  PutRolePermissionsBoundaryCommand,
  DeleteRolePermissionsBoundaryCommand,
  paginateListRolePolicies,
  DeleteRolePolicyCommand,
  GetRolePolicyCommand,
  type Role,
} from '@aws-sdk/client-iam';
import type { AwsClients } from '../../aws/clients.js';
import { isAwsError } from '../../aws/errors.js';
import type { ApplyContext, Json, ResourceKind } from '../types.js';
import { decodePolicy, normalizePolicy } from '../policy-doc.js';
import { readEach, sortedRecord, tagsFromList, tagsToList } from '../util.js';

import { expandRoles, LINEAGE_TAG, MANAGED_BY_TAG } from './expand.js';
import { NotOwned, taggedForLineage } from '../ownership.js';
import type { PolicyDocument } from '../policy-doc.js';

export { LINEAGE_TAG, MANAGED_BY_TAG, roleAddress, roleArnFor } from './expand.js';

export const role: ResourceKind = {
  kind: 'role',
  phase: 2,
  doc: { address: '`role.KEY`', resource: 'a role with `name:`', notes: 'trust: `s3.amazonaws.com` and `batchoperations.s3.amazonaws.com`, no condition, as AWS documents it; tagged with the state\'s lineage' },
  describe: (id) => `IAM role ${id.roleName}`,
  expand: expandRoles,
  // UpdateRole takes no Path (IAM API reference, UpdateRole): a role moves to another path only by being made again.
  requiresReplace: ['path', 'arn'],
  normalize: (a) => ({
    name: a.name ?? null,
    path: a.path ?? '/',
    arn: a.arn ?? null,
    trustPolicy: a.trustPolicy ? (normalizePolicy(a.trustPolicy) as unknown as Json) : null,
    permissionsBoundary: a.permissionsBoundary ?? null,
    tags: sortedRecord(a.tags as Record<string, string> | undefined),
  }),
  readMany(ctx, items) {
    return readEach(ctx, items, async (id) => {
      const role = await readRoleDocument(ctx.aws, id.roleName!);
      if (!role) return null;
      return {
        name: role.RoleName ?? id.roleName!,
        path: role.Path ?? '/',
        arn: role.Arn ?? null,
        trustPolicy: decodePolicy(role.AssumeRolePolicyDocument) as unknown as Json,
        permissionsBoundary: role.PermissionsBoundary?.PermissionsBoundaryArn ?? null,
        tags: tagsFromList(role.Tags),
      };
    });
  },
  iam: {
    policy: 'trust',
    document: (a) => (a.trustPolicy ?? null) as PolicyDocument | null,
    role: (address, id) => ({ address, roleName: id.roleName ?? address }),
  },
  // import adopts a role only with --adopt-role, and then reports the changes itself.
  importCheck: ({ live, known }) => (live && known ? { verdict: 'record' } : { verdict: 'unexpected' }),
  ownedBy: (live, lineage) => taggedForLineage(live.tags as Record<string, string> | undefined, lineage, MANAGED_BY_TAG, LINEAGE_TAG),
  adoptable(live, lineage) {
    const tags = (live.tags ?? {}) as Record<string, string>;
    if (role.ownedBy!(live, lineage)) return true;
    const whose =
      tags[MANAGED_BY_TAG] === 's3repl'
        ? `it is managed by another s3repl state (lineage ${tags[LINEAGE_TAG] ?? 'unknown'})`
        : 'it was not created by s3repl';
    return `IAM role ${String(live.name)} already exists and ${whose}. s3repl will not take it over silently: adopt it with \`s3repl import --adopt-role\`, use it as is with \`arn: ${String(live.arn)}\` under roles:, or choose another name`;
  },
  async create(ctx, r) {
    const a = r.attributes;
    try {
      await ctx.aws.iam().send(
        new CreateRoleCommand({
          RoleName: a.name as string,
          Path: (a.path as string) ?? '/',
          AssumeRolePolicyDocument: JSON.stringify(a.trustPolicy),
          Description: 'S3 replication role managed by s3repl',
          PermissionsBoundary: (a.permissionsBoundary as string | null) ?? undefined,
          Tags: tagsToList(a.tags as Record<string, string>),
        }),
      );
    } catch (e) {
      // A retried create after a crash: the role is ours when it carries our lineage.
      if (!isAwsError(e, 'EntityAlreadyExists')) throw e;
      const live = (await role.readMany(ctx, [{ address: r.address, id: r.id }])).get(r.address);
      if (!live || role.adoptable!(live, ctx.lineage) !== true) throw e;
      await role.update(ctx, r, live);
    }
  },
  async update(ctx, r, live) {
    const a = r.attributes;
    const iam = ctx.aws.iam();
    const name = a.name as string;
    if (JSON.stringify(normalizePolicy(a.trustPolicy)) !== JSON.stringify(live.trustPolicy)) {
      await iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: name, PolicyDocument: JSON.stringify(a.trustPolicy) }));
    }
    const want = (a.tags ?? {}) as Record<string, string>;
    const have = (live.tags ?? {}) as Record<string, string>;
    const stale = Object.keys(have).filter((k) => !(k in want));
    if (stale.length) await iam.send(new UntagRoleCommand({ RoleName: name, TagKeys: stale }));
    if (Object.keys(want).some((k) => have[k] !== want[k])) {
      await iam.send(new TagRoleCommand({ RoleName: name, Tags: tagsToList(want) }));
    }
    if ((a.permissionsBoundary ?? null) !== (live.permissionsBoundary ?? null)) {
      if (a.permissionsBoundary) {
        await iam.send(new PutRolePermissionsBoundaryCommand({ RoleName: name, PermissionsBoundary: a.permissionsBoundary as string }));
      } else {
        await iam.send(new DeleteRolePermissionsBoundaryCommand({ RoleName: name }));
      }
    }
  },
  async delete(ctx: ApplyContext, _address, id) {
    const iam = ctx.aws.iam();
    // Right before deleting: still the role s3repl made (not one made again by hand under the name)?
    const now = await readRoleDocument(ctx.aws, id.roleName!);
    if (!now) return;
    if (!taggedForLineage(tagsFromList(now.Tags), ctx.lineage, MANAGED_BY_TAG, LINEAGE_TAG)) {
      throw new NotOwned(`IAM role ${id.roleName}`, `it has no s3repl ownership tags for this state (${MANAGED_BY_TAG}=s3repl, ${LINEAGE_TAG}=${ctx.lineage}), so it was not made by s3repl or was made again by hand; delete it yourself if it is not needed`);
    }
    try {
      // Inline policies s3repl did not write would block the delete (DeleteConflict):
      // they belong to this role only, so they go with it.
      for (const p of await listInlinePolicyNames(ctx.aws, id.roleName!)) {
        await iam.send(new DeleteRolePolicyCommand({ RoleName: id.roleName, PolicyName: p }));
      }
      await iam.send(new DeleteRoleCommand({ RoleName: id.roleName }));
    } catch (e) {
      if (!isAwsError(e, 'NoSuchEntity')) throw e;
    }
  },
};

/** A role as GetRole returns it; null when there is no such role. */
export async function readRoleDocument(aws: AwsClients, roleName: string): Promise<Role | null> {
  try {
    const r = await aws.iam().send(new GetRoleCommand({ RoleName: roleName }));
    return r.Role ?? null;
  } catch (e) {
    if (isAwsError(e, 'NoSuchEntity')) return null;
    throw e;
  }
}

/** The names of a role's inline policies, all pages. */
export async function listInlinePolicyNames(aws: AwsClients, roleName: string): Promise<string[]> {
  const names: string[] = [];
  for await (const page of paginateListRolePolicies({ client: aws.iam() }, { RoleName: roleName })) names.push(...(page.PolicyNames ?? []));
  return names;
}

/** One inline policy of a role, normalised; null when it does not exist. */
export async function readInlinePolicy(aws: AwsClients, roleName: string, policyName: string): Promise<PolicyDocument | null> {
  try {
    const r = await aws.iam().send(new GetRolePolicyCommand({ RoleName: roleName, PolicyName: policyName }));
    return decodePolicy(r.PolicyDocument);
  } catch (e) {
    // No such policy, or no such role yet.
    if (isAwsError(e, 'NoSuchEntity')) return null;
    throw e;
  }
}
