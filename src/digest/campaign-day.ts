// The campaign day: the calendar date in the campaign's time zone, which the digest is sent for once.
// Scheduler speaks UTC; the day and the hour to send are always read in the campaign's own zone.

export interface LocalTime {
  /** YYYY-MM-DD in the time zone. */
  day: string;
  /** 0–23 in the time zone. */
  hour: number;
}

const formats = new Map<string, Intl.DateTimeFormat>();

export function localTime(at: Date, timeZone: string): LocalTime {
  let format = formats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-CA', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      hourCycle: 'h23',
    });
    formats.set(timeZone, format);
  }
  const part = Object.fromEntries(format.formatToParts(at).map((p) => [p.type, p.value]));
  return { day: `${part.year}-${part.month}-${part.day}`, hour: Number(part.hour) };
}

/** Midnight UTC of a YYYY-MM-DD day, for formatting the day itself with a UTC formatter. */
export const dayAsDate = (day: string): Date => new Date(`${day}T00:00:00Z`);

/** Whole days from one YYYY-MM-DD day to another. */
export const daysBetween = (from: string, to: string): number =>
  Math.round((dayAsDate(to).getTime() - dayAsDate(from).getTime()) / 86_400_000);
