/**
 * The SMTP lab: a real Postfix submission service with Dovecot SASL (scripts/lab/postfix-lab.mjs)
 * on 127.0.23.x, real clients one after the other (curl smtp:// and smtps://, swaks, msmtp, s-nail,
 * Python smtplib), tcpdump recording, then `analyzeFiles` with the key log the clients wrote
 * (curl and Python through SSLKEYLOGFILE, msmtp through GnuTLS's). Each connection must come out
 * as SMTP with exactly the expected findings, logins and messages: working submissions (STARTTLS,
 * implicit TLS) raise nothing but the lab's self-signed certificate; a wrong password, a relay
 * attempt on the port-25 listener, MAIL before STARTTLS on the listener that requires it, a sender
 * the login does not own and an oversized message each name their cause.
 */
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzeFiles, type AnalysisResult } from '../../src/analyze.js';
import type { Conversation } from '../../src/model/conversation.js';
import { MessageWriter } from '../../src/extract/message-writer.js';
import { startPostfixLab, stopPostfixLab, type PostfixLab } from '../../scripts/lab/postfix-lab.mjs';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const MESSAGE = 'From: alice@example.org\r\nTo: bob@example.net\r\nSubject: lab\r\n\r\nHello from the lab.\r\n.a line that starts with a dot\r\n';

let lab: PostfixLab;
let work: string;
let result: AnalysisResult;
let convs: Conversation[];
const writer = { dir: '' };
let extracted: MessageWriter;

/** Runs a client to completion (it may fail: the failures are what the lab shows); returns its exit status. */
function client(cmd: string, args: string[], input?: string): number | null {
  const r = spawnSync(cmd, args, { input, timeout: 30_000, env: { ...process.env, SSLKEYLOGFILE: join(work, 'keys.log') }, stdio: ['pipe', 'ignore', 'ignore'] });
  return r.status;
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'mailwire-smtp-e2e-'));
  // Postfix's and Dovecot's unprivileged processes must reach the lab inside it.
  chmodSync(work, 0o755);
  lab = await startPostfixLab(join(work, 'lab'));
  writeFileSync(join(work, 'msg.txt'), MESSAGE);
  const pcap = join(work, 'smtp.pcap');
  const tcpdump = spawn('tcpdump', ['-i', 'lo', '--immediate-mode', '-U', '-B', '16384', '-s', '0', '-n', '-w', pcap, 'net 127.0.23.0/24'], { stdio: ['ignore', 'ignore', 'pipe'] });
  await new Promise<void>((res, rej) => {
    let err = '';
    tcpdump.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      if (/listening on/.test(err)) res();
    });
    tcpdump.on('exit', (code) => rej(new Error(`tcpdump exited (${code}): ${err}`)));
  });
  const { addresses: a, ports: p, user, password } = lab;
  const msg = join(work, 'msg.txt');
  const curl = ['-s', '--mail-from', user, '--mail-rcpt', 'bob@example.net', '--upload-file', msg];
  // 1. curl, wrong password, cleartext AUTH on the submission port.
  client('curl', [...curl, '--user', `${user}:wrong-password`, `smtp://${a.default}:${p.submission}`]);
  // 2. curl without AUTH to the port-25 listener: relaying refused.
  client('curl', [...curl, `smtp://${a.default}:${p.smtp}`]);
  // 3. curl with STARTTLS required by the client: works.
  client('curl', [...curl, '--ssl-reqd', '-k', '--user', `${user}:${password}`, `smtp://${a.default}:${p.submission}`]);
  // 4. curl over implicit TLS (smtps): works.
  client('curl', [...curl, '-k', '--user', `${user}:${password}`, `smtps://${a.default}:${p.submissions}`]);
  // 5. curl without TLS to the listener that requires it: MAIL refused until STARTTLS.
  client('curl', [...curl, `smtp://${a.encrypt}:${p.submission}`]);
  // 6. swaks, AUTH LOGIN in cleartext, a sender the login does not own.
  client('swaks', ['--server', `${a.default}:${p.submission}`, '--from', 'boss@example.org', '--to', 'bob@example.net', '--auth', 'LOGIN', '--auth-user', user, '--auth-password', password]);
  // 7. Python smtplib: STARTTLS, login, a message above the advertised SIZE.
  const py = `import smtplib, ssl
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
s = smtplib.SMTP('${a.default}', ${p.submission}, timeout=20); s.starttls(context=ctx); s.login('${user}', '${password}')
try:
    s.sendmail('${user}', ['bob@example.net'], 'Subject: big\\r\\n\\r\\n' + ('x' * 70 + '\\r\\n') * ${Math.ceil(lab.sizeLimit / 70)})
except smtplib.SMTPException:
    pass
s.quit()
`;
  client('python3', ['-c', py]);
  // 8. msmtp: STARTTLS, AUTH (its choice of mechanism), a message.
  client('msmtp', ['--host', a.default, '--port', String(p.submission), '--tls=on', '--tls-starttls=on', '--tls-certcheck=off', '--auth=on', `--user=${user}`, `--passwordeval=echo ${password}`, `--from=${user}`, 'bob@example.net'], MESSAGE);
  // 9. s-nail with STARTTLS (OpenSSL writes no key log: the dialogue after STARTTLS stays encrypted).
  client('s-nail', ['-n', '-S', 'v15-compat', '-S', `mta=smtp://${encodeURIComponent(user)}:${password}@${a.default}:${p.submission}`, '-S', 'smtp-use-starttls', '-S', 'tls-verify=ignore', '-S', `from=${user}`, '-s', 'from s-nail', 'bob@example.net'], 'Hello from s-nail.\n');
  await sleep(500);
  tcpdump.kill('SIGINT');
  await new Promise((r) => tcpdump.once('exit', r));
  writer.dir = join(work, 'extract');
  mkdirSync(writer.dir);
  extracted = new MessageWriter({ dir: writer.dir, partial: false });
  result = await analyzeFiles([pcap], { keyLogText: readFileSync(join(work, 'keys.log'), 'latin1'), extraPorts: [p.submissions], content: extracted });
  convs = result.conversations;
}, 180_000);

afterAll(async () => {
  if (lab) await stopPostfixLab(lab);
  if (work && !process.env['MAILWIRE_LAB_KEEP']) rmSync(work, { recursive: true, force: true });
  else if (work) console.log(`SMTP lab kept in ${work}`);
});

const ids = (c: Conversation): string[] => c.findings.map((f) => f.id).sort();

describe('SMTP lab: Postfix + Dovecot SASL with real clients', () => {
  it('every connection is SMTP, in the order the clients ran', () => {
    expect(convs.map((c) => `${c.server.ip}:${c.server.port}`)).toEqual([
      '127.0.23.1:10587', '127.0.23.1:10025', '127.0.23.1:10587', '127.0.23.1:10465', '127.0.23.2:10587',
      '127.0.23.1:10587', '127.0.23.1:10587', '127.0.23.1:10587', '127.0.23.1:10587',
    ]);
    for (const c of convs) {
      expect(c.protocol).toBe('smtp');
      expect(c.greeting?.text).toBe('mail.example.org ESMTP Postfix (mailwire lab)');
      expect(c.serverSoftware?.product).toBe('Postfix');
      // Every command answered, in order.
      expect(c.exchanges.filter((x) => x.status === undefined).map((x) => x.command)).toEqual([]);
    }
  });

  it('curl with a wrong password: 535 5.7.8 from Dovecot SASL, explained; cleartext AUTH flagged', () => {
    const c = convs[0]!;
    expect(ids(c)).toEqual(['smtp.cleartext-login', 'smtp.login-failed', 'smtp.no-quit']);
    expect(c.auth).toMatchObject([{ mechanism: 'PLAIN', user: 'alice@example.org', outcome: 'failed', responseCode: '5.7.8', encrypted: false }]);
    expect(c.findings.find((f) => f.id === 'smtp.login-failed')!.args['knowledge']).toBe('postfix-dovecot-sasl-failed');
  });

  it('curl without AUTH on the port-25 listener: relay access denied', () => {
    const c = convs[1]!;
    expect(ids(c)).toEqual(['smtp.relay-denied']);
    expect(c.exchanges.find((x) => x.command === 'RCPT')).toMatchObject({ status: '554', responseCode: '5.7.1', responseText: '<bob@example.net>: Relay access denied' });
  });

  it('curl STARTTLS and smtps: decrypted with the key log, nothing wrong but the lab certificate', () => {
    for (const n of [2, 3]) {
      const c = convs[n]!;
      expect(c.transport).toMatchObject({ security: n === 2 ? 'starttls' : 'implicit-tls', decrypted: true });
      expect(ids(c).filter((id) => id !== 'tcp.reset')).toEqual(['tls.self-signed']);
      expect(c.auth).toMatchObject([{ user: 'alice@example.org', outcome: 'ok', encrypted: true }]);
      expect(c.exchanges.map((x) => x.command)).toContain('DATA');
    }
  });

  it('s-nail with STARTTLS and no key log: the cleartext part read, the rest counted as encrypted', () => {
    const c = convs[8]!;
    expect(c.transport).toMatchObject({ security: 'starttls', decrypted: false });
    expect(c.exchanges.map((x) => x.command)).toEqual(['EHLO', 'STARTTLS']);
    expect(c.transport.encryptedBytes![0]).toBeGreaterThan(0);
  });

  it('MAIL before STARTTLS on the listener that requires TLS: 530 5.7.0 Must issue a STARTTLS command first', () => {
    const c = convs[4]!;
    expect(ids(c)).toEqual(['smtp.starttls-required']);
    expect(c.exchanges.find((x) => x.command === 'MAIL')).toMatchObject({ status: '530', responseCode: '5.7.0', responseText: 'Must issue a STARTTLS command first' });
  });

  it('swaks sending as an address the login does not own: 553 5.7.1 at RCPT', () => {
    const c = convs[5]!;
    expect(ids(c)).toEqual(['smtp.cleartext-login', 'smtp.sender-not-owned']);
    expect(c.auth).toMatchObject([{ mechanism: 'LOGIN', user: 'alice@example.org', outcome: 'ok' }]);
  });

  it('Python smtplib with a message above SIZE: refused with 552 5.3.4, decrypted', () => {
    const c = convs[6]!;
    expect(c.transport).toMatchObject({ security: 'starttls', decrypted: true });
    expect(ids(c).filter((id) => id !== 'tcp.reset')).toEqual(['smtp.message-too-large', 'tls.self-signed']);
  });

  it('msmtp: STARTTLS and AUTH, decrypted with GnuTLS key log', () => {
    const c = convs[7]!;
    expect(c.transport).toMatchObject({ security: 'starttls', decrypted: true });
    expect(c.auth).toMatchObject([{ user: 'alice@example.org', outcome: 'ok', encrypted: true }]);
  });

  it('the working curl clients\' messages are extracted whole, with their envelope', () => {
    const curlMessages = extracted.messages.filter((m) => m.conversation === convs[2]!.id || m.conversation === convs[3]!.id);
    expect(curlMessages).toHaveLength(2);
    for (const m of curlMessages) {
      expect(m).toMatchObject({ protocol: 'smtp', direction: 'client-to-server', command: 'DATA', complete: true, envelope: { from: 'alice@example.org', to: ['bob@example.net'] } });
      expect(readFileSync(join(writer.dir, m.file), 'latin1')).toBe(MESSAGE);
    }
  });

  it('the contrast between the failing and a working login to the same server', () => {
    expect(result.findings.map((f) => f.id)).toContain('auth.contrast-with-working-session');
  });
});
