// One-off job entry point: `node dist/src/job.js <name>`, as Heroku Scheduler and `heroku run` start
// it (`npm run job -- <name>` locally). SIGTERM or Ctrl-C stops it after the batch in hand.
import { jobs } from './jobs.ts';
import { runJob } from './platform/job.ts';
import { runEntryPoint } from './platform/startup.ts';

await runEntryPoint('job', async () => {
  const stop = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    // A second one means now: the batch in hand is not committed, and the next run does it again.
    if (stop.signal.aborted) process.exit(1);
    stop.abort(signal);
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  const code = await runJob(process.argv.slice(2), jobs, {
    env: process.env,
    stderr: process.stderr,
    signal: stop.signal,
  });
  // Exit once the log is written, even if a client library left a timer or a socket behind: a job
  // that lingers is billed, and Scheduler kills it at the next interval.
  process.stdout.write('', () => process.exit(code));
});
