import { and, eq, sql } from 'drizzle-orm';
import { execRows, type Db, type DbOrTx } from '@/db/client';
import { aggregates, clips, expertDecisions, leases } from '@/db/schema';
import { labelingReasons } from '@/lib/active/signals-repo';
import { recordAudit } from '@/lib/audit/repo';
import { disputeReason } from '@/lib/crowd/clip-state';
import { upsertAggregates } from '@/lib/crowd/repo';
import { AppError } from '@/lib/errors';
import { isUniqueViolation, reclaimExpiredLeases } from '@/lib/queue/repo';
import type { ProjectSettings } from '@/lib/settings/schemas';
import { assertKnownTags } from '@/lib/taxonomy/repo';
import type { Taxonomy } from '@/lib/taxonomy/schemas';
import { processWide } from '@/lib/util/process-wide';
import type { DecisionInput } from './schemas';

export interface ReviewLease {
  id: string;
  clipId: string;
  expiresAt: Date;
  secondOpinion: boolean;
  reasons: string[];
}

/**
 * The uncertainty from which an open clip goes to experts: the absolute threshold, or lower when
 * the active model's `expertUncertainShare` quantile is (the least-sure share of its predictions).
 * Infinity without an active model. Cached per (model, share): a model's scores change only when
 * it is rescored, which gives the same scores again.
 */
const cutCache = processWide('expert-uncertainty-cut', () => new Map<string, number>());
export async function expertUncertaintyCut(db: DbOrTx, settings: ProjectSettings): Promise<number> {
  const [active] = await execRows<{ id: number }>(db, sql`select id from models where status = 'active' limit 1`);
  if (!active) return Infinity;
  const share = settings.expertUncertainShare;
  const key = `${active.id}:${share}`;
  let quantile = cutCache.get(key);
  if (quantile === undefined) {
    const [row] = await execRows<{ q: number | null }>(
      db,
      sql`select percentile_disc(${1 - share}::float8) within group (order by uncertainty) as q
          from predictions where model_id = ${active.id}`,
    );
    if (row?.q == null) return settings.expertUncertaintyThreshold;
    quantile = share > 0 ? Number(row.q) : Infinity;
    if (cutCache.size > 64) cutCache.clear();
    cutCache.set(key, quantile);
  }
  return Math.min(settings.expertUncertaintyThreshold, quantile);
}

/**
 * Leases the next clip for an expert, in this order: clips someone sent here by hand (an explicit
 * request outranks any sampling), decisions sampled for a second opinion (never the expert's own),
 * then crowd disputes, then open clips the active model is most unsure of — each by queue priority. One expert holds a clip at a time (unique partial index).
 *
 * Gold clips never enter the expert queue (issue 22, finding 5): their answer is known, so a
 * decision adds nothing (and would overwrite the gold-clamped labels), and the review item shows
 * the clip's posteriors — for a gold clip, the gold answer, which the expert is later scored
 * against when they label in the crowd queue.
 */
export async function leaseNextReview(db: Db, expertId: string, settings: ProjectSettings): Promise<ReviewLease | null> {
  await reclaimExpiredLeases(db);
  // A clip made gold while it was held (from this very screen) has left review: its lease goes
  // back, or the expert would be handed it again on every visit until the lease expired.
  await execRows(
    db,
    sql`update leases l set state = 'released'
        where l.user_id = ${expertId} and l.state = 'active' and l.queue = 'expert'
          and exists (select 1 from gold_answers g where g.clip_id = l.clip_id)
        returning l.id`,
  );
  const [held] = await db
    .select({ id: leases.id, clipId: leases.clipId, expiresAt: leases.expiresAt })
    .from(leases)
    .where(and(eq(leases.userId, expertId), eq(leases.state, 'active'), eq(leases.queue, 'expert')))
    .limit(1);
  const cut = await expertUncertaintyCut(db, settings);
  if (held) return { ...held, ...(await describe(db, held.clipId, expertId, settings, cut)) };
  for (let attempt = 0; attempt < 5; attempt++) {
    const [candidate] = await execRows<{ id: string; second: boolean }>(
      db,
      sql`with second as (
            select d.clip_id as id, true as second, 3 as rank, c.priority from expert_decisions d join clips c on c.id = d.clip_id
            where d.second_opinion_wanted and d.user_id <> ${expertId}
          ), disputed as (
            select c.id, false as second,
                   case when exists (select 1 from audit_log a where a.entity = 'clip' and a.entity_id = c.id::text and a.action = 'clip.escalate')
                        then 4 else 2 end as rank,
                   c.priority
            from clips c where c.label_state = 'disputed'
          ), uncertain as (
            select c.id, false as second, 1 as rank, p.uncertainty as priority
            from predictions p join models m on m.id = p.model_id and m.status = 'active' join clips c on c.id = p.clip_id
            where c.label_state = 'open' and p.uncertainty >= ${cut}
          ), candidates as (
            select * from second union all select * from disputed union all select * from uncertain
          )
          select k.id, k.second from candidates k
          where not exists (select 1 from leases l where l.clip_id = k.id and l.state = 'active' and l.queue = 'expert')
            and not exists (select 1 from gold_answers g where g.clip_id = k.id)
            and not exists (select 1 from expert_decisions d where d.clip_id = k.id and d.user_id = ${expertId})
          order by k.rank desc, k.priority desc, k.id
          limit 1`,
    );
    if (!candidate) return null;
    try {
      const [lease] = await db
        .insert(leases)
        .values({
          clipId: candidate.id,
          userId: expertId,
          queue: 'expert',
          expiresAt: sql`now() + make_interval(secs => ${settings.leaseSeconds * 3})` as unknown as Date,
        })
        .returning({ id: leases.id, clipId: leases.clipId, expiresAt: leases.expiresAt });
      return { ...lease, ...(await describe(db, lease.clipId, expertId, settings, cut)) };
    } catch (err) {
      // Another expert took it a moment ago: look for the next one.
      if (isUniqueViolation(err)) continue;
      throw err;
    }
  }
  return null;
}

async function describe(db: DbOrTx, clipId: string, expertId: string, settings: ProjectSettings, cut: number) {
  const [row] = await execRows<{ state: string; second: boolean; uncertainty: number | null; votes: number; escalated_by: string | null }>(
    db,
    sql`select c.label_state as state,
               (select u.role from audit_log a left join users u on u.id = a.actor_id
                 where a.entity = 'clip' and a.entity_id = c.id::text and a.action = 'clip.escalate'
                 order by a.at desc limit 1) as escalated_by,
               (select count(*)::int from votes v where v.clip_id = c.id and v.kind in ('vote', 'targeted')) as votes,
               exists (select 1 from expert_decisions d where d.clip_id = c.id and d.second_opinion_wanted and d.user_id <> ${expertId}) as second,
               (select p.uncertainty from predictions p join models m on m.id = p.model_id and m.status = 'active' where p.clip_id = c.id) as uncertainty
        from clips c where c.id = ${clipId}`,
  );
  const reasons: string[] = [];
  if (row?.second) reasons.push('Sampled for a second, independent expert opinion (expert–expert agreement)');
  // A clip sent here by hand is not a crowd dispute: say who sent it (the role, never the person).
  if (row?.state === 'disputed' && row.escalated_by) reasons.push(`Sent to review by ${row.escalated_by === 'admin' ? 'an admin' : `an ${row.escalated_by}`}`);
  if (row?.state === 'disputed' && !(row.escalated_by && Number(row.votes) === 0)) {
    // The honest story: which tags are in doubt, with their votes, and how many votes there were.
    const tags = await execRows<{ tag: string; posterior: number; yes_votes: number; no_votes: number }>(
      db,
      sql`select a.tag, a.posterior, a.yes_votes, a.no_votes from aggregates a where a.clip_id = ${clipId} order by a.tag`,
    );
    reasons.push(
      disputeReason({
        votes: Number(row.votes),
        maxVotes: Math.max(settings.maxVotes, settings.minVotes),
        threshold: settings.consensusThreshold,
        tags: tags.map((t) => ({ tag: t.tag, posterior: Number(t.posterior), yes: Number(t.yes_votes), no: Number(t.no_votes) })),
      }),
    );
  }
  if (row?.uncertainty != null && row.uncertainty >= cut) {
    const share = Math.round(settings.expertUncertainShare * 1000) / 10;
    reasons.push(
      row.uncertainty >= settings.expertUncertaintyThreshold
        ? `The model is unsure of it (uncertainty ${row.uncertainty.toFixed(2)}, at or above the ${settings.expertUncertaintyThreshold} threshold)`
        : `The model is among the ${share} % of clips it is least sure of (uncertainty ${row.uncertainty.toFixed(2)})`,
    );
  }
  // Drift and listener feedback (issue 20): the boosts the last rescore gave it, in words.
  for (const reason of await labelingReasons(db, clipId)) reasons.push(reason.charAt(0).toUpperCase() + reason.slice(1));
  return { secondOpinion: Boolean(row?.second), reasons };
}

/**
 * Records an expert's decision. A first decision is final for aggregation: the clip's per-tag
 * labels become the expert's (posterior 1 or 0, method 'expert'), the state becomes
 * expert_resolved, and the audit log keeps before → after. A second opinion is stored for
 * agreement only and changes no label.
 */
export async function recordDecision(
  db: Db,
  expertId: string,
  input: DecisionInput,
  taxonomy: Taxonomy,
  sampleSecondOpinion: boolean,
): Promise<{ decisionId: string; clipId: string; replayed: boolean; secondOpinion: boolean }> {
  return db.transaction(async (tx) => {
    const [lease] = await execRows<{ id: string; clip_id: string; user_id: string; state: string; queue: string; expired: boolean }>(
      tx,
      sql`select id, clip_id, user_id, state, queue, expires_at < now() as expired from leases where id = ${input.leaseId} for update`,
    );
    if (!lease || lease.user_id !== expertId || lease.queue !== 'expert') throw new AppError('NOT_FOUND', 'No such review lease for you');
    const [previous] = await tx
      .select()
      .from(expertDecisions)
      .where(and(eq(expertDecisions.userId, expertId), eq(expertDecisions.idempotencyKey, input.idempotencyKey)))
      .limit(1);
    if (previous) {
      // A key names one answer: on another clip it is a reused key, not a replay (as for votes).
      if (previous.clipId !== lease.clip_id) {
        throw new AppError('IDEMPOTENCY_KEY_REUSED', 'This idempotency key was already used for a decision on another clip; send a new key for each decision');
      }
      return { decisionId: previous.id, clipId: previous.clipId, replayed: true, secondOpinion: previous.isSecondOpinion };
    }
    if (lease.state === 'completed') throw new AppError('DUPLICATE', 'You already decided this clip');
    if (lease.state !== 'active' || lease.expired) throw new AppError('LEASE_EXPIRED', 'Your review lease expired; open the next clip');
    assertKnownTags(taxonomy, input.tags);
    const tags = [...new Set(input.tags)].sort();

    const [wanted] = await tx
      .select({ id: expertDecisions.id })
      .from(expertDecisions)
      .where(and(eq(expertDecisions.clipId, lease.clip_id), eq(expertDecisions.secondOpinionWanted, true)))
      .for('update');
    const isSecond = Boolean(wanted);
    const before = {
      labelState: (await tx.select({ s: clips.labelState }).from(clips).where(eq(clips.id, lease.clip_id)))[0]?.s,
      labels: Object.fromEntries(
        (await tx.select().from(aggregates).where(eq(aggregates.clipId, lease.clip_id))).map((a) => [a.tag, Number(a.posterior.toFixed(4))]),
      ),
    };
    const [decision] = await tx
      .insert(expertDecisions)
      .values({
        clipId: lease.clip_id,
        userId: expertId,
        taxonomyVersion: taxonomy.version,
        tags,
        note: input.note,
        before,
        isSecondOpinion: isSecond,
        secondOpinionWanted: !isSecond && sampleSecondOpinion,
        idempotencyKey: input.idempotencyKey,
      })
      .returning();
    if (isSecond) {
      await tx.update(expertDecisions).set({ secondOpinionWanted: false }).where(eq(expertDecisions.id, wanted.id));
    } else {
      await upsertAggregates(
        tx,
        taxonomy.tags.map((t) => {
          const yes = tags.includes(t.key);
          return { clipId: lease.clip_id, tag: t.key, posterior: yes ? 1 : 0, label: yes, confidence: 1, yesVotes: 0, noVotes: 0, method: 'expert' };
        }),
      );
      await tx.update(clips).set({ labelState: 'expert_resolved', stateChangedAt: new Date() }).where(eq(clips.id, lease.clip_id));
    }
    await tx.update(leases).set({ state: 'completed' }).where(eq(leases.id, lease.id));
    await recordAudit(tx, {
      actorId: expertId,
      action: isSecond ? 'review.second_opinion' : 'review.decide',
      entity: 'clip',
      entityId: lease.clip_id,
      before,
      after: { labelState: isSecond ? before.labelState : 'expert_resolved', tags, note: input.note },
    });
    return { decisionId: decision.id, clipId: lease.clip_id, replayed: false, secondOpinion: isSecond };
  });
}

/** Pairs of (first decision, second opinion) per clip, for expert–expert agreement. */
export async function decisionPairs(db: DbOrTx): Promise<{ clipId: string; first: string[]; second: string[] }[]> {
  const rows = await execRows<{ clip_id: string; first: string[]; second: string[] }>(
    db,
    sql`select f.clip_id, f.tags as first, s.tags as second
        from expert_decisions f join expert_decisions s on s.clip_id = f.clip_id and s.is_second_opinion and s.user_id <> f.user_id
        where not f.is_second_opinion`,
  );
  return rows.map((r) => ({ clipId: r.clip_id, first: r.first, second: r.second }));
}
