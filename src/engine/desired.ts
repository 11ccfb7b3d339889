/**
 * Config → the desired resources, in their normalised shape: every kind in the
 * registry expands the configuration into its own resources. Pure: the only
 * inputs besides the config are the caller's account id and the state lineage
 * (for ownership tags).
 */
import type { Config } from '../config/types.js';
import { allKinds } from '../resources/index.js';
import type { DesiredResource, Expectation, Notice } from '../resources/types.js';

export interface Desired {
  resources: DesiredResource[];
  /** What the plan tells its reader beside the changes (in kind order). */
  notices: Notice[];
  /** Resources the configuration uses but does not create, which must exist (checked after reading). */
  expectations: Expectation[];
}

/**
 * `opts.settle`, when given, is told each resource as it is expanded and what it
 * returns is kept instead (a plan keeps the state's equal objects in place of
 * the new ones, before a kind's next resources are made).
 */
export function desiredResources(config: Config, opts: { accountId: string; lineage: string; settle?: (r: DesiredResource) => DesiredResource }): Desired {
  const notices: Notice[] = [];
  const expectations: Expectation[] = [];
  const ctx = {
    config,
    accountId: opts.accountId,
    lineage: opts.lineage,
    notice: (n: Notice) => notices.push(n),
    expect: (e: Expectation) => expectations.push(e),
  };
  const resources: DesiredResource[] = [];
  for (const k of allKinds()) {
    for (const r of k.expand(ctx)) {
      if (r.kind !== k.kind) throw new Error(`the ${k.kind} kind expanded a resource of kind ${r.kind} (${r.address})`);
      const d = { ...r, attributes: k.normalize(r.attributes) };
      resources.push(opts.settle ? opts.settle(d) : d);
    }
  }
  const addresses = new Set(resources.map((r) => r.address));
  for (const r of resources) {
    const dangling = r.dependsOn.filter((a) => !addresses.has(a));
    if (dangling.length) throw new Error(`${r.address} depends on ${dangling.join(', ')}, which the configuration does not produce`);
  }
  return { resources, notices, expectations };
}
