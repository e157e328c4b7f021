// The banner printed once everything is started: each process type and stand-in, and where it runs.
import type { RunningStandIn } from './stand-ins.ts';

export interface BannerProcess {
  readonly name: string;
  readonly command: string;
  readonly url?: string;
}

export interface BannerStandIn {
  readonly name: string;
  readonly envVar: string;
  readonly url: string;
  readonly info?: string;
}

export function bannerLines(
  processes: readonly BannerProcess[],
  standIns: readonly BannerStandIn[],
): string[] {
  const width = Math.max(0, ...[...processes, ...standIns].map((row) => row.name.length)) + 2;
  return [
    ...processes.map(({ name, command, url }) =>
      url ? `${name.padEnd(width)}${url}  (${command})` : `${name.padEnd(width)}${command}`,
    ),
    ...standIns.map(
      ({ name, envVar, url, info }) =>
        `${name.padEnd(width)}${url}  (${envVar}${info ? `; ${info}` : ''})`,
    ),
    'Ctrl-C stops everything.',
  ];
}

/** The banner rows of running stand-ins. */
export function bannerStandIns(running: readonly RunningStandIn[]): BannerStandIn[] {
  return running.map(({ service, started }) => ({
    name: service.name,
    envVar: service.envVar,
    url: started.url,
    ...(started.info ? { info: started.info } : {}),
  }));
}
