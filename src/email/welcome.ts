// The welcome email a new participant receives, in HTML and plain text.
import type { Knex } from 'knex';
import type { WebConfig } from '../deps.ts';
import { longDate } from '../platform/dates.ts';
import { html } from '../platform/html.ts';
import { createOutboxRepo, type OutgoingEmail } from './outbox.repo.ts';

export function welcomeEmail(
  config: Pick<WebConfig, 'campaign' | 'email'>,
  user: { email: string; displayName: string },
): OutgoingEmail {
  const { campaign, email } = config;
  const link = `${email.publicUrl}/`;
  const until = longDate.format(campaign.endsAt);
  const text = [
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
    text,
    html: body.value,
  };
}

// #region queue
/** Queues the welcome email in the signup's transaction: it exists exactly when the account does. */
export async function queueWelcomeEmail(
  trx: Knex.Transaction,
  config: Pick<WebConfig, 'campaign' | 'email'>,
  user: { email: string; displayName: string },
): Promise<void> {
  await createOutboxRepo().enqueue(trx, welcomeEmail(config, user));
}
// #endregion
