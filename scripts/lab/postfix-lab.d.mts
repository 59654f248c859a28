/** Types of scripts/lab/postfix-lab.mjs for the TypeScript e2e tests. */
export interface PostfixLab {
  dir: string;
  ports: { smtp: number; submission: number; submissions: number };
  addresses: { default: string; encrypt: string };
  user: string;
  password: string;
  sizeLimit: number;
  cert: string;
  logs: { postfix: string; dovecot: string };
}
export const SMTP_LAB_PASSWORD: string;
export const SMTP_LAB_USER: string;
export const SMTP_LAB_ADDRESS: string;
export const SMTP_LAB_ENCRYPT_ADDRESS: string;
export const SMTP_LAB_PORTS: PostfixLab['ports'];
export const SMTP_LAB_SIZE_LIMIT: number;
export function startPostfixLab(dir?: string): Promise<PostfixLab>;
export function stopPostfixLab(lab: Pick<PostfixLab, 'dir'>): Promise<void>;
