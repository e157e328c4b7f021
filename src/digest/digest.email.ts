// The daily digest a participant receives: how the campaign stands, what is new since the last one,
// what they could do next, and a one-click way to stop it (RFC 8058).
import { longDate } from '../platform/dates.ts';
import { html } from '../platform/html.ts';
import type { OutgoingEmail } from '../email/outbox.repo.ts';
import { dayAsDate, daysBetween } from './campaign-day.ts';

export const DIGEST_KIND = 'digest';

/** The figures of one campaign day, the same in every digest of that day. */
export interface DigestFigures {
  participants: number;
  newParticipants: number;
  photos: number;
  newPhotos: number;
  /** The campaign day of the previous digest; null for the first one. */
  previousDay: string | null;
  daysLeft: number;
}

export interface DigestEdition {
  day: string;
  figures: DigestFigures;
}

export interface DigestRecipient {
  id: string;
  email: string;
  displayName: string;
  hasPhoto: boolean;
}

export interface DigestSettings {
  campaignName: string;
  endsAt: Date;
  publicUrl: string;
}

const count = new Intl.NumberFormat('en-GB');

function plural(n: number, one: string, many = `${one}s`): string {
  return `${count.format(n)} ${n === 1 ? one : many}`;
}

/** "since yesterday", "since 1 December", or "since the campaign opened". */
function sinceWhen({ day, figures }: DigestEdition): string {
  if (figures.previousDay === null) return 'since the campaign opened';
  if (daysBetween(figures.previousDay, day) === 1) return 'since yesterday';
  return `since ${longDate.format(dayAsDate(figures.previousDay))}`;
}

function subjectOf(settings: DigestSettings, { figures }: DigestEdition): string {
  const left = figures.daysLeft === 1 ? 'last day' : `${figures.daysLeft} days left`;
  const news =
    figures.newPhotos > 0
      ? `${plural(figures.newPhotos, 'new photo')}`
      : figures.newParticipants > 0
        ? `${plural(figures.newParticipants, 'new participant')}`
        : 'your daily digest';
  return `${settings.campaignName}: ${news}, ${left}`;
}

/**
 * Makes the digests of one edition. What is the same for everyone is worked out once; each message
 * then costs two template fills, which keeps a million of them within the batch job's budget.
 */
export function digestWriter(settings: DigestSettings, edition: DigestEdition) {
  const { figures } = edition;
  const site = `${settings.publicUrl}/`;
  const photoPage = `${settings.publicUrl}/me/photo`;
  const subject = subjectOf(settings, edition);
  const today = longDate.format(dayAsDate(edition.day));
  const since = sinceWhen(edition);
  const news = `${since[0]!.toUpperCase()}${since.slice(1)}: ${plural(figures.newPhotos, 'new photo')} and ${plural(figures.newParticipants, 'new participant')}.`;
  const standing = `In all, ${plural(figures.photos, 'photo')} from ${plural(figures.participants, 'participant')}.`;
  const ends =
    figures.daysLeft === 1
      ? `Today is the last day: the campaign closes on ${longDate.format(settings.endsAt)}.`
      : `The campaign closes on ${longDate.format(settings.endsAt)}: ${figures.daysLeft} days left.`;
  const nudge = {
    text: (hasPhoto: boolean) =>
      hasPhoto
        ? `Your photo is in. Change it any time: ${photoPage}`
        : `You have not added your photo yet. Add it here: ${photoPage}`,
    html: (hasPhoto: boolean) =>
      hasPhoto
        ? html`Your photo is in. <a href="${photoPage}">Change it</a> any time.`
        : html`You have not added your photo yet. <a href="${photoPage}">Add it now</a>.`,
  };

  return (recipient: DigestRecipient, unsubscribeUrl: string): OutgoingEmail => {
    const text = [
      `Hello ${recipient.displayName},`,
      '',
      `Here is how ${settings.campaignName} stands on ${today}.`,
      '',
      news,
      standing,
      ends,
      '',
      nudge.text(recipient.hasPhoto),
      '',
      `Go to the campaign: ${site}`,
      '',
      '-- ',
      `You get this digest once a day because you asked for it, as ${recipient.email}.`,
      `Stop it with one click: ${unsubscribeUrl}`,
    ].join('\n');
    const body = html`<!doctype html>
      <html lang="en">
        <body style="font-family: system-ui, sans-serif; line-height: 1.5">
          <p>Hello ${recipient.displayName},</p>
          <p>Here is how <strong>${settings.campaignName}</strong> stands on ${today}.</p>
          <p>${news}<br />${standing}<br />${ends}</p>
          <p>${nudge.html(recipient.hasPhoto)}</p>
          <p><a href="${site}">Go to the campaign</a></p>
          <p style="color: #666; font-size: 0.9em">
            You get this digest once a day because you asked for it, as ${recipient.email}.
            <a href="${unsubscribeUrl}">Stop it with one click</a>.
          </p>
        </body>
      </html>`;
    return {
      kind: DIGEST_KIND,
      to: { address: recipient.email, name: recipient.displayName },
      subject,
      text,
      html: body.value,
      // RFC 8058: a mail client's unsubscribe button POSTs "List-Unsubscribe=One-Click" to the URL.
      headers: {
        'List-Unsubscribe': `<${unsubscribeUrl}>`,
        'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
      },
    };
  };
}
