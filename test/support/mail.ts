// A real SMTP server for a test file, stopped when the file ends.
import { startSmtpSink, type SmtpSink } from '../../scripts/dev/smtp-sink.ts';
import { onCleanup } from './cleanup.ts';

export async function smtpSink(): Promise<SmtpSink> {
  const sink = await startSmtpSink();
  onCleanup(() => sink.stop());
  return sink;
}
