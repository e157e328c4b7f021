// A real SMTP server that keeps every message in memory, with a small web inbox: the stand-in for
// SMTP_URL in development, and the mail server of the tests (which can make it refuse or reject).
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import escapeHtml from 'escape-html';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer, type SMTPServerAddress } from 'smtp-server';

export interface SinkMessage {
  id: number;
  receivedAt: Date;
  envelope: { from: string; to: string[] };
  raw: string;
  parsed: ParsedMail;
}

/** What the server answers a recipient with: accept, a 4xx "try later", or a 5xx "never". */
export type RecipientVerdict = 'accept' | 'temporary' | 'permanent';

export interface SmtpSink {
  url: string;
  port: number;
  inboxUrl: string | undefined;
  messages: SinkMessage[];
  /** Decides per recipient; tests replace it to play a full mailbox or an unknown address. */
  verdict: (address: string) => RecipientVerdict;
  /** Milliseconds to wait before accepting each message: a slow server. */
  delayMs: number;
  /** Decides a client's login (any is accepted by default); tests play a wrong or rotated password. */
  acceptLogin: (user: string, password: string) => boolean;
  /** Resolves once `count` messages have arrived in total. */
  waitFor(count: number, timeoutMs?: number): Promise<SinkMessage[]>;
  stop(): Promise<void>;
}

export interface SinkOptions {
  port?: number;
  /** Also serve the web inbox, on this port (0 picks one). */
  inboxPort?: number;
  /** Speak like a mail provider: STARTTLS with this key and certificate, and a login required. */
  tls?: { key: string; cert: string };
}

class SmtpReply extends Error {
  readonly responseCode: number;
  constructor(code: number, message: string) {
    super(message);
    this.responseCode = code;
  }
}

export async function startSmtpSink(options: SinkOptions = {}): Promise<SmtpSink> {
  const messages: SinkMessage[] = [];
  const waiters: Array<() => boolean> = [];
  const sink: SmtpSink = {
    url: '',
    port: 0,
    inboxUrl: undefined,
    messages,
    verdict: () => 'accept',
    delayMs: 0,
    acceptLogin: () => true,
    waitFor(count, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () =>
            reject(
              new Error(
                `expected ${count} message(s) within ${timeoutMs} ms, got ${messages.length}`,
              ),
            ),
          timeoutMs,
        );
        const check = () => {
          if (messages.length < count) return false;
          clearTimeout(timer);
          resolve(messages.slice(0, count));
          return true;
        };
        if (!check()) waiters.push(check);
      });
    },
    stop: async () => {},
  };

  const smtp = new SMTPServer({
    // A local sink: any login is accepted and nothing is encrypted, unless it plays a provider.
    ...(options.tls
      ? { key: options.tls.key, cert: options.tls.cert, authOptional: false }
      : { authOptional: true, disabledCommands: ['STARTTLS'] }),
    // A reverse DNS lookup of 127.0.0.1 per connection costs more than the rest of the exchange.
    disableReverseLookup: true,
    onAuth(auth, _session, callback) {
      if (sink.acceptLogin(auth.username ?? '', auth.password ?? ''))
        callback(null, { user: 'dev' });
      else callback(new SmtpReply(535, 'Authentication credentials invalid'));
    },
    onRcptTo(address: SMTPServerAddress, _session, callback) {
      const verdict = sink.verdict(address.address);
      if (verdict === 'temporary')
        return callback(new SmtpReply(451, 'Mailbox busy, try again later'));
      // As real servers word it, the address included: what a log of the refusal then holds.
      if (verdict === 'permanent') {
        return callback(
          new SmtpReply(
            550,
            `5.1.1 <${address.address}>: Recipient address rejected: User unknown`,
          ),
        );
      }
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const delay = new Promise((resolve) => setTimeout(resolve, sink.delayMs));
        delay
          .then(() => simpleParser(raw))
          .then(
            (parsed) => {
              messages.push({
                id: messages.length + 1,
                receivedAt: new Date(),
                envelope: {
                  from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
                  to: session.envelope.rcptTo.map((r) => r.address),
                },
                raw,
                parsed,
              });
              for (const check of [...waiters])
                if (check()) waiters.splice(waiters.indexOf(check), 1);
              callback();
            },
            (err: Error) => callback(err),
          );
      });
    },
    logger: false,
    // On stop, clients still connected (a pooled connection) are cut after this long, not 30 s.
    closeTimeout: 200,
  });
  smtp.listen(options.port ?? 0, '127.0.0.1');
  await once(smtp.server, 'listening');
  sink.port = (smtp.server.address() as AddressInfo).port;
  sink.url = `smtp://127.0.0.1:${sink.port}`;

  let inbox: Server | undefined;
  if (options.inboxPort !== undefined) {
    inbox = createServer((req, res) => {
      const id = /^\/messages\/(\d+)$/.exec(req.url ?? '')?.[1];
      const message = id ? messages[Number(id) - 1] : undefined;
      if (req.url === '/messages.json') {
        res.setHeader('Content-Type', 'application/json');
        res.end(JSON.stringify(messages.map(summary)));
      } else if (message) {
        res.setHeader('Content-Type', 'text/html; charset=utf-8');
        res.end(messagePage(message));
      } else {
        res.setHeader('Content-Type', 'text/html; charset=utf-8');
        res.end(listPage(messages));
      }
    });
    inbox.listen(options.inboxPort, '127.0.0.1');
    await once(inbox, 'listening');
    sink.inboxUrl = `http://localhost:${(inbox.address() as AddressInfo).port}`;
  }

  sink.stop = async () => {
    await new Promise<void>((resolve) => smtp.close(() => resolve()));
    if (inbox) {
      inbox.closeAllConnections();
      await new Promise<void>((resolve) => inbox.close(() => resolve()));
    }
  };
  return sink;
}

/** A header's value as sent, unfolded; undefined when the message has none. */
function headerOf(message: SinkMessage, name: string): string | undefined {
  const line = message.parsed.headerLines.find((header) => header.key === name)?.line;
  return line
    ?.slice(line.indexOf(':') + 1)
    .replace(/\r?\n[ \t]+/g, ' ')
    .trim();
}

/** Where a mail client's unsubscribe button goes (List-Unsubscribe), and whether it is one click (RFC 8058). */
function unsubscribeOf(message: SinkMessage) {
  const url = /<(https?:[^>]+)>/.exec(headerOf(message, 'list-unsubscribe') ?? '')?.[1];
  if (!url) return undefined;
  const oneClick = headerOf(message, 'list-unsubscribe-post') === 'List-Unsubscribe=One-Click';
  return { url, oneClick };
}

function summary(message: SinkMessage) {
  const unsubscribe = unsubscribeOf(message);
  return {
    id: message.id,
    receivedAt: message.receivedAt.toISOString(),
    from: message.parsed.from?.text ?? message.envelope.from,
    to: message.envelope.to,
    subject: message.parsed.subject ?? '',
    ...(unsubscribe ? { unsubscribe } : {}),
  };
}

function listPage(messages: SinkMessage[]): string {
  const rows = [...messages]
    .reverse()
    .map((m) => {
      const s = summary(m);
      return `<tr><td>${escapeHtml(s.receivedAt.slice(11, 19))}</td><td>${escapeHtml(s.to.join(', '))}</td><td><a href="/messages/${s.id}">${escapeHtml(s.subject || '(no subject)')}</a></td></tr>`;
    })
    .join('');
  return `<!doctype html><meta charset="utf-8"><meta http-equiv="refresh" content="5"><title>Local inbox</title>
<style>body{font-family:system-ui,sans-serif;margin:2rem}td,th{padding:.3rem .8rem;text-align:left}</style>
<h1>Local inbox</h1><p>Every email the app sends in development lands here; nothing leaves this machine.</p>
<table><tr><th>Time</th><th>To</th><th>Subject</th></tr>${rows || '<tr><td colspan="3">No mail yet.</td></tr>'}</table>`;
}

/** What a mail client shows for List-Unsubscribe: a one-click button POSTs, as RFC 8058 says. */
function unsubscribeButton(unsubscribe: ReturnType<typeof unsubscribeOf>): string {
  if (!unsubscribe) return '';
  if (!unsubscribe.oneClick) {
    return `<p><a href="${escapeHtml(unsubscribe.url)}">Unsubscribe</a> (List-Unsubscribe, no one-click)</p>`;
  }
  return `<form method="post" action="${escapeHtml(unsubscribe.url)}" target="_blank"><input type="hidden" name="List-Unsubscribe" value="One-Click"><button>Unsubscribe</button> with one POST, as a mail client's button does</form>`;
}

function messagePage(message: SinkMessage): string {
  const s = summary(message);
  const html = typeof message.parsed.html === 'string' ? message.parsed.html : undefined;
  return `<!doctype html><meta charset="utf-8"><title>${escapeHtml(s.subject)}</title>
<style>body{font-family:system-ui,sans-serif;margin:2rem}iframe{width:100%;height:24rem;border:1px solid #ccc}pre{white-space:pre-wrap}</style>
<p><a href="/">← Inbox</a></p><h1>${escapeHtml(s.subject)}</h1>
<p>From ${escapeHtml(s.from)} to ${escapeHtml(s.to.join(', '))}</p>
${unsubscribeButton(s.unsubscribe)}
${html ? `<h2>HTML</h2><iframe sandbox srcdoc="${escapeHtml(html)}"></iframe>` : ''}
<h2>Plain text</h2><pre>${escapeHtml(message.parsed.text ?? '')}</pre>
<h2>Source</h2><pre>${escapeHtml(message.raw)}</pre>`;
}
