/**
 * Issue 16: findings on sessions of real clients (mbsync, getmail6/imaplib, fetchmail, mutt...)
 * that earlier versions got wrong. Each dialogue is the bytes such a client sends and the answers
 * of Dovecot 2.3 or Cyrus 3.6; the real captures are in captures/real-clients/.
 */
import { describe, expect, it } from 'vitest';
import { diagnose, ids, imap, only, pop3, type Step } from './helpers.js';

const DOVECOT: Step = ['S', '* OK [CAPABILITY IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE LITERAL+ AUTH=PLAIN] Dovecot (Debian) ready.'];
const TLS = { security: 'implicit-tls' as const, serverPort: 993 };
const POP3_TLS = { security: 'implicit-tls' as const, serverPort: 995 };

describe('pipelined commands are checked in the state the commands before them leave', () => {
  it('IMAP: SELECT and FETCH in one segment (mbsync) is no wrong-state', () => {
    const conv = imap([
      DOVECOT,
      ['C', 'a1 LOGIN alice "Secret123"'], ['S', 'a1 OK Logged in'],
      { side: 'C', text: 'a2 SELECT INBOX\r\na3 FETCH 1:4 (UID FLAGS)\r\n', raw: true },
      ['S', '* 4 EXISTS'], ['S', 'a2 OK [READ-WRITE] Select completed.'],
      ['S', '* 1 FETCH (UID 1 FLAGS ())'], ['S', 'a3 OK Fetch completed.'],
      { side: 'C', text: 'a4 CLOSE\r\na5 LOGOUT\r\n', raw: true },
      ['S', 'a4 OK Close completed.'], ['S', '* BYE Logging out'], ['S', 'a5 OK Logout completed.'],
    ], TLS);
    expect(ids(conv)).toEqual([]);
    expect(conv.exchanges.map((e) => e.state)).toEqual(['not-authenticated', 'authenticated', 'selected', 'selected', 'authenticated']);
  });

  it('IMAP: a FETCH pipelined behind a SELECT that fails is in the wrong state', () => {
    const conv = imap([
      DOVECOT,
      ['C', 'a1 LOGIN alice "Secret123"'], ['S', 'a1 OK Logged in'],
      { side: 'C', text: 'a2 SELECT Nope\r\na3 FETCH 1 (FLAGS)\r\n', raw: true },
      ['S', 'a2 NO Mailbox does not exist'], ['S', 'a3 BAD No mailbox selected.'],
      ['C', 'a4 LOGOUT'], ['S', '* BYE'], ['S', 'a4 OK'],
    ], TLS);
    const f = only(diagnose(conv), 'imap.command-in-wrong-state');
    expect(f).toHaveLength(1);
    expect(f[0]!.message).toContain('FETCH is not valid in the authenticated state');
  });

  it('POP3 (RFC 2449 PIPELINING): USER, PASS and STAT in one segment is no wrong-state', () => {
    const conv = pop3([
      ['S', '+OK Dovecot ready.'],
      ['C', 'CAPA'], ['S', '+OK'], ['S', 'USER'], ['S', 'PIPELINING'], ['S', '.'],
      { side: 'C', text: 'USER alice\r\nPASS Secret123\r\nSTAT\r\nLIST\r\n', raw: true },
      ['S', '+OK'], ['S', '+OK Logged in.'], ['S', '+OK 1 300'], ['S', '+OK 1 messages:'], ['S', '1 300'], ['S', '.'],
      ['C', 'QUIT'], ['S', '+OK Logging out.'],
    ], POP3_TLS);
    expect(ids(conv)).toEqual([]);
    expect(conv.anomalies.map((a) => a.code)).toEqual([]);
    expect(conv.exchanges.map((e) => e.state)).toEqual(['AUTHORIZATION', 'AUTHORIZATION', 'AUTHORIZATION', 'TRANSACTION', 'TRANSACTION', 'TRANSACTION']);
  });

  it('POP3: STAT pipelined behind a refused PASS is in the wrong state', () => {
    const conv = pop3([
      ['S', '+OK Dovecot ready.'],
      ['C', 'CAPA'], ['S', '+OK'], ['S', 'USER'], ['S', 'PIPELINING'], ['S', '.'],
      { side: 'C', text: 'USER alice\r\nPASS wrong\r\nSTAT\r\n', raw: true },
      ['S', '+OK'], ['S', '-ERR [AUTH] Authentication failed.'], ['S', '-ERR Unknown command.'],
      ['C', 'QUIT'], ['S', '+OK Logging out.'],
    ], POP3_TLS);
    expect(conv.anomalies.filter((a) => a.code === 'command-in-wrong-state').map((a) => a.detail)).toEqual(['STAT in AUTHORIZATION']);
  });
});
