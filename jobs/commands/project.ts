import { parseArgs } from 'node:util';
import { ZodError } from 'zod';
import { getDbHandle } from '@/db';
import { positiveInt, UsageError, type Command } from './types';

/** One line, as every command's usage (the CLI's help indents a single line under the summary). */
const USAGE = [
  'chorus project list [--json]',
  'chorus project create --slug <slug> --name <name> --type valence_arousal|pairwise [--attribute <word>] [--source <source>]… [--artist <artist>]… [--clip <clip id>]… [--overlap N] [--lease-minutes N] [--description <text>]',
  'chorus project add-member --project <slug> --email <email> --role contributor|expert|engineer|admin',
  'chorus project remove-member --project <slug> --email <email>',
  'chorus project sync --project <slug>',
].join(' | ');

const ACTIONS = ['list', 'create', 'add-member', 'remove-member', 'sync'] as const;
type Action = (typeof ACTIONS)[number];

/** Which flags each action takes: any other is a usage error rather than silently ignored. */
const FLAGS: Record<Action, readonly string[]> = {
  list: ['json'],
  create: ['slug', 'name', 'type', 'attribute', 'source', 'artist', 'clip', 'overlap', 'lease-minutes', 'description'],
  'add-member': ['project', 'email', 'role'],
  'remove-member': ['project', 'email'],
  sync: ['project'],
};

const TYPE_WORDS: Record<string, string> = { tags: 'mood tags', valence_arousal: 'valence–arousal', pairwise: 'pairwise' };

/**
 * `chorus project …`: the projects of issue 18 from the command line, acting as the installation
 * (audit rows have no actor). The logic is lib/projects/service.ts, as behind the admin screen.
 */
export const projectCommand: Command = {
  summary: 'List projects, create a valence–arousal or pairwise project, manage its members, sync its clips',
  usage: USAGE,
  async run(argv, io) {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        json: { type: 'boolean' },
        slug: { type: 'string' },
        name: { type: 'string' },
        type: { type: 'string' },
        attribute: { type: 'string' },
        source: { type: 'string', multiple: true },
        artist: { type: 'string', multiple: true },
        clip: { type: 'string', multiple: true },
        overlap: { type: 'string' },
        'lease-minutes': { type: 'string' },
        description: { type: 'string' },
        project: { type: 'string' },
        email: { type: 'string' },
        role: { type: 'string' },
      },
    });
    const [action, ...extra] = positionals;
    if (!ACTIONS.includes(action as Action)) throw new UsageError(`give one of ${ACTIONS.join(', ')}`);
    if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`);
    const given = Object.keys(values).filter((k) => values[k as keyof typeof values] !== undefined);
    const stray = given.find((k) => !FLAGS[action as Action].includes(k));
    if (stray) throw new UsageError(`--${stray} does not go with "${action}"`);
    const need = (flag: 'slug' | 'name' | 'type' | 'project' | 'email' | 'role'): string => {
      const value = values[flag];
      if (!value) throw new UsageError(`${action} needs --${flag}`);
      return value;
    };

    const service = await import('@/lib/projects/service');
    const handle = await getDbHandle();
    const { db } = handle;
    try {
      switch (action as Action) {
        case 'list': {
          const list = await service.listProjectsFor(db, { id: '', role: 'admin' });
          if (values.json) {
            io.stdout.write(JSON.stringify(list, null, 2) + '\n');
            return 0;
          }
          const rows = list.map((p) => [
            p.slug,
            TYPE_WORDS[p.questionType] + (p.attribute ? ` (more ${p.attribute}?)` : ''),
            String(p.itemCount),
            String(p.answerCount),
            p.openToAll ? 'everyone' : 'members',
            p.name,
          ]);
          const head = ['slug', 'type', 'items', 'answers', 'open to', 'name'];
          const width = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
          for (const r of [head, ...rows]) io.stdout.write(r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(width[i]))).join('  ') + '\n');
          return 0;
        }
        case 'create': {
          const settings = {
            overlap: values.overlap === undefined ? 3 : positiveInt(values.overlap, '--overlap'),
            leaseMinutes: values['lease-minutes'] === undefined ? 10 : positiveInt(values['lease-minutes'], '--lease-minutes'),
          };
          const created = await service.createProject(db, null, {
            slug: need('slug'),
            name: need('name'),
            description: values.description,
            questionType: need('type'),
            attribute: values.attribute,
            clipFilter: { sources: values.source, artists: values.artist, clipIds: values.clip },
            settings,
          });
          io.stderr.write(`created project "${created.slug}" (${TYPE_WORDS[created.questionType]}) with ${created.itemCount} clip${created.itemCount === 1 ? '' : 's'}\n`);
          io.stdout.write(JSON.stringify(created, null, 2) + '\n');
          return 0;
        }
        case 'add-member': {
          const { member, created } = await service.addMember(db, null, need('project'), { email: need('email'), role: need('role') });
          io.stderr.write(`${member.email} is ${created ? 'now' : 'from now on'} ${member.role} in "${values.project}"\n`);
          io.stdout.write(JSON.stringify(member) + '\n');
          return 0;
        }
        case 'remove-member': {
          const { findUserByEmail } = await import('@/lib/auth/repo');
          const email = need('email').trim().toLowerCase();
          const user = await findUserByEmail(db, email);
          if (!user) throw new UsageError(`no user with the email "${email}"`);
          await service.removeMember(db, null, need('project'), user.id);
          io.stderr.write(`${email} is no longer a member of "${values.project}"\n`);
          return 0;
        }
        case 'sync': {
          const { findProjectBySlug } = await import('@/lib/projects/repo');
          const slug = need('project');
          const project = await findProjectBySlug(db, slug);
          if (!project || project.archivedAt) throw new UsageError(`no project "${slug}" (chorus project list shows them)`);
          if (project.questionType === 'tags') {
            io.stderr.write(`"${slug}" is a tags project: it takes every clip of the catalog as it arrives; nothing to sync\n`);
            return 0;
          }
          const added = await service.syncProjectItems(db, project.id);
          io.stderr.write(`"${slug}": ${added} clip${added === 1 ? '' : 's'} added\n`);
          io.stdout.write(JSON.stringify({ project: slug, added }) + '\n');
          return 0;
        }
      }
    } catch (err) {
      // Bad values (a slug, a role, an email): said field by field, as a usage mistake.
      if (err instanceof ZodError) throw new UsageError(err.issues.map((i) => `${i.path.join('.') || 'input'}: ${i.message}`).join('; '));
      throw err;
    }
  },
};
