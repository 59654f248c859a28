/** Types of bench/read-loop.mjs (for the tests, which are TypeScript). */
export function readLoop(path: string): { packets: number; bytes: number };
