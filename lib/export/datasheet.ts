import { datasetConfigs, MANIFEST_FILE, type SnapshotManifest } from './layout';
import { SPLITS, softLabelColumn, type ExportFormat } from './row';
import { own } from '@/lib/util/dict';

/** Agreement figures computed by the crowd module, passed in as numbers. */
export interface AgreementFigure {
  /** e.g. "Krippendorff's alpha" or "Fleiss' kappa". */
  metric: string;
  overall?: number | null;
  per_tag?: Record<string, number | null>;
}

export interface LabelProcess {
  /** Aggregation method; default "Dawid–Skene". */
  aggregation?: string;
  votes?: number;
  annotators?: number;
  /** Target votes per clip. */
  overlap?: number;
  /** Share of gold (honeypot) clips shown to contributors. */
  gold_rate?: number;
  /** Posterior threshold of a positive hard label. */
  positive_threshold?: number;
  /** Free-text notes on expert review (who, when a clip is escalated). */
  expert_review?: string;
}

export interface DatasheetInput {
  manifest: Omit<SnapshotManifest, 'files' | 'content_sha256'>;
  description?: string;
  /** Human labels and descriptions of the tags, by key. */
  tag_info?: Record<string, { label?: string; description?: string }>;
  label_process?: LabelProcess;
  agreement?: AgreementFigure[];
  /** How splits were made (seed, proportions) for the card. */
  splits?: { seed: number; proportions: Record<string, number> };
  /** Limits known to the caller; the card adds the ones it can see in the counts. */
  known_limits?: string[];
}

/** Licence keys the Hub accepts in `license:`; anything else is declared `other` and listed in the card. */
const HUB_LICENCES = new Set([
  'cc0-1.0',
  'cc-by-2.0',
  'cc-by-2.5',
  'cc-by-3.0',
  'cc-by-4.0',
  'cc-by-sa-3.0',
  'cc-by-sa-4.0',
  'cc-by-nc-2.0',
  'cc-by-nc-3.0',
  'cc-by-nc-4.0',
  'cc-by-nd-4.0',
  'cc-by-nc-nd-3.0',
  'cc-by-nc-nd-4.0',
  'cc-by-nc-sa-2.0',
  'cc-by-nc-sa-3.0',
  'cc-by-nc-sa-4.0',
  'mit',
  'apache-2.0',
  'odc-by',
  'pddl',
  'unknown',
]);

/** A tag is called rare below this share of rows: too few positives for stable per-tag metrics. */
const RARE_TAG_SHARE = 0.01;
/** A test split with fewer positives of a tag than this gives a per-tag F1 too noisy to compare models. */
const MIN_TEST_POSITIVES = 30;

/**
 * The dataset card (README.md): YAML front matter that `datasets` and the Hub read (configs per
 * format, licence, size) followed by a datasheet in the spirit of Gebru et al., "Datasheets for
 * Datasets" (CACM 64(12), 2021): summary, loading, columns, composition, provenance and licences,
 * labelling process, agreement, splits, known limits, integrity. Pure; O(tags × splits + licences).
 */
export function buildDatasheet(input: DatasheetInput): string {
  const m = input.manifest;
  const c = m.counts;
  const licences = Object.keys(c.per_licence);
  const single = licences.length === 1 ? licences[0].toLowerCase() : null;
  const frontMatter = {
    pretty_name: `${m.name} v${m.version}`,
    license: single && HUB_LICENCES.has(single) ? single : 'other',
    task_categories: ['audio-classification'],
    tags: ['music', 'mood', 'multi-label', 'chorus'],
    size_categories: [sizeCategory(c.rows)],
    configs: datasetConfigs(m.formats),
  };

  const out: string[] = [`---\n${toYaml(frontMatter, 0)}---`, ''];
  const section = (title: string, ...lines: string[]) => out.push(`## ${title}`, '', ...lines, '');

  out.push(`# ${m.name} — version ${m.version}`, '');
  out.push(
    input.description ??
      'Music clips labelled with mood tags by a crowd and reviewed by experts in Chorus, with per-tag posteriors.',
    '',
  );
  out.push(
    table(
      ['', ''],
      [
        ['Created', m.created_at],
        ['Rows', fmt(c.rows)],
        ...SPLITS.map((s) => [`Rows in ${s}`, fmt(c.per_split[s] ?? 0)]),
        ['Taxonomy version', String(m.taxonomy_version)],
        ['Model version', m.model_version ?? '—'],
        ['Feature extractor version', m.extractor_version ?? '—'],
        ['Formats', m.formats.join(', ')],
      ],
    ),
    '',
  );

  section('Loading', ...loadingExamples(m.formats));

  section(
    'Columns',
    table(
      ['column', 'meaning'],
      m.columns.map((col) => [`\`${col}\``, columnMeaning(col, m.tags)]),
    ),
    '',
    "In JSONL the `p_<tag>` columns are one object `soft_labels` keyed by tag. In CSV `tags` is `;`-separated, vectors are JSON arrays, and text cells that start with `=`, `+`, `-`, `@`, tab or CR are prefixed with `'` so spreadsheets do not run them as formulas.",
  );

  const labelled = input.tag_info !== undefined;
  const tagRows = m.tags.map((tag) => [
    `\`${tag}\``,
    ...(labelled ? [escapeCell(own(input.tag_info, tag)?.label ?? ''), escapeCell(own(input.tag_info, tag)?.description ?? '')] : []),
    fmt(own(c.per_tag, tag) ?? 0),
    pct((own(c.per_tag, tag) ?? 0) / Math.max(1, c.rows)),
    ...SPLITS.map((s) => fmt(own(own(c.per_split_tag, s), tag) ?? 0)),
  ]);
  section(
    'Composition',
    `Positive hard labels per tag (taxonomy version ${m.taxonomy_version}); a clip may carry several tags or none.`,
    '',
    table(['tag', ...(labelled ? ['label', 'description'] : []), 'positives', 'share', ...SPLITS], tagRows),
    '',
    `Expert-resolved clips: ${fmt(c.expert_resolved)} (${pct(c.expert_resolved / Math.max(1, c.rows))}).`,
  );

  section(
    'Provenance and licences',
    "Every row carries its licence and its provenance (`provenance`, the JSON recorded at ingest: origin URI, importer, uploader, original file name …) and the sha256 of its audio, so each clip can be traced and attributed. Users must honour each row's licence; the dataset as a whole is only as permissive as its most restrictive row.",
    '',
    table(
      ['licence', 'clips', 'share'],
      sortedCounts(c.per_licence).map(([k, v]) => [escapeCell(k), fmt(v), pct(v / Math.max(1, c.rows))]),
    ),
    '',
    table(
      ['source', 'clips'],
      sortedCounts(c.per_source).map(([k, v]) => [escapeCell(k), fmt(v)]),
    ),
    '',
    'Snapshot filters (the definition of this snapshot):',
    '',
    '```json',
    JSON.stringify(m.filters, null, 2),
    '```',
  );

  const lp = input.label_process ?? {};
  section(
    'Labelling process',
    ...[
      'Crowd contributors listened to each clip and voted the mood tags that fit, without seeing other votes; gold (honeypot) clips with known answers were mixed in to measure contributors.',
      `Votes were aggregated per tag with ${lp.aggregation ?? 'Dawid–Skene'} (Dawid & Skene, 1979), which estimates each contributor's reliability and gives a posterior per tag: the \`p_<tag>\` columns.`,
      'Clips the crowd disputed, and clips the model was least sure of, went to expert annotators; an expert decision is final (`expert_resolved = true`) and audited.',
      lp.positive_threshold !== undefined
        ? `A tag is a hard label (\`tags\`) when its posterior is at least ${lp.positive_threshold} or an expert set it.`
        : 'A tag is a hard label (`tags`) when its final decision is positive.',
      ...[
        lp.votes !== undefined ? `Votes: ${fmt(lp.votes)}.` : '',
        lp.annotators !== undefined ? `Contributors: ${fmt(lp.annotators)}.` : '',
        lp.overlap !== undefined ? `Target votes per clip: ${lp.overlap}.` : '',
        lp.gold_rate !== undefined ? `Gold rate: ${pct(lp.gold_rate)}.` : '',
        lp.expert_review ?? '',
      ].filter(Boolean),
    ].map((line) => `- ${line}`),
  );

  const agreement = input.agreement ?? [];
  section(
    'Agreement',
    ...(agreement.length === 0
      ? ['No agreement figures were supplied for this snapshot.']
      : [
          table(
            ['tag', ...agreement.map((a) => escapeCell(a.metric))],
            [
              ['(overall)', ...agreement.map((a) => num(a.overall))],
              ...m.tags.map((tag) => [`\`${tag}\``, ...agreement.map((a) => num(own(a.per_tag, tag)))]),
            ],
          ),
          '',
          'Chance-corrected agreement among crowd votes before aggregation (1 = perfect, 0 = chance). Krippendorff advises against conclusions from alpha below 0.667: for such tags, listeners disagree and the posteriors matter more than the hard labels.',
        ]),
  );

  const sp = input.splits;
  section(
    'Splits',
    `Train / validation / test are assigned by iterative stratification for multi-label data (Sechidis, Tsoumakas & Vlahavas, ECML PKDD 2011), so each tag's positives are spread in the target proportions${sp ? ` (${SPLITS.map((s) => `${s} ${sp.proportions[s]}`).join(', ')}; seed ${sp.seed})` : ''}.`,
    '',
    'Splits are stable across snapshot versions: a clip keeps the split it was first given, and only clips new to a version are stratified, against what each split still lacks. No clip moves from test to train between versions, so test scores of models trained on different versions stay honest.',
  );

  section('Known limits', ...knownLimits(input).map((line) => `- ${line}`));

  section(
    'Integrity',
    `This snapshot is immutable. \`${MANIFEST_FILE}\` lists every file with its size, row count and sha256 (and \`content_sha256\` over the whole list); recompute them to check that nothing changed.`,
  );

  return out.join('\n');
}

function knownLimits(input: DatasheetInput): string[] {
  const { counts: c, tags } = input.manifest;
  const limits = [...(input.known_limits ?? [])];
  const rare = tags.filter((t) => (own(c.per_tag, t) ?? 0) < RARE_TAG_SHARE * c.rows);
  if (rare.length) {
    limits.push(
      `Rare tags (under ${pct(RARE_TAG_SHARE)} of clips): ${rare.map((t) => `\`${t}\``).join(', ')}; expect unstable per-tag metrics.`,
    );
  }
  const thinTest = tags.filter((t) => (own(c.per_split_tag.test, t) ?? 0) < MIN_TEST_POSITIVES);
  if (thinTest.length && c.rows > 0) {
    limits.push(
      `Fewer than ${MIN_TEST_POSITIVES} test positives for ${thinTest.map((t) => `\`${t}\``).join(', ')}: per-tag test scores are noisy.`,
    );
  }
  const unknown = Object.entries(c.per_licence)
    .filter(([k]) => /^(unknown|)$/i.test(k.trim()))
    .reduce((a, [, v]) => a + v, 0);
  if (unknown) limits.push(`${fmt(unknown)} clips have an unknown licence: check before redistributing them.`);
  const nc = Object.entries(c.per_licence)
    .filter(([k]) => /-nc\b|noncommercial/i.test(k))
    .reduce((a, [, v]) => a + v, 0);
  if (nc) limits.push(`${fmt(nc)} clips are under non-commercial licences.`);
  limits.push(
    'Mood is subjective and culture-dependent: labels reflect this contributor pool and this taxonomy version, not a ground truth.',
    'Posteriors are model-based estimates (they assume contributors err independently given the true label); clips with few votes have wide uncertainty.',
    'Clips were chosen for labelling partly by active learning, so the labelled set over-represents clips the model found hard; its tag distribution is not that of the catalog.',
  );
  return limits;
}

function loadingExamples(formats: readonly ExportFormat[]): string[] {
  const configs = datasetConfigs(formats);
  const main = configs[0]?.data_files[0]?.path.replace('train-', '*-') ?? '';
  return [
    '```python',
    'from datasets import load_dataset',
    'ds = load_dataset("path/to/this/folder")  # splits: train, validation, test',
    ...configs.slice(1).map((cfg) => `ds_${cfg.config_name} = load_dataset("path/to/this/folder", "${cfg.config_name}")`),
    '```',
    '',
    '```python',
    'import glob, pandas as pd',
    formats.includes('parquet')
      ? 'train = pd.concat(pd.read_parquet(p) for p in sorted(glob.glob("data/train-*.parquet")))'
      : formats.includes('jsonl')
        ? 'train = pd.concat(pd.read_json(p, lines=True) for p in sorted(glob.glob("data/train-*.jsonl")))'
        : 'train = pd.concat(pd.read_csv(p) for p in sorted(glob.glob("data/train-*.csv")))',
    '```',
    '',
    '```sql',
    `SELECT split, count(*) FROM '${main}' GROUP BY split;  -- DuckDB`,
    '```',
  ];
}

function columnMeaning(col: string, tags: readonly string[]): string {
  const fixed: Record<string, string> = {
    clip_id: 'Chorus clip id (uuid), stable across snapshots',
    sha256: 'sha256 of the audio file (content address)',
    title: 'title as imported',
    artist: 'artist as imported',
    licence: 'licence of the audio',
    provenance: 'provenance recorded at ingest (JSON text)',
    source: 'catalog source (`demo`, `upload`, `import:<file>` …)',
    duration_s: 'clip duration in seconds (null if unknown)',
    tags: 'hard labels: tag keys decided positive',
    vote_count: 'crowd votes cast on the clip',
    expert_resolved: 'an expert settled the labels',
    split: 'train, validation or test',
    taxonomy_version: 'taxonomy version the tags belong to',
    features: 'handcrafted audio feature vector (float32), extractor version in the summary',
    embedding: 'learned embedding (float32) of the model in the summary',
  };
  const tag = tags.find((t) => softLabelColumn(t) === col);
  return tag !== undefined ? `posterior P(\`${tag}\` applies), 0–1` : (own(fixed, col) ?? '');
}

function sizeCategory(n: number): string {
  const bounds: [number, string][] = [
    [1e3, 'n<1K'],
    [1e4, '1K<n<10K'],
    [1e5, '10K<n<100K'],
    [1e6, '100K<n<1M'],
    [1e7, '1M<n<10M'],
    [1e8, '10M<n<100M'],
  ];
  return bounds.find(([b]) => n < b)?.[1] ?? 'n>100M';
}

function sortedCounts(counts: Record<string, number>): [string, number][] {
  return Object.entries(counts).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
}

function table(header: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

/** Values from uploads (licence and source names) must not break the table or inject markup. */
function escapeCell(text: string): string {
  return text.replace(/[\r\n]+/g, ' ').replace(/[|\\`*_<>[\]]/g, (ch) => `\\${ch}`);
}

const fmt = (n: number) => n.toLocaleString('en-US');
const pct = (x: number) => `${(100 * x).toFixed(x > 0 && x < 0.001 ? 3 : 1)}%`;
const num = (x: number | null | undefined) => (x === null || x === undefined ? '—' : x.toFixed(3));

/**
 * Minimal YAML for the front matter: nested maps and lists of strings and numbers. Strings are
 * written as JSON strings, which are valid YAML double-quoted scalars, so no value can break out.
 */
function toYaml(value: unknown, indent: number): string {
  const pad = ' '.repeat(indent);
  const scalar = (v: unknown) => (typeof v === 'number' || typeof v === 'boolean' ? String(v) : JSON.stringify(String(v)));
  if (Array.isArray(value)) {
    return value
      .map((item) => {
        if (item !== null && typeof item === 'object') {
          const body = toYaml(item, indent + 2);
          return `${pad}- ${body.slice(indent + 2)}`;
        }
        return `${pad}- ${scalar(item)}\n`;
      })
      .join('');
  }
  return Object.entries(value as Record<string, unknown>)
    .map(([key, v]) =>
      v !== null && typeof v === 'object'
        ? `${pad}${key}:\n${toYaml(v, indent + (Array.isArray(v) ? 0 : 2))}`
        : `${pad}${key}: ${scalar(v)}\n`,
    )
    .join('');
}
