/**
 * The policy of a Multi-Region Access Point (`policy:`), put with the
 * asynchronous PutMultiRegionAccessPointPolicy and read back as the Proposed
 * policy (the last one put; Established follows once it has propagated).
 * AWS has no operation that removes it: it goes with the access point.
 */
import { GetMultiRegionAccessPointPolicyCommand, PutMultiRegionAccessPointPolicyCommand } from '@aws-sdk/client-s3-control';
import { isAwsError } from '../../aws/errors.js';
import { canonical, readEach } from '../util.js';
import type { Attrs, Json, ResourceKind } from '../types.js';
import { clientToken, control, waitForOperation } from '../mrap/api.js';
import { mrapAddress, mrapId } from '../mrap/index.js';

export const mrapPolicyAddress = (name: string): string => `mrap-policy.${name}`;

export const mrapPolicy: ResourceKind = {
  kind: 'mrap-policy',
  phase: 8,
  doc: { address: '`mrap-policy.NAME`', resource: 'the policy of a Multi-Region Access Point (`policy:`)', notes: 'never deleted: AWS has no call that removes it' },
  describe: (id) => `policy of Multi-Region Access Point ${id.name}`,
  expand: ({ config }) =>
    Object.values(config.multiRegionAccessPoints)
      .filter((ap) => ap.policy !== undefined)
      .map((ap) => ({
        address: mrapPolicyAddress(ap.name),
        kind: 'mrap-policy',
        // The access point's generation: a replaced access point needs its policy put again.
        id: mrapId(config, ap),
        attributes: { policy: ap.policy as Json },
        dependsOn: [mrapAddress(ap.name)],
      })),
  normalize: (a) => ({ ...a, policy: canonical(a.policy ?? null) }),
  readMany: (ctx, items) =>
    readEach(ctx, items, async (id) => {
      try {
        const r = await control(ctx.aws).send(new GetMultiRegionAccessPointPolicyCommand({ AccountId: ctx.accountId, Name: id.name }));
        const text = r.Policy?.Proposed?.Policy ?? r.Policy?.Established?.Policy;
        if (!text) return null;
        return { policy: JSON.parse(text) as Json } as Attrs;
      } catch (e) {
        if (isAwsError(e, 'NoSuchMultiRegionAccessPoint')) return null;
        throw e;
      }
    }),
  async create(ctx, r) {
    const name = r.id.name!;
    const policy = JSON.stringify(r.attributes.policy);
    const out = await control(ctx.aws).send(
      new PutMultiRegionAccessPointPolicyCommand({ AccountId: ctx.accountId, ClientToken: clientToken('put-policy', ctx.accountId, name, r.id.members ?? '', policy), Details: { Name: name, Policy: policy } }),
    );
    if (!out.RequestTokenARN) throw new Error('PutMultiRegionAccessPointPolicy returned no RequestTokenARN');
    await waitForOperation(ctx.aws, ctx.accountId, out.RequestTokenARN, `putting the policy of Multi-Region Access Point ${name}`, { log: ctx.log });
  },
  async update(ctx, r) {
    await mrapPolicy.create(ctx, r);
  },
  async delete() {
    // No API removes a Multi-Region Access Point policy; a replaced access point takes its old policy with it.
  },
  neverDelete: 'AWS has no call that removes a Multi-Region Access Point policy; it stays until the access point is deleted',
};
