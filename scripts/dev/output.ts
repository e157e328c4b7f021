// Prefixed output: every line of every process on its own line, behind its padded (and coloured) name.
import { styleText } from 'node:util';

type Colour = Parameters<typeof styleText>[0];

// Red stays free so that it only ever means trouble in the app's own logs.
const PALETTE: readonly Colour[] = ['cyan', 'magenta', 'green', 'yellow', 'blue'];

/** The name the launcher itself writes under. */
export const LAUNCHER = 'dev';

export interface Output {
  /** Writes `text` for `name`, one prefixed line per line of text. */
  readonly line: (name: string, text: string) => void;
  /** Writes a line from the launcher. */
  readonly say: (text: string) => void;
}

/** `web     | ` for a column `width` wide. */
export function prefix(name: string, width: number): string {
  return `${name.padEnd(width)} | `;
}

/** The colour of each name: the launcher's is grey, process types take turns through the palette. */
export function colours(names: readonly string[]): Map<string, Colour> {
  const map = new Map<string, Colour>([[LAUNCHER, 'gray']]);
  let next = 0;
  for (const name of names) {
    if (!map.has(name)) map.set(name, PALETTE[next++ % PALETTE.length] ?? 'white');
  }
  return map;
}

export interface OutputOptions {
  /** Every name that will write, so the column is as wide as the longest from the first line on. */
  names: readonly string[];
  colour: boolean;
  write: (chunk: string) => void;
}

export function createOutput({ names, colour, write }: OutputOptions): Output {
  const width = Math.max(LAUNCHER.length, ...names.map((n) => n.length));
  const palette = colours(names);
  const line = (name: string, text: string) => {
    const plain = prefix(name, width);
    const style = palette.get(name);
    const head = colour && style ? styleText(style, plain, { validateStream: false }) : plain;
    // One write per line, so lines from different processes can never interleave mid-line.
    for (const part of text.split('\n')) write(`${head}${part}\n`);
  };
  return { line, say: (text) => line(LAUNCHER, text) };
}
