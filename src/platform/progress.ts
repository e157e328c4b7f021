// Progress of a long job: on a terminal, one line redrawn in place with what is done out of the total,
// the rate and the time left; elsewhere (Scheduler, a detached dyno), a log line a minute at most.
import type { Logger } from './logger.ts';

export interface Progress {
  /** Says how much there is to do, once it is known. */
  setTotal(total: number): void;
  advance(by: number): void;
  readonly done: number;
  readonly total: number | undefined;
  /** Wipes the line on a terminal, so that a log line can be written; the next update redraws it. */
  clear(): void;
  /** Draws the last state and ends the line; nothing more is drawn after it. */
  finish(): void;
}

export interface ProgressOptions {
  label: string;
  /** A terminal gets the redrawn line; anything else gets nothing but the log lines. */
  stream: NodeJS.WritableStream & { isTTY?: boolean };
  logger?: Logger;
  /** Milliseconds, for tests. */
  clock?: () => number;
  drawEveryMs?: number;
  logEveryMs?: number;
}

const number = new Intl.NumberFormat('en-GB');

/** "45 s", "3 min 20 s", "2 h 5 min". */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

/** The figures of one moment: done, the total, the rate a second, and the seconds left. */
export function progressFigures(done: number, total: number | undefined, elapsedMs: number) {
  const rate = elapsedMs > 0 ? (done * 1000) / elapsedMs : 0;
  const left = total !== undefined && rate > 0 ? Math.max(0, total - done) / rate : undefined;
  return { done, total, rate, secondsLeft: left };
}

export function progressLine(label: string, figures: ReturnType<typeof progressFigures>): string {
  const { done, total, rate, secondsLeft } = figures;
  const amount =
    total === undefined
      ? number.format(done)
      : `${number.format(done)} of ${number.format(total)}` +
        (total > 0 ? ` (${Math.floor((done / total) * 100)}%)` : '');
  const speed = rate > 0 ? `, ${number.format(Math.round(rate))} a second` : '';
  const eta =
    secondsLeft !== undefined && done > 0 ? `, about ${formatDuration(secondsLeft)} left` : '';
  return `${label}: ${amount}${speed}${eta}`;
}

export function createProgress(options: ProgressOptions): Progress {
  const clock = options.clock ?? (() => performance.now());
  const drawEveryMs = options.drawEveryMs ?? 250;
  const logEveryMs = options.logEveryMs ?? 60_000;
  const tty = options.stream.isTTY === true;
  const started = clock();
  let done = 0;
  let total: number | undefined;
  let drawnAt = -Infinity;
  let loggedAt = started;
  let finished = false;

  const figures = () => progressFigures(done, total, clock() - started);
  const draw = () => {
    options.stream.write(`\r\x1b[2K${progressLine(options.label, figures())}`);
    drawnAt = clock();
  };
  const update = () => {
    if (finished) return;
    const now = clock();
    if (tty && now - drawnAt >= drawEveryMs) draw();
    if (!tty && options.logger && now - loggedAt >= logEveryMs) {
      const { rate, secondsLeft } = figures();
      options.logger.info(
        {
          done,
          total,
          rate: Math.round(rate),
          secondsLeft: secondsLeft && Math.round(secondsLeft),
        },
        progressLine(options.label, figures()),
      );
      loggedAt = now;
    }
  };

  return {
    setTotal(value) {
      total = value;
      update();
    },
    advance(by) {
      done += by;
      update();
    },
    get done() {
      return done;
    },
    get total() {
      return total;
    },
    clear() {
      if (!tty || finished || drawnAt === -Infinity) return;
      options.stream.write('\r\x1b[2K');
      drawnAt = -Infinity;
    },
    finish() {
      if (finished) return;
      if (tty) {
        draw();
        options.stream.write('\n');
      }
      finished = true;
    },
  };
}
