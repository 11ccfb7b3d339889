/**
 * AWS's rules for `multiRegionAccessPoints:`, checked on the resolved
 * configuration (docs/aws-behaviour.md, Multi-Region Access Points): the name
 * rules, exactly one bucket per Region, routes that leave at least one Region
 * active, and what a mesh needs. The generated mesh rules themselves go
 * through the ordinary replication checks, reported at the `mesh:` key.
 */
import type { Finding } from './findings.js';
import { didYouMean } from './suggest.js';
import type { Config } from './types.js';

export const MRAP_RULES = {
  'invalid-mrap-name': 'a Multi-Region Access Point name AWS would reject',
  'mrap-duplicate-bucket': 'a bucket listed twice in one Multi-Region Access Point',
  'mrap-one-bucket-per-region': 'two member buckets of a Multi-Region Access Point in one Region',
  'mrap-route-unknown-region': 'routes.active names a Region no member bucket is in',
  'mrap-all-passive': 'routes that would make every Region passive',
  'mesh-without-role': 'mesh: true without a role for the generated rules',
  'mesh-role-conflict': "a mesh member whose replications entry uses another role",
  'mesh-single-bucket': 'a mesh with fewer than two member buckets (warning)',
} as const;

export type MrapRuleId = keyof typeof MRAP_RULES;

/** Why AWS would reject a Multi-Region Access Point name, or undefined (S3 User Guide, MultiRegionAccessPointRestrictions). */
export function mrapNameProblem(name: string): string | undefined {
  if (name.length < 3 || name.length > 50) return `must be 3 to 50 characters long (it is ${name.length})`;
  if (!/^[a-z0-9-]+$/.test(name)) return 'only lowercase letters, digits and hyphens (-) are allowed (no underscores, uppercase letters or periods)';
  if (name.startsWith('-') || name.endsWith('-')) return 'must not begin or end with a hyphen';
  return undefined;
}

type Report = (rule: MrapRuleId | 'unknown-bucket' | 'unknown-role', path: Array<string | number>, message: string, hint?: string, extra?: Partial<Finding>) => void;

export function checkAccessPoints(config: Config, report: Report): void {
  const bucketNames = Object.keys(config.buckets);
  const roleKeys = Object.keys(config.roles);
  for (const [name, ap] of Object.entries(config.multiRegionAccessPoints)) {
    const base = ['multiRegionAccessPoints', name];
    const problem = mrapNameProblem(name);
    if (problem) {
      report('invalid-mrap-name', base, `invalid Multi-Region Access Point name "${name}": ${problem}`, 'names cannot be changed after creation; see https://docs.aws.amazon.com/AmazonS3/latest/userguide/MultiRegionAccessPointRestrictions.html', { anchor: 'key' });
    }

    const seen = new Map<string, number>();
    const byRegion = new Map<string, string>();
    ap.buckets.forEach((bucket, i) => {
      const path = [...base, 'buckets', i];
      if (seen.has(bucket)) {
        report('mrap-duplicate-bucket', path, `bucket "${bucket}" is already listed (buckets[${seen.get(bucket)!}])`);
        return;
      }
      seen.set(bucket, i);
      const b = config.buckets[bucket];
      if (!b) {
        report('unknown-bucket', path, `unknown bucket "${bucket}"${didYouMean(bucket, bucketNames)}`, 'declare it under buckets: (the key is the bucket name)');
        return;
      }
      if (!b.region) return;
      const other = byRegion.get(b.region);
      if (other !== undefined) {
        report('mrap-one-bucket-per-region', path, `buckets "${other}" and "${bucket}" are both in ${b.region}; a Multi-Region Access Point takes exactly one bucket per Region`, 'keep one bucket per Region (replicate within a Region with an ordinary replications: rule)');
      } else {
        byRegion.set(b.region, bucket);
      }
    });

    if (ap.role !== undefined && !config.roles[ap.role]) {
      report('unknown-role', [...base, 'role'], `unknown role "${ap.role}"${didYouMean(ap.role, roleKeys)}`, 'declare it under roles: with name: (s3repl creates it) or arn: (an existing role)');
    }

    if (ap.routes) {
      const routesPath = [...base, 'routes', 'active'];
      const memberRegions = [...byRegion.keys()];
      ap.routes.active.forEach((region, i) => {
        if (!byRegion.has(region)) {
          report('mrap-route-unknown-region', [...routesPath, i], `no member bucket of "${name}" is in ${region}${didYouMean(region, memberRegions)}`, `active Regions are member Regions: ${memberRegions.join(', ') || '(none)'}`);
        }
      });
      if (ap.routes.active.length === 0) {
        report('mrap-all-passive', routesPath, `routes.active is empty: every Region of "${name}" would be passive, which AWS refuses`, 'list at least one member Region as active');
      }
    }

    if (ap.mesh) {
      const meshPath = [...base, 'mesh'];
      if (ap.role === undefined) {
        report('mesh-without-role', meshPath, `mesh: the generated replication rules of "${name}" need a role`, `set multiRegionAccessPoints.${name}.role to a key of roles:`);
      } else {
        for (const bucket of new Set(ap.buckets)) {
          const written = config.replications.find((rep) => rep.source === bucket && rep.origin === undefined);
          if (written && written.role !== ap.role) {
            report('mesh-role-conflict', meshPath, `bucket "${bucket}" replicates with role "${written.role}" under replications:, but the mesh of "${name}" uses role "${ap.role}"; a bucket has one replication configuration and one role`, `use role "${written.role}" for the access point, or the same role in both places`);
          }
        }
      }
      if (new Set(ap.buckets).size < 2) {
        report('mesh-single-bucket', meshPath, `mesh: "${name}" has fewer than two buckets, so there is nothing to replicate`, 'add member buckets, or drop mesh', { severity: 'warning' });
      }
    }
  }
}
