// The parts of the HTTP Observatory's scanner that the security test uses: the package ships JavaScript
// with no declarations.
declare module '@mdn/mdn-http-observatory' {
  /** One of the scanner's tests, as scored: the result it found and the points that result earns. */
  export interface ObservatoryTest {
    expectation: string;
    pass: boolean | null;
    result: string | null;
    scoreModifier: number | null;
    scoreDescription: string | null;
    /** What the test read: a header's value, the parsed policy, the cookies, the redirect route. */
    [detail: string]: unknown;
  }

  export interface ScanResult {
    scan: {
      algorithmVersion: number;
      grade: string;
      score: number;
      statusCode: number;
      testsFailed: number;
      testsPassed: number;
      testsQuantity: number;
      responseHeaders: Record<string, string>;
    };
    /** By test name: content-security-policy, cookies, redirection, and the others. */
    tests: Record<string, ObservatoryTest>;
  }

  /**
   * Fetches http:// and https:// of `hostname` (which may carry a port and a path, as the URL's
   * authority and path), follows the redirects, and scores what came back.
   */
  export function scan(hostname: string): Promise<ScanResult>;
}

declare module '@mdn/mdn-http-observatory/src/grader/grader.js' {
  /** The scanner's advice for a result, as HTML. */
  export function getRecommendation(expectation: string): string;
}

declare module '@mdn/mdn-http-observatory/src/grader/charts.js' {
  /** Bonus points count only when the score without them reaches this. */
  export const MINIMUM_SCORE_FOR_EXTRA_CREDIT: number;
}
