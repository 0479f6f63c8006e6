import type { Command } from './types';
import { importCommand } from './import';
import { seedCommand } from './seed';
import { workerCommand } from './worker';
import { aggregateCommand } from './aggregate';
import { extractCommand } from './extract';

/** Every `chorus` command; each lives in its own file under jobs/commands/. */
export const COMMANDS: Record<string, Command> = {
  seed: seedCommand,
  worker: workerCommand,
  import: importCommand,
  aggregate: aggregateCommand,
  extract: extractCommand,
};
