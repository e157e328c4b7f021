// The dev library behind `npm run dev`, for the tools, benchmarks and tests: the launcher and its plan, the
// Procfile, the environment, the stand-ins and the embedded servers they run, and the probes they wait with.

// Running the Procfile (`npm run dev`) or one command (`npm run dev -- run …`) with the stand-ins.
export { launch, LAUNCH_USAGE, parseLaunchArgs, type LaunchOptions } from './launcher.ts';
export { runOnce, RUN_USAGE, type RunOptions } from './run.ts';

// What a launch will run, worked out without starting anything.
export {
  instanceEnv,
  launchBanner,
  planLaunch,
  type KnownStandIn,
  type LaunchPlan,
  type PlacedInstance,
  type PlanInput,
  type PlannedInstance,
  type PlanProblem,
} from './launch-plan.ts';
export { bannerLines, type BannerProcess, type BannerStandIn } from './banner.ts';

// The Procfile, its commands, the environment of the processes, and their prefixed output.
export {
  parseProcfile,
  ProcessTypeError,
  ProcfileError,
  RELEASE,
  selectProcessTypes,
  type ProcessType,
} from './procfile.ts';
export { devArgv, devCommand, toArgv } from './command.ts';
export {
  assembleEnv,
  isSet,
  processEnv,
  projectEnv,
  readDotenv,
  webPort,
  type Env,
} from './env.ts';
export { createOutput, type Output } from './output.ts';

// Stand-ins: what one is, the project's list of them, and starting and stopping those needed.
export {
  dataDirOf,
  standInEnv,
  standInsNeeded,
  StandInError,
  startNeededStandIns,
  startStandIns,
  stopStandIns,
  type RunningStandIn,
  type StandIn,
  type StandInContext,
  type StartedStandIn,
} from './stand-ins.ts';
export { services } from './services.ts';

// Waiting for a port or an answer.
export { connects, firstAnswer, freePort, portInUse } from './ready.ts';

// @step 2+
// The embedded servers, for a test or benchmark that wants one of its own, and the stand-ins that run them.
export { startPgliteServer, type PgliteServer } from './pglite.ts';
export { accepts } from './shared-server.ts';
export { createPostgresStandIn, postgres, resetLocalDatabase } from './services/postgres.ts';
// @end
export { startSmtpSink, type SmtpSink } from './smtp-sink.ts'; // @step 3+
// @step 4+
export { startLocalS3, type LocalS3 } from './s3-server.ts';
export { s3 } from './services/s3.ts';
// @end
export { findRedisServer, startLocalRedis, type LocalRedis } from './redis-server.ts'; // @step 5+
