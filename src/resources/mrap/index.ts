/**
 * Multi-Region Access Points (`multiRegionAccessPoints:`), managed through the
 * us-west-2 control plane with asynchronous operations (./api.ts).
 *
 * The member buckets and Block Public Access settings are fixed when an access
 * point is created, so they are part of its id: changing them plans a replace,
 * and the new access point gets a new alias. Its name must stay unique in the
 * account, so the replacement's create deletes the old one first (and waits),
 * and the old one's delete then finds nothing of its own generation to delete.
 *
 * An accepted creation or deletion is recorded in state before apply waits for
 * it; an access point still CREATING reads as such and plans an update to
 * READY, and apply resumes polling the recorded request (or, when nothing was
 * recorded, sends the same ClientToken again and is handed the same operation).
 */
import type { MultiRegionAccessPointReport } from '@aws-sdk/client-s3-control';
import type { Config, MultiRegionAccessPointConfig } from '../../config/types.js';
import { UserError } from '../../errors.js';
import { bucketAddress } from '../bucket/expand.js';
import type { ApplyContext, Attrs, DesiredResource, ExpandContext, ResourceId, ResourceKind } from '../types.js';
import { readEach } from '../util.js';
import { createAccessPoint, deleteAccessPoint, getAccessPoint, membersOf, type AccessPointSpec, type OperationOptions } from './api.js';

export const mrapAddress = (name: string): string => `mrap.${name}`;

/** Block Public Access settings as one id value, e.g. `acls,ignore-acls,policy,restrict` (all on). */
const PAB_WORDS = [
  ['BlockPublicAcls', 'acls'],
  ['IgnorePublicAcls', 'ignore-acls'],
  ['BlockPublicPolicy', 'policy'],
  ['RestrictPublicBuckets', 'restrict'],
] as const;

type Pab = AccessPointSpec['publicAccessBlock'];

function pabOf(ap: MultiRegionAccessPointConfig): Pab {
  const p = ap.publicAccessBlock;
  return { BlockPublicAcls: p.blockPublicAcls, IgnorePublicAcls: p.ignorePublicAcls, BlockPublicPolicy: p.blockPublicPolicy, RestrictPublicBuckets: p.restrictPublicBuckets };
}

export function pabId(p: Partial<Pab> | undefined): string {
  return PAB_WORDS.filter(([k]) => p?.[k] === true).map(([, w]) => w).join(',') || 'none';
}

function pabFromId(id: string): Pab {
  const on = new Set(id.split(','));
  return { BlockPublicAcls: on.has('acls'), IgnorePublicAcls: on.has('ignore-acls'), BlockPublicPolicy: on.has('policy'), RestrictPublicBuckets: on.has('restrict') };
}

/** The id of an access point: its name and what cannot change without replacing it. */
export function mrapId(config: Config, ap: MultiRegionAccessPointConfig): ResourceId {
  return { name: ap.name, members: [...new Set(ap.buckets)].sort().join(','), publicAccessBlock: pabId(pabOf(ap)) };
}

function members(config: Config, ap: MultiRegionAccessPointConfig, accountId: string): Attrs[] {
  return [...new Set(ap.buckets)]
    .map((b) => config.buckets[b]!)
    .map((b) => ({ bucket: b.name, region: b.region, account: b.account && b.account !== accountId ? b.account : null }))
    .sort((a, b) => String(a.region).localeCompare(String(b.region)));
}

function liveAttrs(ap: MultiRegionAccessPointReport, accountId: string): Attrs {
  return {
    buckets: (ap.Regions ?? [])
      .map((r) => ({ bucket: r.Bucket ?? '', region: r.Region ?? '', account: r.BucketAccountId && r.BucketAccountId !== accountId ? r.BucketAccountId : null }))
      .sort((a, b) => a.region.localeCompare(b.region)),
    publicAccessBlock: pabId(ap.PublicAccessBlock as Partial<Pab> | undefined),
    status: ap.Status ?? null,
    alias: ap.Alias ?? null,
  };
}

function spec(r: { id: ResourceId; attributes: Attrs }): AccessPointSpec {
  const buckets = (r.attributes.buckets as Array<{ bucket: string; account: string | null }>).map((b) => ({ bucket: b.bucket, ...(b.account ? { account: b.account } : {}) }));
  return { name: r.id.name!, buckets, publicAccessBlock: pabFromId(r.id.publicAccessBlock!) };
}

/** Whether the live access point is of another generation than `id` (other members or Block Public Access settings). */
function otherGeneration(ap: MultiRegionAccessPointReport, id: ResourceId): boolean {
  return membersOf(ap) !== id.members || pabId(ap.PublicAccessBlock as Partial<Pab>) !== id.publicAccessBlock;
}

/** Progress, and the operation the state records (resumed, not sent again) and how to record a new one. */
function operations(ctx: ApplyContext): OperationOptions {
  return { log: ctx.log, ...(ctx.operation ? { recorded: ctx.operation } : {}), record: (op) => ctx.recordOperation(op) };
}

async function ensure(ctx: ApplyContext, r: DesiredResource, replacing: boolean): Promise<Attrs> {
  const name = r.id.name!;
  const existing = await getAccessPoint(ctx.aws, ctx.accountId, name);
  if (existing && otherGeneration(existing, r.id)) {
    if (!replacing) {
      throw new UserError(
        `Multi-Region Access Point ${name} exists with other member buckets or Block Public Access settings (${membersOf(existing)}; ${pabId(existing.PublicAccessBlock as Partial<Pab>)}) and s3repl does not manage it`,
        'its buckets cannot be changed in place: delete it yourself, or give the access point another name',
      );
    }
    // A replacement: the name is taken by the previous generation, which must go first.
    ctx.log(`deleting the previous Multi-Region Access Point ${name} (alias ${existing.Alias ?? '?'}) to create it with ${r.id.members!}; its alias will change`);
    await deleteAccessPoint(ctx.aws, ctx.accountId, name, membersOf(existing), operations(ctx));
  }
  const ap = await createAccessPoint(ctx.aws, ctx.accountId, spec(r), operations(ctx));
  ctx.log(`Multi-Region Access Point ${name} is ${ap.Status ?? 'ready'}: alias ${ap.Alias ?? '?'}`);
  return { alias: ap.Alias ?? null, status: ap.Status ?? null };
}

export const mrap: ResourceKind = {
  kind: 'mrap',
  phase: 7,
  doc: {
    address: '`mrap.NAME`',
    resource: 'a Multi-Region Access Point (`multiRegionAccessPoints:`)',
    notes: 'asynchronous, waited for; new member buckets or Block Public Access settings replace it (the alias changes)',
  },
  describe: (id) => `Multi-Region Access Point ${id.name} (${(id.members ?? '').split(',').join(', ')})`,
  expand({ config, accountId }: ExpandContext): DesiredResource[] {
    return Object.values(config.multiRegionAccessPoints).map((ap) => ({
      address: mrapAddress(ap.name),
      kind: 'mrap',
      id: mrapId(config, ap),
      attributes: { buckets: members(config, ap, accountId), publicAccessBlock: pabId(pabOf(ap)), status: 'READY' },
      dependsOn: [...new Set(ap.buckets)].filter((b) => config.buckets[b]?.create).map(bucketAddress),
    }));
  },
  normalize: (a) => a,
  // Fixed at creation (docs/aws-behaviour.md, "One bucket per Region, fixed at creation"). They are
  // also in the id, so a configuration change is an id change; this catches the live access point
  // differing from its id: one made outside s3repl under the configured name is refused, not adopted.
  requiresReplace: {
    buckets: 'the member buckets are fixed when an access point is created',
    publicAccessBlock: 'Block Public Access settings are fixed when an access point is created',
  },
  readMany: (ctx, items) =>
    readEach(ctx, items, async (id) => {
      const ap = await getAccessPoint(ctx.aws, ctx.accountId, id.name!);
      return ap ? liveAttrs(ap, ctx.accountId) : null;
    }),
  // Creates it; in a replace, the previous generation under the same name is deleted first.
  create: (ctx, r) => ensure(ctx, r, true),
  // Only the status can differ without a replace (an access point still being
  // created), unless s3repl has no state for it: then it refuses to replace it.
  update: async (ctx, r) => {
    await ensure(ctx, r, false);
  },
  async delete(ctx, _address, id) {
    const live = await getAccessPoint(ctx.aws, ctx.accountId, id.name!);
    // Another generation under this name (the replacement) is not this resource.
    if (!live || membersOf(live) !== id.members) return;
    await deleteAccessPoint(ctx.aws, ctx.accountId, id.name!, id.members!, operations(ctx));
  },
  explainIdChange(prior, next, _desired, priorLive) {
    if (prior.name !== next.name || (prior.members === next.members && prior.publicAccessBlock === next.publicAccessBlock)) return [];
    return [
      `its member buckets and Block Public Access settings are fixed at creation: the access point is deleted and created again, and its alias${priorLive.alias ? ` (${String(priorLive.alias)})` : ''} and ARN change: update the clients that use them`,
    ];
  },
  explain: (live) =>
    live.status && live.status !== 'READY' ? [`the access point is ${String(live.status)}: apply waits for it to become READY (resuming the operation under way)`] : [],
};
