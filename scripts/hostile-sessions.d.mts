/** Types of scripts/hostile-sessions.mjs for the TypeScript tests. */
export interface HostileSession {
  name: string;
  what: string;
  port: number;
  turns: Array<['c' | 's', string]>;
  secrets: string[];
  cleartextAfterTls?: { user: string; method: string };
}
export const HOSTILE_SESSIONS: HostileSession[];
export function sessionCapture(session: HostileSession): Buffer;
export function secretForms(secret: string): string[];
