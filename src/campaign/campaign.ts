// The campaign's phase at a given moment: before it opens, while it runs, after it closes.
export interface CampaignWindow {
  name: string;
  startsAt: Date;
  endsAt: Date;
}

export type CampaignPhase =
  | { phase: 'upcoming'; daysToStart: number }
  | { phase: 'running'; daysLeft: number }
  | { phase: 'ended' };

export const DAY_MS = 24 * 60 * 60 * 1000;

export function campaignPhase(campaign: CampaignWindow, now: Date): CampaignPhase {
  if (now < campaign.startsAt) {
    return {
      phase: 'upcoming',
      daysToStart: Math.ceil((campaign.startsAt.getTime() - now.getTime()) / DAY_MS),
    };
  }
  if (now < campaign.endsAt) {
    return {
      phase: 'running',
      daysLeft: Math.ceil((campaign.endsAt.getTime() - now.getTime()) / DAY_MS),
    };
  }
  return { phase: 'ended' };
}
