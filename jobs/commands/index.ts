import type { Command } from './types';
import { importCommand } from './import';
import { seedCommand } from './seed';
import { workerCommand } from './worker';
import { aggregateCommand } from './aggregate';
import { extractCommand } from './extract';
import { importVotesCommand } from './import-votes';
import { exportCommand } from './export';
import { simulateCommand } from './simulate';
import { taxonomyCommand } from './taxonomy';
import { goldCommand } from './gold';
import { predictionsCommand } from './predictions';
import { pushEmbeddingsCommand } from './push-embeddings';
import { projectDataCommand } from './project-data';
import { projectCommand } from './project';

/** Every `chorus` command; each lives in its own file under jobs/commands/. */
export const COMMANDS: Record<string, Command> = {
  seed: seedCommand,
  worker: workerCommand,
  import: importCommand,
  aggregate: aggregateCommand,
  extract: extractCommand,
  'import-votes': importVotesCommand,
  export: exportCommand,
  simulate: simulateCommand,
  taxonomy: taxonomyCommand,
  gold: goldCommand,
  predictions: predictionsCommand,
  'push-embeddings': pushEmbeddingsCommand,
  'project-data': projectDataCommand,
  project: projectCommand,
};
