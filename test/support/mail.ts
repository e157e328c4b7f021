// A real SMTP server for a test file, stopped when the file ends.
import { after } from 'node:test';
import { startSmtpSink, type SmtpSink } from '../../scripts/dev/smtp-sink.ts';

const sinks: SmtpSink[] = [];

after(async () => {
  for (const sink of sinks.splice(0)) await sink.stop();
});

export async function smtpSink(): Promise<SmtpSink> {
  const sink = await startSmtpSink();
  sinks.push(sink);
  return sink;
}
