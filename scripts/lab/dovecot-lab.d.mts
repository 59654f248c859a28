/** Types of scripts/lab/dovecot-lab.mjs for the TypeScript e2e tests. */
export interface Lab {
  dir: string;
  pid: number;
  ports: { imap: number; imapLoginDisabled: number; pop3: number; imaps: number; pop3s: number };
  addresses: { default: string; loginDisabled: string };
  users: string[];
  password: string;
  cert: string;
  log: string;
}
export const LAB_PASSWORD: string;
export const LAB_USERS: string[];
export const LAB_PORTS: Lab['ports'];
export const LAB_ADDRESS: string;
export const LAB_LOGIN_DISABLED_ADDRESS: string;
export function labMessages(): string[];
export function startLab(dir?: string): Promise<Lab>;
export function stopLab(lab: Pick<Lab, 'dir'> & Partial<Lab>): Promise<void>;
