/** Types of scripts/lab/socket-client.mjs for the TypeScript e2e tests. */
export interface Step {
  send: string;
  until(text: string): boolean;
}
export const THINK_MS: number;
export const STEP_TIMEOUT_MS: number;
export function converse(o: { host: string; port: number; from?: string; steps: Step[]; end: 'client' | 'server'; allowEarlyClose?: boolean }): Promise<{ received: string; closedEarly: boolean }>;
export function imapStep(line: string): Step;
export function imapContinuation(line: string, tag: string): Step;
export function pop3Step(line: string, multiLine?: boolean): Step;
export function rawStep(line: string): Step;
export function smtpStep(text: string, replies?: number): Step;
