// The welcome email a new participant receives, in HTML and plain text.
import type { Knex } from 'knex';
import type { CampaignWindow } from '../campaign/campaign.ts';
import type { SettingsOf } from '../config.ts';
import { longDate } from '../platform/dates.ts';
import { html } from '../platform/html.ts';
import type { emailConfig } from './email.config.ts';
import { createOutboxRepo, type OutgoingEmail } from './outbox.repo.ts';

/** What the email needs to know besides the participant: any process that loads these parts has it. */
export interface WelcomeSettings {
  campaign: Pick<CampaignWindow, 'name' | 'endsAt'>;
  email: Pick<SettingsOf<typeof emailConfig>, 'publicUrl'>;
}

export function welcomeEmail(
  settings: WelcomeSettings,
  user: { email: string; displayName: string },
): OutgoingEmail {
  const { campaign, email } = settings;
  const link = `${email.publicUrl}/`;
  const until = longDate.format(campaign.endsAt);
  const plainText = [
    `Hello ${user.displayName},`,
    '',
    `Welcome to ${campaign.name}! You can take part until ${until}.`,
    '',
    `Go to the campaign: ${link}`,
    '',
    `You receive this email because you signed up with ${user.email}.`,
  ].join('\n');
  const body = html`<!doctype html>
    <html lang="en">
      <body style="font-family: system-ui, sans-serif; line-height: 1.5">
        <p>Hello ${user.displayName},</p>
        <p>Welcome to <strong>${campaign.name}</strong>! You can take part until ${until}.</p>
        <p><a href="${link}">Go to the campaign</a></p>
        <p style="color: #666">You receive this email because you signed up with ${user.email}.</p>
      </body>
    </html>`;
  return {
    kind: 'welcome',
    to: { address: user.email, name: user.displayName },
    subject: `Welcome to ${campaign.name}`,
    text: plainText,
    html: body.value,
  };
}

/** Queues the welcome email in the signup's transaction: it exists exactly when the account does. */
export async function queueWelcomeEmail(
  trx: Knex.Transaction,
  settings: WelcomeSettings,
  user: { email: string; displayName: string },
): Promise<void> {
  await createOutboxRepo().enqueue(trx, welcomeEmail(settings, user));
}
