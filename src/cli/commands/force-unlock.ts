/**
 * `s3repl force-unlock LOCK_ID`: removes a state lock left behind by a run
 * that was killed. Only the lock with exactly this id is removed, so a lock
 * taken since by a live run is never broken by a stale id.
 */
import { UserError } from '../../errors.js';
import type { LockInfo } from '../../state/types.js';
import { awsFor } from '../aws.js';
import { outputFor, type GlobalArgs } from '../common.js';
import { confirm } from '../prompt.js';
import { stateBackendForConfig } from '../state-backend.js';
import type { CommandModule } from './types.js';

interface Args extends GlobalArgs {
  'lock-id': string;
  force: boolean;
}

export const forceUnlockCommand: CommandModule = {
  command: 'force-unlock <lock-id>',
  describe: 'Remove a state lock left by a run that was killed (only the lock with this id)',
  builder: (y) =>
    y
      .positional('lock-id', { type: 'string', describe: 'The lock id, as shown in the "state is locked" error' })
      .option('force', {
        type: 'boolean',
        default: false,
        describe: 'Do not ask for confirmation (required when not on a terminal)',
      }),
  async run(raw) {
    const args = raw as unknown as Args;
    const o = outputFor(args);
    const aws = awsFor(args);
    try {
      const backend = await stateBackendForConfig(args.config, aws, o);
      const id = String(args['lock-id']);
      const holder = backend.readLock ? await backend.readLock() : undefined;
      if (holder === null || (holder !== undefined && holder.id !== id)) {
        // Not locked, or locked under another id: forceUnlock refuses with the
        // details; let it, before asking anything.
        await backend.forceUnlock(id);
      }
      if (!args.force) {
        if (!o.interactive) {
          throw new UserError('force-unlock needs --force when not run on a terminal', 'Check that no s3repl run is using the state, then re-run with --force.');
        }
        o.err(describeHolder(holder ?? undefined, backend.describe()));
        o.err('Removing a lock that a running s3repl still holds can corrupt what the state records.');
        if (!(await confirm(`Remove lock ${id}? Only "yes" is accepted: `))) {
          o.err('Not removed.');
          return 1;
        }
      }
      await backend.forceUnlock(id);
      o.err(`${o.c.green('Removed')} the state lock ${id} at ${backend.describe()}.`);
      return 0;
    } finally {
      aws.destroy();
    }
  },
};

function describeHolder(holder: LockInfo | undefined, where: string): string {
  if (!holder) return `The state at ${where} has a lock.`;
  return `The state at ${where} is locked by ${holder.who}@${holder.host} (pid ${holder.pid}) for "${holder.operation}" since ${holder.created}.`;
}
