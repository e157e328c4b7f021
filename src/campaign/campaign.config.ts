// The campaign's part of the config: its name and when it runs.
import { z } from 'zod';
import { ConfigError, configPart, requiredInProduction } from '../config.ts';
import { DAY_MS } from './campaign.ts';

/** Shared with parts that sign messages with the campaign's name. */
export const CAMPAIGN_NAME = z.string().trim().min(1).max(80).default('Winter Photo Contest');

// zod's own ISO validators know the calendar: 2026-02-30 is rejected, not rolled over to March 2.
const instant = z
  .union([z.iso.date(), z.iso.datetime({ offset: true })], {
    error: 'expected an ISO 8601 date such as 2026-12-01 or 2026-12-01T09:00:00Z',
  })
  .transform((value) => new Date(value));

export const campaignConfig = configPart({
  variables: {
    CAMPAIGN_NAME,
    CAMPAIGN_STARTS_AT: requiredInProduction(instant, 'required in production, e.g. 2026-12-01'),
    CAMPAIGN_ENDS_AT: requiredInProduction(instant, 'required in production, e.g. 2027-01-31'),
  },
  settings(v, { now }) {
    // Development gets a campaign that is always running; production must say when it runs.
    const startsAt = v.CAMPAIGN_STARTS_AT ?? new Date(now.getTime() - DAY_MS);
    const endsAt = v.CAMPAIGN_ENDS_AT ?? new Date(now.getTime() + 30 * DAY_MS);
    if (endsAt <= startsAt) {
      throw new ConfigError(['CAMPAIGN_ENDS_AT: must be later than CAMPAIGN_STARTS_AT']);
    }
    return { name: v.CAMPAIGN_NAME, startsAt, endsAt };
  },
});
