import { parse } from 'csv-parse/sync';
import { TagSchema, type Tag } from './schemas';

/**
 * Reads a taxonomy from a file for `chorus taxonomy init --from`:
 *   - JSON: an array of tags, or an object with a `tags` array (the output of `chorus taxonomy show`);
 *     each tag is `{ key, label, description? }`;
 *   - CSV: a header naming `key,label` and optionally `description`, one tag per line.
 * Returns the tags, or the problems (each naming the entry or line) when any tag is invalid.
 */
export function parseTaxonomyFile(text: string, format: 'json' | 'csv'): { tags: Tag[]; problems: string[] } {
  let entries: { where: string; value: unknown }[];
  if (format === 'json') {
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch (err) {
      return { tags: [], problems: [`not valid JSON: ${(err as Error).message}`] };
    }
    const list = Array.isArray(data) ? data : (data as { tags?: unknown } | null)?.tags;
    if (!Array.isArray(list)) return { tags: [], problems: ['expected an array of tags or an object with a "tags" array'] };
    entries = list.map((value, i) => ({ where: `tag ${i + 1}`, value }));
  } else {
    let records: { record: string[]; info: { lines: number } }[];
    try {
      records = parse(text, { bom: true, info: true, skip_empty_lines: true, trim: true, relax_column_count: true }) as unknown as typeof records;
    } catch (err) {
      return { tags: [], problems: [`unreadable CSV: ${(err as Error).message}`] };
    }
    const header = (records[0]?.record ?? []).map((h) => h.toLowerCase());
    const key = header.indexOf('key');
    const label = header.indexOf('label');
    const description = header.indexOf('description');
    if (key < 0 || label < 0) return { tags: [], problems: ['line 1: the first line must name the columns key,label[,description]'] };
    entries = records.slice(1).map(({ record, info }) => ({
      where: `line ${info.lines}`,
      value: { key: record[key] ?? '', label: record[label] ?? '', ...(description >= 0 ? { description: record[description] ?? '' } : {}) },
    }));
  }
  const problems: string[] = [];
  const tags: Tag[] = [];
  const seen = new Map<string, string>();
  for (const { where, value } of entries) {
    const parsed = TagSchema.safeParse(value);
    if (!parsed.success) {
      problems.push(`${where}: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'tag'}: ${i.message}`).join('; ')}`);
      continue;
    }
    const earlier = seen.get(parsed.data.key);
    if (earlier) {
      problems.push(`${where}: tag key "${parsed.data.key}" already used by ${earlier}`);
      continue;
    }
    seen.set(parsed.data.key, where);
    tags.push(parsed.data);
  }
  if (entries.length === 0) problems.push('the file names no tag');
  return { tags: problems.length ? [] : tags, problems };
}
