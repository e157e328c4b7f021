// `npm run dev [-- <process type>...]`: runs the Procfile's processes like `heroku local` (only the named
// ones, after release, when given); `node scripts/dev.ts run <command> [args...]` runs one command with
// the same environment instead. No process type can be called `run`. (npm checks the Node.js version
// first, with scripts/check-node.js.)
const args = process.argv.slice(2);
let code: number;
if (args[0] === 'run') {
  const { runOnce } = await import('./dev/run.ts');
  code = await runOnce({
    root: process.cwd(),
    env: process.env,
    argv: args.slice(1),
    stderr: process.stderr,
  });
} else {
  const { launch, LAUNCH_USAGE, parseLaunchArgs } = await import('./dev/launcher.ts');
  const help = args.includes('--help') || args.includes('-h');
  let parsed: ReturnType<typeof parseLaunchArgs> | undefined;
  let problem: string | undefined;
  try {
    parsed = help ? undefined : parseLaunchArgs(args);
  } catch (err) {
    problem = (err as Error).message;
  }
  if (parsed === undefined) {
    const { RUN_USAGE } = await import('./dev/run.ts');
    (help ? console.log : console.error)(
      `${problem ? `${problem}\n` : ''}usage: ${LAUNCH_USAGE}\n` +
        `To run one command with the stand-ins: ${RUN_USAGE}`,
    );
    code = help ? 0 : 1;
  } else {
    code = await launch({
      root: process.cwd(),
      env: process.env,
      stdout: process.stdout,
      ...parsed,
    });
  }
}
// Exit once the output is flushed, even if a stand-in's library left a timer or socket behind.
process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
