import { runExtractCli } from '@/lib/audio/extract-cli';
import type { Command } from './types';

export const extractCommand: Command = {
  summary: 'Extract features from audio files: one JSON object per file (an error object for a bad file)',
  usage: 'chorus extract <file>…',
  run: (argv, io) => runExtractCli(argv, io),
};
