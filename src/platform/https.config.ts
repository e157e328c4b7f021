// HTTPS's part of the config: where plain-HTTP requests are sent, what Strict-Transport-Security tells
// browsers, and which domain the cookies belong to.
import { z } from 'zod';
import { ConfigError, configPart } from '../config.ts';
import { PUBLIC_URL, publicUrlOf } from '../email/email.config.ts';
import { PORT } from '../web/web.config.ts';

export const HSTS_MODES = ['off', 'on', 'include-subdomains'] as const;

/** Two years: the longest max-age that any browser or the preload list asks for. */
const MAX_HSTS_AGE = 63_072_000;

/**
 * The domain the session and form cookies are sent to. Unset, they go back to the host that set them
 * alone, which is what a site on one host wants; set it only when subdomains must share a login.
 */
export const COOKIE_DOMAIN = z
  .string()
  .trim()
  .toLowerCase()
  .regex(
    /^(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,63}$/,
    'must be a domain name such as example.org, without a scheme, port or leading dot',
  )
  .optional();

/** Whether `host` is `domain` or one of its subdomains: the hosts a cookie for `domain` reaches. */
export const withinDomain = (host: string, domain: string): boolean =>
  host === domain || host.endsWith(`.${domain}`);

export const httpsConfig = configPart({
  variables: {
    PUBLIC_URL,
    PORT,
    HSTS: z.enum(HSTS_MODES, { error: `must be one of ${HSTS_MODES.join(', ')}` }).default('on'),
    HSTS_MAX_AGE: z.coerce.number().int().min(0).max(MAX_HSTS_AGE).default(31_536_000),
    COOKIE_DOMAIN,
  },
  settings(v) {
    const publicUrl = new URL(publicUrlOf(v));
    const domain = v.COOKIE_DOMAIN;
    if (domain !== undefined && !withinDomain(publicUrl.hostname, domain)) {
      throw new ConfigError([
        `COOKIE_DOMAIN: ${domain} does not cover PUBLIC_URL's host ${publicUrl.hostname}, so no ` +
          `browser would send the cookies back: set it to ${publicUrl.hostname} or a parent of it, or unset it`,
      ]);
    }
    return {
      /** Where a plain-HTTP request is sent: PUBLIC_URL's scheme, host and port, never the request's. */
      origin: publicUrl.origin,
      /** Only a site whose address is https redirects: locally, PUBLIC_URL is plain http. */
      redirect: publicUrl.protocol === 'https:',
      hsts:
        v.HSTS === 'off'
          ? (false as const)
          : { maxAge: v.HSTS_MAX_AGE, includeSubDomains: v.HSTS === 'include-subdomains' },
    };
  },
});
