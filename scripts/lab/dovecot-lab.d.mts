/** Types of scripts/lab/dovecot-lab.mjs for the TypeScript e2e tests. */
export interface Lab {
  dir: string;
  pid: number;
  ports: { imap: number; imapLoginDisabled: number; pop3: number; imaps: number; pop3s: number; pop3LoginDisabled?: number };
  addresses: { default: string; loginDisabled: string };
  users: string[];
  password: string;
  cert: string;
  /** The private CA's certificate (startLab with ca: true). */
  ca?: string;
  log: string;
}
export const LAB_PASSWORD: string;
export const LAB_USERS: string[];
export const LAB_PORTS: Lab['ports'];
export const LAB_ADDRESS: string;
export const LAB_LOGIN_DISABLED_ADDRESS: string;
export function labMessages(): string[];
export interface LabOptions {
  address?: string;
  loginDisabledAddress?: string;
  ports?: Lab['ports'];
  users?: string[];
  authMechanisms?: string;
  certSan?: string;
  ca?: boolean;
}
export function startLab(dir?: string, options?: LabOptions): Promise<Lab>;
export function stopLab(lab: Pick<Lab, 'dir'> & Partial<Lab>): Promise<void>;
export function waitListening(host: string, port: number, deadline: number): Promise<void>;
