// SQL for the digest: who wants it, the figures of each campaign day, and the batch that writes a
// day's digests into the outbox, set-based and at most once a participant a day.
import type { Db } from '../platform/db.ts';
import type { OutgoingEmail } from '../email/outbox.repo.ts';
import { DIGEST_KIND, type DigestFigures, type DigestRecipient } from './digest.email.ts';

export interface Edition {
  day: string;
  cutoff: Date;
  figures: DigestFigures;
  finishedAt: Date | null;
  enqueued: number;
}

interface EditionRow {
  campaign_day: string | Date;
  cutoff: Date;
  figures: DigestFigures;
  finished_at: Date | null;
  enqueued: number;
}

// pg returns a date column as a Date at local midnight; its own text form is what the day is.
const dayOf = (value: string | Date): string =>
  typeof value === 'string'
    ? value.slice(0, 10)
    : `${value.getFullYear()}-${String(value.getMonth() + 1).padStart(2, '0')}-${String(value.getDate()).padStart(2, '0')}`;

const toEdition = (row: EditionRow): Edition => ({
  day: dayOf(row.campaign_day),
  cutoff: row.cutoff,
  figures: row.figures,
  finishedAt: row.finished_at,
  enqueued: row.enqueued,
});

/** What the day's figures are counted from: the campaign so far, and what is new in a window. */
export interface FigureCounts {
  participants: number;
  newParticipants: number;
  photos: number;
  newPhotos: number;
}

export function createDigestRepo(db: Db) {
  return {
    async isSubscribed(userId: string): Promise<boolean> {
      return (await db('digest_subscriptions').where({ user_id: userId }).first()) !== undefined;
    },

    async subscribe(userId: string): Promise<void> {
      await db('digest_subscriptions').insert({ user_id: userId }).onConflict('user_id').ignore();
    },

    /** Whether there was a subscription to end. */
    async unsubscribe(userId: string): Promise<boolean> {
      return (await db('digest_subscriptions').where({ user_id: userId }).delete()) > 0;
    },

    async recipient(userId: string): Promise<{ id: string; email: string } | undefined> {
      const row = await db<{ id: string; email: string }>('users')
        .select('id', 'email')
        .where({ id: userId })
        .first();
      return row && { id: String(row.id), email: row.email };
    },

    /** The last edition before `day`, if any: where "new since" starts. */
    async previousEdition(day: string): Promise<Edition | undefined> {
      const row = await db<EditionRow>('digest_editions')
        .where('campaign_day', '<', day)
        .orderBy('campaign_day', 'desc')
        .first();
      return row && toEdition(row);
    },

    async edition(day: string): Promise<Edition | undefined> {
      const row = await db<EditionRow>('digest_editions').where({ campaign_day: day }).first();
      return row && toEdition(row);
    },

    /**
     * Records the day's edition unless a run did already, and returns the one recorded: every run of
     * the day, at once or after a kill, sends the same figures.
     */
    async openEdition(day: string, cutoff: Date, figures: DigestFigures): Promise<Edition> {
      await db('digest_editions')
        .insert({ campaign_day: day, cutoff, figures: JSON.stringify(figures) })
        .onConflict('campaign_day')
        .ignore();
      return (await this.edition(day))!;
    },

    async counts(since: Date, until: Date): Promise<FigureCounts> {
      const { rows } = await db.raw<{ rows: Array<Record<keyof FigureCounts, string>> }>(
        `select
           (select count(*) from users where created_at < :until) as "participants",
           (select count(*) from users where created_at >= :since and created_at < :until)
             as "newParticipants",
           (select count(*) from photo_uploads where status = 'attached' and confirmed_at < :until)
             as "photos",
           (select count(*) from photo_uploads
             where status = 'attached' and confirmed_at >= :since and confirmed_at < :until)
             as "newPhotos"`,
        { since, until },
      );
      const row = rows[0]!;
      return {
        participants: Number(row.participants),
        newParticipants: Number(row.newParticipants),
        photos: Number(row.photos),
        newPhotos: Number(row.newPhotos),
      };
    },

    /** Subscribers who have no digest for `day` yet: what a run has left to do. */
    async dueCount(day: string): Promise<number> {
      const { rows } = await db.raw<{ rows: Array<{ n: string }> }>(
        `select count(*) as n from digest_subscriptions s
          where not exists (select 1 from email_outbox o
                             where o.user_id = s.user_id and o.kind = ? and o.campaign_day = ?)`,
        [DIGEST_KIND, day],
      );
      return Number(rows[0]!.n);
    },

    /**
     * The next `limit` subscribers after `afterUserId` (keyset: one index range, however far in) who
     * have no digest for `day` yet, with what their digest needs. The cursor is repeated on every
     * table: Postgres does not carry it across the joins itself, and without it each batch read the
     * users and the outbox from their first row, so that a million took a quarter of an hour.
     */
    async dueAfter(day: string, afterUserId: string, limit: number): Promise<DigestRecipient[]> {
      const { rows } = await db.raw<{
        rows: Array<{ id: string; email: string; display_name: string; has_photo: boolean }>;
      }>(
        // At most one attached photo a participant (a unique index): the left join adds no rows.
        `select s.user_id as id, u.email, u.display_name, p.user_id is not null as has_photo
           from digest_subscriptions s
           join users u on u.id = s.user_id and u.id > :after
           left join photo_uploads p
             on p.user_id = s.user_id and p.status = 'attached' and p.user_id > :after
          where s.user_id > :after
            and not exists (select 1 from email_outbox o
                             where o.user_id = s.user_id and o.user_id > :after
                               and o.kind = :kind and o.campaign_day = :day)
          order by s.user_id
          limit :limit`,
        { after: afterUserId, kind: DIGEST_KIND, day, limit },
      );
      return rows.map((row) => ({
        id: String(row.id),
        email: row.email,
        displayName: row.display_name,
        hasPhoto: row.has_photo,
      }));
    },

    /**
     * Writes a batch of the day's digests with one statement. The unique index on (user_id, kind,
     * campaign_day) makes a message that another run wrote first add nothing, and a participant who
     * opted out since the batch was read gets none. Returns how many were written.
     */
    async enqueue(
      day: string,
      messages: ReadonlyArray<OutgoingEmail & { userId: string }>,
    ): Promise<number> {
      if (messages.length === 0) return 0;
      const rows = messages.map((m) => ({
        user_id: m.userId,
        kind: m.kind,
        to_address: m.to.address,
        to_name: m.to.name,
        subject: m.subject,
        text_body: m.text,
        html_body: m.html,
        headers: m.headers ?? null,
      }));
      const result = await db.raw<{ rowCount: number }>(
        `insert into email_outbox
           (user_id, kind, campaign_day, to_address, to_name, subject, text_body, html_body, headers)
         select m.user_id, m.kind, ?::date, m.to_address, m.to_name, m.subject, m.text_body,
                m.html_body, m.headers
           from jsonb_to_recordset(?::jsonb) as m(user_id bigint, kind text, to_address text,
                  to_name text, subject text, text_body text, html_body text, headers jsonb)
          where exists (select 1 from digest_subscriptions s where s.user_id = m.user_id)
         on conflict (user_id, kind, campaign_day) where campaign_day is not null do nothing`,
        [day, JSON.stringify(rows)],
      );
      return result.rowCount;
    },

    /** Notes when the day's digest was first complete, and adds what this run wrote. */
    async finishEdition(day: string, enqueued: number): Promise<void> {
      await db('digest_editions')
        .where({ campaign_day: day })
        .update({
          finished_at: db.raw('coalesce(finished_at, now())'),
          enqueued: db.raw('enqueued + ?', [enqueued]),
        });
    },
  };
}

export type DigestRepo = ReturnType<typeof createDigestRepo>;
