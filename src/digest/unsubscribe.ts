// Unsubscribe links that need no login: the participant's id and the link's last day, signed with
// UNSUBSCRIBE_SECRET together with the address the email went to, so that a link only ever works for
// the one address it was sent to, and only until it expires.
import { createHmac } from 'node:crypto';
import { DAY_MS } from '../campaign/campaign.ts';
import { equalInConstantTime } from '../platform/secrets.ts';

/** How long a link in a digest keeps working: mail providers and people use it days or weeks later. */
export const UNSUBSCRIBE_LINK_DAYS = 90;

const TOKEN = /^(\d{1,18})\.(\d{1,6})\.([\w-]{43})$/;

export interface UnsubscribeLink {
  userId: string;
  /** The last day (UTC) the link works. */
  expiresOn: Date;
}

export type LinkCheck = 'valid' | 'forged' | 'expired';

const dayNumber = (date: Date) => Math.floor(date.getTime() / DAY_MS);

function signature(secret: string, userId: string, email: string, day: number): string {
  return createHmac('sha256', secret)
    .update(`unsubscribe from the digest\n${userId}\n${email.toLowerCase()}\n${day}`)
    .digest('base64url');
}

/** The token for `user`'s link, working until the end of the (UTC) day `expiresOn` falls on. */
export function unsubscribeToken(
  secret: string,
  user: { id: string; email: string },
  expiresOn: Date,
): string {
  const day = dayNumber(expiresOn);
  return `${user.id}.${day}.${signature(secret, user.id, user.email, day)}`;
}

/** What a token claims, before anything is checked; undefined when it is not even shaped like one. */
export function readUnsubscribeToken(token: string): UnsubscribeLink | undefined {
  const match = TOKEN.exec(token);
  if (!match) return undefined;
  return { userId: match[1]!, expiresOn: new Date(Number(match[2]) * DAY_MS) };
}

/** Whether `token` was signed for `email`, and is still within its days. */
export function checkUnsubscribeToken(
  secret: string,
  token: string,
  email: string,
  now: Date,
): LinkCheck {
  const link = readUnsubscribeToken(token);
  if (!link) return 'forged';
  const day = dayNumber(link.expiresOn);
  const given = token.slice(token.lastIndexOf('.') + 1);
  if (!equalInConstantTime(signature(secret, link.userId, email, day), given)) return 'forged';
  return dayNumber(now) > day ? 'expired' : 'valid';
}
