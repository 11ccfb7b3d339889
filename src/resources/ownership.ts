/**
 * Ownership checked at the last moment: a kind's delete throws NotOwned when
 * what is in AWS now carries no s3repl ownership marks for this state (it was
 * deleted and made again by hand, say). Apply then leaves it in AWS, forgets
 * it, and says so, instead of deleting someone else's resource.
 */
export class NotOwned extends Error {
  constructor(
    /** What was left, e.g. `IAM role s3repl-shop`. */
    readonly what: string,
    /** Why it is not proven s3repl's. */
    readonly why: string,
  ) {
    super(`${what} was left in AWS: ${why}`);
    this.name = 'NotOwned';
  }
}

/** True when tags carry s3repl's mark and this state's lineage. */
export function taggedForLineage(tags: Record<string, string> | undefined, lineage: string | null, managedByTag: string, lineageTag: string): boolean {
  return tags?.[managedByTag] === 's3repl' && lineage !== null && tags[lineageTag] === lineage;
}
