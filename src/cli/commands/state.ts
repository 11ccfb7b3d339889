/**
 * `s3repl state list | show ADDRESS | rm ADDRESS...`: inspect the state and
 * forget resources without touching AWS. `rm` takes the state lock like apply
 * does and bumps the serial.
 */
import { stringify as toYaml } from 'yaml';
import { UserError } from '../../errors.js';
import { StateSession } from '../../state/session.js';
import type { StateBackend, StateDocument } from '../../state/types.js';
import { awsFor } from '../aws.js';
import { outputFor, type GlobalArgs } from '../common.js';
import { lockTimeoutOption, parseDuration } from '../duration.js';
import type { Output } from '../output.js';
import { stateBackendForConfig } from '../state-backend.js';
import { Interrupted, interruptible, type InterruptScope } from '../interrupt.js';
import { openLockedSession } from '../locking.js';
import type { CommandModule } from './types.js';

type Action = 'list' | 'show' | 'rm';

interface Args extends GlobalArgs {
  action: Action;
  addresses?: string[];
  format: 'text' | 'json' | 'yaml';
  'dry-run': boolean;
  'lock-timeout': string;
}

export const stateCommand: CommandModule = {
  command: 'state <action> [addresses..]',
  describe: 'Inspect the state or forget resources: state list | state show ADDRESS | state rm ADDRESS...',
  builder: (y) =>
    lockTimeoutOption(
      y
        .positional('action', {
          choices: ['list', 'show', 'rm'] as const,
          describe: 'list: every address with its kind; show: one resource; rm: forget resources (nothing in AWS is deleted)',
        })
        .positional('addresses', { type: 'string', array: true, describe: 'Resource addresses (show: one; rm: one or more)' })
        .option('format', {
          choices: ['text', 'json', 'yaml'] as const,
          describe: 'Output format (list: text or json, default text; show: yaml or json, default yaml)',
        })
        .option('dry-run', { type: 'boolean', default: false, describe: 'rm: say what would be forgotten, change nothing' }),
    )
      .example('$0 state list', 'Every resource s3repl manages')
      .example('$0 state show replication.src', 'One resource as last applied')
      .example('$0 state rm alarm.old-latency', 'Forget a resource (it stays in AWS)'),
  async run(raw) {
    const args = raw as unknown as Args;
    const o = outputFor(args);
    const aws = awsFor(args);
    try {
      const backend = await stateBackendForConfig(args.config, aws, o);
      const addresses = args.addresses ?? [];
      switch (args.action) {
        case 'list':
          if (addresses.length > 0) throw new UserError('state list takes no addresses');
          return await list(backend, args, o);
        case 'show':
          if (addresses.length !== 1) throw new UserError('state show takes exactly one address');
          return await show(backend, addresses[0]!, args, o);
        case 'rm':
          if (addresses.length === 0) throw new UserError('state rm needs at least one address');
          return await rm(backend, addresses, args, o);
      }
    } finally {
      aws.destroy();
    }
  },
};

async function readOrEmpty(backend: StateBackend, o: Output): Promise<StateDocument | null> {
  const doc = await backend.read();
  if (!doc) o.err(`No state at ${backend.describe()}: s3repl manages nothing there yet.`);
  return doc;
}

async function list(backend: StateBackend, args: Args, o: Output): Promise<number> {
  const format = args.format ?? 'text';
  if (format === 'yaml') throw new UserError('state list supports --format text or json');
  const doc = await readOrEmpty(backend, o);
  const resources = Object.values(doc?.resources ?? {}).sort((a, b) => a.address.localeCompare(b.address));
  if (format === 'json') {
    o.out(JSON.stringify(resources.map((r) => ({ address: r.address, kind: r.kind, id: r.id })), null, 2));
    return 0;
  }
  if (doc && resources.length === 0) o.err(`The state at ${backend.describe()} records no resources (serial ${doc.serial}).`);
  const width = Math.max(0, ...resources.map((r) => r.address.length));
  for (const r of resources) o.out(`${r.address.padEnd(width)}  ${o.c.dim(r.kind)}`);
  return 0;
}

async function show(backend: StateBackend, address: string, args: Args, o: Output): Promise<number> {
  const format = args.format ?? 'yaml';
  if (format === 'text') throw new UserError('state show supports --format yaml or json');
  const doc = await readOrEmpty(backend, o);
  const r = doc?.resources[address];
  if (!r) throw unknownAddresses([address], doc, backend);
  o.out(format === 'json' ? JSON.stringify(r, null, 2) : toYaml(r));
  return 0;
}

async function rm(backend: StateBackend, addresses: string[], args: Args, o: Output): Promise<number> {
  const timeoutMs = parseDuration(args['lock-timeout'], '--lock-timeout');
  const wanted = [...new Set(addresses)];
  if (args['dry-run']) return rmSession(await StateSession.open(backend), backend, wanted, args, o);
  const scope = interruptible({ firstMessage: 'nothing is forgotten unless the state write already started; the lock is released.' });
  try {
    const session = await openLockedSession(backend, o, { operation: 'state rm', timeoutMs, scope });
    return await rmSession(session, backend, wanted, args, o, scope);
  } finally {
    scope.close();
  }
}

async function rmSession(session: StateSession, backend: StateBackend, wanted: string[], args: Args, o: Output, scope?: InterruptScope): Promise<number> {
  try {
    const missing = wanted.filter((a) => !session.get(a));
    // All or nothing: a typo must not leave half the list forgotten.
    if (missing.length > 0) throw unknownAddresses(missing, session.exists ? session.doc : null, backend);
    if (scope?.exitCode !== undefined) {
      await session.close();
      throw new Interrupted(scope.exitCode, 'state rm stopped before writing: nothing was forgotten; the state lock is released');
    }
    for (const a of wanted) {
      if (args['dry-run']) {
        o.out(`Would remove ${a}`);
      } else {
        session.remove(a);
        o.out(`Removed ${a}`);
      }
    }
    await session.close();
  } catch (e) {
    await session.close().catch(() => undefined);
    throw e;
  }
  const n = wanted.length;
  o.err(
    args['dry-run']
      ? `Would forget ${n} resource${n === 1 ? '' : 's'}; nothing changed (--dry-run).`
      : `Forgot ${n} resource${n === 1 ? '' : 's'} (state serial ${session.serial}); nothing in AWS was deleted.`,
  );
  return 0;
}

function unknownAddresses(missing: string[], doc: StateDocument | null, backend: StateBackend): UserError {
  const known = Object.keys(doc?.resources ?? {}).sort();
  const suggestions = missing.flatMap((m) => known.filter((k) => k.includes(m) || m.includes(k.split('.').pop() ?? k)).slice(0, 3));
  return new UserError(
    `not in the state at ${backend.describe()}: ${missing.join(', ')}`,
    suggestions.length > 0 ? `Did you mean: ${[...new Set(suggestions)].join(', ')}? (see s3repl state list)` : 'See s3repl state list for the addresses it records.',
  );
}
