/**
 * mailwire as a library: the curated API. Everything else under src/ is internal and may change.
 *
 *   import { analyze } from 'mailwire';
 *   const report = await analyze(['trace.pcap'], { keyLog: readFileSync('sslkeys.log') });
 *   for (const c of report.conversations) console.log(c.id, c.protocol, c.outcome, c.findings.map((f) => f.id));
 *
 * analyze() returns what `mailwire read --format json` prints (docs/json-schema.md), with secrets
 * redacted unless `showSecrets: true`. The streaming classes below (AnalysisSession, InputAnalyzer,
 * analyzeInputs) are lower level: the conversations they hand out still hold the secrets the
 * dissectors found; pass them through `redactConversation` before showing or storing them.
 */
export { analyze } from './library.js';
export type { AnalyzeOptions, Report, ReportConversation, ReportSummary } from './library.js';
export type { CaptureInput, InputSource } from './inputs.js';
export { analyzeInputs, AnalysisSession, InputAnalyzer, SCHEMA_VERSION } from './analyze.js';
export type { AnalysisResult, AnalysisStats, InputSummary, SessionOptions } from './analyze.js';
export { readCapture, readCaptureStream } from './capture/read-capture.js';
export { CaptureParser } from './capture/capture-parser.js';
export { PcapWriter } from './capture/pcap-writer.js';
export type { CaptureStats, CaptureWarning, FrameSink, RawFrame } from './capture/frame.js';
export { MailwireError, isMailwireError } from './errors.js';
export type { MailwireErrorCode } from './errors.js';
export type {
  AuthAttempt,
  CapabilitySet,
  Conversation,
  DialogueEvent,
  Exchange,
  Finding,
  LiteralInfo,
  Severity,
} from './model/conversation.js';
export { redactConversation } from './model/redact.js';
export { CATALOGUE, ruleMeta } from './diagnose/catalogue.js';
export type { FindingId } from './diagnose/catalogue.js';
export { parseKeyLog, mergeKeyLog } from './protocols/tls/keylog.js';
export type { TlsFacts } from './protocols/tls/types.js';
export type { ContentSink, ContentStart, ContentEnd } from './protocols/dissector.js';
export { extractMessages } from './extract/extract.js';
export type { ExtractIndex, ExtractOptions } from './extract/extract.js';
export { loginRow, LoginTable } from './report/logins.js';
export type { LoginRow } from './report/logins.js';
