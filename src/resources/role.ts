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
  ListRolePoliciesCommand,
  DeleteRolePolicyCommand,
} from '@aws-sdk/client-iam';
import { isAwsError } from '../aws/errors.js';
import type { ApplyContext, Json, ResourceKind } from './types.js';
import { decodePolicy, normalizePolicy } from './policy-doc.js';
import { readEach, sortedRecord, tagsFromList, tagsToList } from './util.js';

export const MANAGED_BY_TAG = 'managed-by';
export const LINEAGE_TAG = 's3repl:lineage';

export const role: ResourceKind = {
  kind: 'role',
  phase: 2,
  describe: (id) => `IAM role ${id.roleName}`,
  normalize: (a) => ({
    name: a.name ?? null,
    path: a.path ?? '/',
    arn: a.arn ?? null,
    trustPolicy: a.trustPolicy ? (normalizePolicy(a.trustPolicy) as unknown as Json) : null,
    permissionsBoundary: a.permissionsBoundary ?? null,
    tags: sortedRecord(a.tags as Record<string, string> | undefined),
  }),
  readMany(ctx, items) {
    return readEach(items, async (id) => {
      try {
        const r = await ctx.aws.limit(() => ctx.aws.iam().send(new GetRoleCommand({ RoleName: id.roleName })));
        const role = r.Role!;
        return {
          name: role.RoleName ?? id.roleName!,
          path: role.Path ?? '/',
          arn: role.Arn ?? null,
          trustPolicy: decodePolicy(role.AssumeRolePolicyDocument) as unknown as Json,
          permissionsBoundary: role.PermissionsBoundary?.PermissionsBoundaryArn ?? null,
          tags: tagsFromList(role.Tags),
        };
      } catch (e) {
        if (isAwsError(e, 'NoSuchEntity')) return null;
        else throw e;
      }
    });
  },
  adoptable(live, lineage) {
    const tags = (live.tags ?? {}) as Record<string, string>;
    if (tags[MANAGED_BY_TAG] === 's3repl' && lineage !== null && tags[LINEAGE_TAG] === lineage) return true;
    const whose =
      tags[MANAGED_BY_TAG] === 's3repl'
        ? `it is managed by another s3repl state (lineage ${tags[LINEAGE_TAG] ?? 'unknown'})`
        : 'it was not created by s3repl';
    return `IAM role ${String(live.name)} already exists and ${whose}. s3repl will not take it over silently: adopt it with \`s3repl import --adopt-role\`, use it as is with \`arn: ${String(live.arn)}\` under roles:, or choose another name`;
  },
  async create(ctx, r) {
    const a = r.attributes;
    try {
      await ctx.aws.limit(() =>
        ctx.aws.iam().send(
          new CreateRoleCommand({
            RoleName: a.name as string,
            Path: (a.path as string) ?? '/',
            AssumeRolePolicyDocument: JSON.stringify(a.trustPolicy),
            Description: 'S3 replication role managed by s3repl',
            PermissionsBoundary: (a.permissionsBoundary as string | null) ?? undefined,
            Tags: tagsToList(a.tags as Record<string, string>),
          }),
        ),
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
      await ctx.aws.limit(() =>
        iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: name, PolicyDocument: JSON.stringify(a.trustPolicy) })),
      );
    }
    const want = (a.tags ?? {}) as Record<string, string>;
    const have = (live.tags ?? {}) as Record<string, string>;
    const stale = Object.keys(have).filter((k) => !(k in want));
    if (stale.length) await ctx.aws.limit(() => iam.send(new UntagRoleCommand({ RoleName: name, TagKeys: stale })));
    if (Object.keys(want).some((k) => have[k] !== want[k])) {
      await ctx.aws.limit(() => iam.send(new TagRoleCommand({ RoleName: name, Tags: tagsToList(want) })));
    }
    if ((a.permissionsBoundary ?? null) !== (live.permissionsBoundary ?? null)) {
      if (a.permissionsBoundary) {
        await ctx.aws.limit(() =>
          iam.send(new PutRolePermissionsBoundaryCommand({ RoleName: name, PermissionsBoundary: a.permissionsBoundary as string })),
        );
      } else {
        await ctx.aws.limit(() => iam.send(new DeleteRolePermissionsBoundaryCommand({ RoleName: name })));
      }
    }
  },
  async delete(ctx: ApplyContext, _address, id) {
    const iam = ctx.aws.iam();
    try {
      // Inline policies s3repl did not write would block the delete (DeleteConflict):
      // they belong to this role only, so they go with it.
      const policies = await ctx.aws.limit(() => iam.send(new ListRolePoliciesCommand({ RoleName: id.roleName })));
      for (const p of policies.PolicyNames ?? []) {
        await ctx.aws.limit(() => iam.send(new DeleteRolePolicyCommand({ RoleName: id.roleName, PolicyName: p })));
      }
      await ctx.aws.limit(() => iam.send(new DeleteRoleCommand({ RoleName: id.roleName })));
    } catch (e) {
      if (!isAwsError(e, 'NoSuchEntity')) throw e;
    }
  },
};
