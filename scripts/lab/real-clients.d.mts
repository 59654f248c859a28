/** Types of scripts/lab/real-clients.mjs for the TypeScript tests. */
export interface RecordedSession {
  scenario: string;
  start: number;
  end: number;
  status: number | null;
  said: string;
}
export const RC_ADDRESS: string;
export const RC_LOGIN_DISABLED_ADDRESS: string;
export const RC_HOSTS: { tls: string; loginDisabled: string };
export function record(outDir: string, only?: string[]): Promise<Record<string, RecordedSession[]>>;
