/**
 * The routing of a Multi-Region Access Point (`routes: { active: [...] }`):
 * TrafficDialPercentage 100 for the active Regions, 0 for every other member.
 * Read and changed at the failover-control endpoints (tried in turn); a change
 * is waited for until it reads back. `s3repl failover` changes routing outside
 * the configuration, which then shows as drift until the configuration follows.
 */
import { readEach } from '../util.js';
import type { Attrs, ResourceKind } from '../types.js';
import { accessPointArn, getAccessPoint, readRoutes, setRoutes } from '../mrap/api.js';
import { mrapAddress, mrapId } from '../mrap/index.js';

export const mrapRoutesAddress = (name: string): string => `mrap-routes.${name}`;

export const mrapRoutes: ResourceKind = {
  kind: 'mrap-routes',
  phase: 9,
  doc: { address: '`mrap-routes.NAME`', resource: 'the active and passive Regions of a Multi-Region Access Point (`routes:`)', notes: 'never deleted (routing belongs to the access point); `s3repl failover` shows as drift' },
  describe: (id) => `routes of Multi-Region Access Point ${id.name}`,
  expand: ({ config }) =>
    Object.values(config.multiRegionAccessPoints)
      .filter((ap) => ap.routes !== undefined)
      .map((ap) => {
        const active = new Set(ap.routes!.active);
        const routes: Record<string, number> = {};
        for (const b of new Set(ap.buckets)) {
          const region = config.buckets[b]!.region;
          routes[region] = active.has(region) ? 100 : 0;
        }
        return {
          address: mrapRoutesAddress(ap.name),
          kind: 'mrap-routes',
          id: mrapId(config, ap),
          attributes: { routes },
          dependsOn: [mrapAddress(ap.name)],
        };
      }),
  normalize: (a) => ({ ...a, routes: Object.fromEntries(Object.entries((a.routes ?? {}) as Record<string, number>).sort(([x], [y]) => x.localeCompare(y))) }),
  readMany: (ctx, items) =>
    readEach(ctx, items, async (id) => {
      const ap = await getAccessPoint(ctx.aws, ctx.accountId, id.name!);
      if (!ap?.Alias || ap.Status !== 'READY') return null;
      const routes = await readRoutes(ctx.aws, ctx.accountId, accessPointArn(ctx.accountId, ap.Alias));
      return mrapRoutes.normalize({ routes: Object.fromEntries(routes.map((r) => [r.region, r.percent])) });
    }),
  async create(ctx, r) {
    const ap = await getAccessPoint(ctx.aws, ctx.accountId, r.id.name!);
    if (!ap?.Alias) throw new Error(`Multi-Region Access Point ${r.id.name!} does not exist`);
    const arn = accessPointArn(ctx.accountId, ap.Alias);
    const want = r.attributes.routes as Record<string, number>;
    const now = await readRoutes(ctx.aws, ctx.accountId, arn, ctx.log);
    // One request with every change: the routing it leaves has an active Region (validated).
    const updates = now.filter((x) => want[x.region] !== undefined && want[x.region] !== x.percent).map((x) => ({ bucket: x.bucket, percent: want[x.region]! }));
    await setRoutes(ctx.aws, ctx.accountId, arn, updates, `routing of Multi-Region Access Point ${r.id.name!}`, { log: ctx.log });
    return { routes: want } as Attrs;
  },
  async update(ctx, r) {
    await mrapRoutes.create(ctx, r);
  },
  async delete() {
    // Routing cannot be removed, only changed; it goes with the access point.
  },
  neverDelete: 'routing belongs to the access point: AWS has no call that removes it, so s3repl leaves it as it is',
};
