/** The command registry: one line per command module. */
import type { CommandModule } from './types.js';

export const commands: CommandModule[] = [];
