// What db:backup and db:restore print: on a terminal one line redrawn in place, elsewhere a line per change.
import { formatDuration } from '../../src/platform/progress.ts';

export interface Status {
  /**
   * The progress so far: drawn over the last one on a terminal; elsewhere written only when `milestone`
   * changes (a table done, not every byte).
   */
  update(text: string, milestone?: string): void;
  /** A line of its own (a warning from pg_dump, say), kept above the progress line. */
  line(text: string): void;
  /** Ends the progress line; what comes next starts on a fresh one. */
  finish(): void;
}

export function createStatus(
  stream: NodeJS.WritableStream & { isTTY?: boolean },
  prefix: string,
): Status {
  const tty = stream.isTTY === true;
  let drawn: string | undefined;
  let reached: string | undefined;
  const wipe = () => {
    if (tty && drawn !== undefined) stream.write('\r\x1b[2K');
  };
  return {
    update(text, milestone = text) {
      if (tty && text !== drawn) stream.write(`\r\x1b[2K${prefix}: ${text}`);
      if (!tty && milestone !== reached) stream.write(`${prefix}: ${text}\n`);
      drawn = text;
      reached = milestone;
    },
    line(text) {
      wipe();
      stream.write(`${prefix}: ${text}\n`);
      if (tty && drawn !== undefined) stream.write(`${prefix}: ${drawn}`);
    },
    finish() {
      if (tty && drawn !== undefined) stream.write('\n');
      drawn = undefined;
      reached = undefined;
    },
  };
}

/** "812 B", "4.2 kB", "1.5 MB", "2.0 GB". */
export function formatBytes(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let value = bytes / 1000;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}

/** "0.8 s", "12.4 s", then as a job's progress says it: "3 min 20 s". */
export function formatElapsed(ms: number): string {
  const s = ms / 1000;
  return s < 60 ? `${s.toFixed(1)} s` : formatDuration(s);
}
