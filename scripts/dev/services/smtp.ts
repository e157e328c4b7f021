// The stand-in for SMTP_URL: a local SMTP server that keeps every email, with a web inbox to read them.
import type { StandIn } from '../stand-ins.ts';

// The inbox keeps one address between runs when it can, so a bookmark keeps working.
const PREFERRED_INBOX_PORT = 1080;

export const smtp: StandIn = {
  name: 'smtp',
  envVar: 'SMTP_URL',
  // The Mailgun add-on's variables, copied into .env, configure SMTP as well.
  alsoSetBy: ['MAILGUN_SMTP_SERVER'],
  async start() {
    // Loaded here, so that a configured SMTP_URL never loads the server's packages.
    const { startSmtpSink } = await import('../smtp-sink.ts');
    const sink = await startSmtpSink({ inboxPort: PREFERRED_INBOX_PORT }).catch((err: unknown) => {
      if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
      return startSmtpSink({ inboxPort: 0 });
    });
    return {
      url: sink.url,
      info: `local inbox at ${sink.inboxUrl}: every email lands there, nothing leaves this machine`,
      stop: () => sink.stop(),
    };
  },
};
