// The digest job: writes the campaign day's digest for everyone who asked for it into the outbox, in
// keyset batches of one statement each. Any number of runs, at once or one after a kill, leave exactly
// one digest a participant a day: Scheduler runs it hourly, and from DIGEST_HOUR each run sends what is
// left of the day's.
import { campaignConfig } from '../campaign/campaign.config.ts';
import { campaignPhase, DAY_MS, type CampaignWindow } from '../campaign/campaign.ts';
import { emailConfig } from '../email/email.config.ts';
import { databaseConfig } from '../platform/db.config.ts';
import { openDatabase, type Db } from '../platform/db.ts';
import { defineJob } from '../platform/job.ts';
import type { Progress } from '../platform/progress.ts';
import { dayAsDate, localTime } from './campaign-day.ts';
import { digestConfig, unsubscribeConfig } from './digest.config.ts';
import { digestWriter, type DigestFigures } from './digest.email.ts';
import { createDigestRepo } from './digest.repo.ts';
import { UNSUBSCRIBE_LINK_DAYS, unsubscribeToken } from './unsubscribe.ts';

export interface DigestRunOptions {
  db: Db;
  campaign: CampaignWindow;
  publicUrl: string;
  secret: string;
  timeZone: string;
  hour: number;
  batchSize: number;
  now: Date;
  progress?: Pick<Progress, 'setTotal' | 'advance'>;
  signal?: AbortSignal;
}

export type DigestRunResult = {
  message: string;
  day?: string;
  /** Digests this run wrote; another run's, or an earlier one's, are not counted. */
  enqueued: number;
};

const twoDigits = (n: number) => String(n).padStart(2, '0');
const count = new Intl.NumberFormat('en-GB');
const digests = (n: number) => (n === 1 ? '1 digest' : `${count.format(n)} digests`);

/** Writes what is left of the day's digests; safe to run any number of times, side by side too. */
export async function enqueueDigests(options: DigestRunOptions): Promise<DigestRunResult> {
  const { db, campaign, now, timeZone } = options;
  const phase = campaignPhase(campaign, now);
  if (phase.phase !== 'running') {
    return { message: `nothing to send: the campaign is ${phase.phase}`, enqueued: 0 };
  }
  const { day, hour } = localTime(now, timeZone);
  if (hour < options.hour) {
    return {
      message: `nothing to send yet: the digest of ${day} goes out from ${twoDigits(options.hour)}:00 ${timeZone}, and it is ${twoDigits(hour)}:00 there`,
      day,
      enqueued: 0,
    };
  }
  const repo = createDigestRepo(db);
  // A run later in the day sends only to those who have none yet: who opted in since, or whom a
  // killed run did not reach. The first run of the day fixes the figures they all get.
  let edition = await repo.edition(day);
  const earlier = edition !== undefined;
  if (!edition) {
    const previous = await repo.previousEdition(day);
    const counts = await repo.counts(previous?.cutoff ?? campaign.startsAt, now);
    const figures: DigestFigures = {
      ...counts,
      previousDay: previous?.day ?? null,
      daysLeft: phase.daysLeft,
    };
    edition = await repo.openEdition(day, now, figures);
  }

  const write = digestWriter(
    { campaignName: campaign.name, endsAt: campaign.endsAt, publicUrl: options.publicUrl },
    edition,
  );
  const expiresOn = new Date(dayAsDate(day).getTime() + UNSUBSCRIBE_LINK_DAYS * DAY_MS);
  options.progress?.setTotal(await repo.dueCount(day));
  let enqueued = 0;
  let after = '0';
  // #region batch
  while (!options.signal?.aborted) {
    const batch = await repo.dueAfter(day, after, options.batchSize);
    if (batch.length === 0) break;
    const messages = batch.map((recipient) => {
      const token = unsubscribeToken(options.secret, recipient, expiresOn);
      const url = `${options.publicUrl}/unsubscribe/${token}`;
      return { ...write(recipient, url), userId: recipient.id };
    });
    enqueued += await repo.enqueue(day, messages);
    options.progress?.advance(batch.length);
    after = batch[batch.length - 1]!.id;
  }
  // #endregion
  if (options.signal?.aborted) {
    return { message: `${digests(enqueued)} written for ${day} so far`, day, enqueued };
  }
  await repo.finishEdition(day, enqueued);
  if (enqueued === 0 && earlier) {
    return { message: `nothing left to send for ${day}: everyone has its digest`, day, enqueued };
  }
  return { message: `${digests(enqueued)} written for ${day}`, day, enqueued };
}

export const digestJob = defineJob({
  summary: `writes the day's digest into the outbox for everyone who asked for it (once a campaign day; run it hourly)`,
  parts: {
    database: databaseConfig,
    campaign: campaignConfig,
    email: emailConfig,
    unsubscribe: unsubscribeConfig,
    digest: digestConfig,
  },
  async run({ config, logger, services, progress, signal, now }) {
    const db = openDatabase(config.database, logger, services);
    await services.ready();
    return enqueueDigests({
      db,
      campaign: config.campaign,
      publicUrl: config.email.publicUrl,
      secret: config.unsubscribe.secret,
      ...config.digest,
      now: now(),
      progress,
      signal,
    });
  },
});
