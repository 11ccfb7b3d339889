/** The command registry: one line per command module. */
import type { CommandModule } from './types.js';
import { forceUnlockCommand } from './force-unlock.js';
import { stateCommand } from './state.js';
import { planCommand } from './plan.js';
import { applyCommand, destroyCommand } from './apply.js';
import { validateCommand } from './validate.js';
import { importCommand } from './import.js';
import { statusCommand } from './status.js';
import { jobsCommand } from './jobs.js';
import { retryFailedCommand } from './retry-failed.js';
import { driftCommand } from './drift.js';
import { initCommand } from './init.js';

export const commands: CommandModule[] = [
  initCommand,
  validateCommand,
  planCommand,
  applyCommand,
  destroyCommand,
  importCommand,
  driftCommand,
  stateCommand,
  forceUnlockCommand,
  statusCommand,
  jobsCommand,
  retryFailedCommand,
];
