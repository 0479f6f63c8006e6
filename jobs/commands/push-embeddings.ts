import { parseArgs } from 'node:util';
import { getDbHandle } from '@/db';
import { positiveInt, UsageError, type Command } from './types';

/**
 * `chorus push-embeddings [--model ID] [--no-activate]` pushes a model's embeddings (the active
 * model's by default) to the recommender as a new embedding version. With `--no-activate` the
 * version is left 'ready' — nobody is served from it until a canary (on /models or
 * POST /api/models/canary) or an activation picks it. Prints the result as JSON.
 */
export const pushEmbeddingsCommand: Command = {
  summary: "Push a model's embeddings as a new embedding version (active at once, or 'ready' for a canary with --no-activate)",
  usage: 'chorus push-embeddings [--model ID] [--no-activate]',
  async run(argv, io) {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { model: { type: 'string' }, 'no-activate': { type: 'boolean', default: false } },
    });
    if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
    const modelId = values.model === undefined ? undefined : positiveInt(values.model, '--model');
    const { pushModelEmbeddings } = await import('@/lib/active/service');
    const handle = await getDbHandle();
    const result = await pushModelEmbeddings(handle.db, { modelId, activate: !values['no-activate'] }, null, {
      onProgress: (f, m) => void io.stderr.write(`chorus push-embeddings: ${m} (${Math.round(f * 100)} %)\n`),
    });
    io.stdout.write(JSON.stringify(result) + '\n');
    return 0;
  },
};
