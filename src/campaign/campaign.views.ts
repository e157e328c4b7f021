// The landing page: the campaign's name, its dates and whether it is open.
import { longDate } from '../platform/dates.ts';
import { html, type SafeHtml } from '../platform/html.ts';
import type { CampaignPhase, CampaignWindow } from './campaign.ts';

function phaseLine(status: CampaignPhase): SafeHtml {
  switch (status.phase) {
    case 'upcoming':
      return html`<p class="phase upcoming">
        Opens in ${status.daysToStart} ${plural(status.daysToStart, 'day')}.
      </p>`;
    case 'running':
      return html`<p class="phase running">
        Open now: ${status.daysLeft} ${plural(status.daysLeft, 'day')} left to take part.
      </p>`;
    case 'ended':
      return html`<p class="phase ended">This campaign has ended. Thank you for taking part!</p>`;
  }
}

function plural(count: number, word: string): string {
  return count === 1 ? word : `${word}s`;
}

export function landingView(campaign: CampaignWindow, status: CampaignPhase): SafeHtml {
  return html`<section class="hero">
    <hgroup>
      <h1>${campaign.name}</h1>
      <p>
        From
        <time datetime="${campaign.startsAt.toISOString()}"
          >${longDate.format(campaign.startsAt)}</time
        >
        to
        <time datetime="${campaign.endsAt.toISOString()}">${longDate.format(campaign.endsAt)}</time>
      </p>
    </hgroup>
    ${phaseLine(status)}
  </section>`;
}
