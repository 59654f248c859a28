/**
 * `mailwire live -i IFACE [BPF]`: sniff, report each conversation as it ends, end with the summary
 * on Ctrl-C (SIGINT/SIGTERM), --duration or --count.
 */
import { errnoWords } from '../errors.js';
import { AnalysisSession } from '../analyze.js';
import type { FrameSink, RawFrame } from '../capture/frame.js';
import { openLive, DEFAULT_SNAPLEN } from '../capture/live.js';
import { openCaptureFile, PcapWriter } from '../capture/pcap-writer.js';
import { closeSync } from 'node:fs';
import { hostname } from 'node:os';
import type { Conversation, Finding } from '../model/conversation.js';
import { EXIT_FINDINGS, EXIT_OK, UsageError, type CommonOptions, analysisOptions, parseNumber, reportFormat, useColor } from './options.js';
import { openOutput, type Output } from './output.js';
import { checkTemplate, parseRotation, type RotationOptions } from './rotation.js';
import { RotatingPcapWriter, openRotatingOutput, type Stoppable } from './rotating-files.js';
import { makeReport, reportOptions } from './report-factory.js';
import { JsonLinesReport } from '../report/json.js';
import { EventLinesReport } from '../report/events/event-lines.js';
import { failOnTriggered } from './read-command.js';
import { dropPrivileges } from './privileges.js';
import { KeyLogFile } from '../protocols/tls/keylog-file.js';

/** The capture filter without one on the command line. */
export const DEFAULT_LIVE_FILTER = 'tcp or udp port 53 or icmp or icmp6';

export async function runLive(iface: string, bpf: string, opts: CommonOptions, version: string): Promise<number> {
  // The key log is followed, not read once: clients append the keys of sessions they start later.
  const { keylog, ...rest } = opts;
  const analysis = analysisOptions(rest);
  const keyLogFile = keylog ? followKeyLog(keylog) : undefined;
  const snaplen = parseNumber('--snaplen', opts.snaplen, 64) ?? DEFAULT_SNAPLEN;
  // In KiB, as tcpdump's -B; libpcap needs at least a few blocks (openLive raises it to 1 MiB).
  const bufferKiB = parseNumber('--buffer-size', opts.bufferSize, 1024);
  const duration = parseNumber('--duration', opts.duration, 0);
  const count = parseNumber('--count', opts.count, 1);
  const inputName = `live:${iface}`;
  const format = reportFormat(opts);
  const rotation = parseRotation(opts);
  // Checked before the capture opens: the -w file itself is created once the link type is known.
  if (rotation && opts.write) checkTemplate(opts.write, rotation, '-w');
  const output = rotatingOutput(opts, format, rotation);
  const options = reportOptions({ ...opts, sensor: opts.sensor ?? hostname() }, useColor(opts, output.isTerminal), version, [inputName], output.isTerminal);
  const report = makeReport(format, output.write, options);
  // --fail-on needs only whether some finding reached the level: a long capture keeps no findings.
  let triggered = false;
  // jsonl (log pipelines) writes findings as they happen: a failed login shows before the IDLE ends.
  const lines = report instanceof JsonLinesReport || report instanceof EventLinesReport ? report : undefined;
  if (lines) lines.incrementalFindings = true;
  const session = new AnalysisSession({
    ...analysis,
    ...(keyLogFile ? { keyLog: keyLogFile.keyLog } : {}),
    ...(lines ? { incrementalFindings: true, onFinding: (f: Finding, c?: Conversation) => lines.finding(f, c) } : {}),
    onConversation: (c) => {
      if (!triggered && failOnTriggered(opts.failOn, c.findings)) triggered = true;
      report.conversation(c);
    },
  });
  const input = session.input(inputName);
  let writer: PcapWriter | RotatingPcapWriter | undefined;
  let frames = 0;
  let stop: () => void = () => {};
  const done = new Promise<void>((resolve) => {
    stop = resolve;
  });
  const sink: FrameSink = {
    frame(f: RawFrame) {
      frames++;
      writer?.writeFrame(f);
      input.frame(f);
      if (count !== undefined && frames >= count) stop();
      // -W with -G alone: the last file is full (it took this frame too).
      if (writer instanceof RotatingPcapWriter && writer.limitReached) stop();
      if ('limitReached' in output && output.limitReached) stop();
    },
    warning: (w) => input.warning(w),
  };
  // DNS and ICMP too: the connectivity layer ties lookups and ICMP errors to the mail connections.
  const filter = bpf.trim() || DEFAULT_LIVE_FILTER;
  // Opened before the capture starts: a -w that cannot be written ends the run (exit 2) instead of
  // leaving a started capture running, as root, with nothing to stop it. (A rotated -w, with -C or
  // -G, opens its files as the capture goes.)
  const writeFd = opts.write && !rotation ? openCaptureFile(opts.write) : undefined;
  const live = openLive({ iface, filter, snaplen, ...(bufferKiB !== undefined ? { bufferSize: Math.floor(bufferKiB) * 1024 } : {}) }, sink);
  // The saved file takes the interface's link type (Ethernet, Linux cooked on 'any', ...).
  if (opts.write) writer = rotation ? new RotatingPcapWriter(opts.write, rotation, live.linkType, snaplen) : new PcapWriter(writeFd!, live.linkType, snaplen);
  // The capture handle and output files are open: root is no longer needed.
  const dropped = dropPrivileges();
  const counter = process.stderr.isTTY && output.isTerminal === false ? setInterval(() => process.stderr.write(`\rcapturing on ${iface}: ${frames} packets`), 500) : undefined;
  if (!process.stderr.isTTY || output.isTerminal) process.stderr.write(`mailwire: capturing on ${iface} (filter: ${filter})${dropped ? `, running as ${dropped}` : ''}; Ctrl-C ends\n`);
  const onSignal = (): void => stop();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const timer = duration !== undefined ? setTimeout(stop, duration * 1000) : undefined;
  await done;
  if (timer) clearTimeout(timer);
  if (counter) {
    clearInterval(counter);
    process.stderr.write('\r\x1b[K');
  }
  process.removeListener('SIGINT', onSignal);
  process.removeListener('SIGTERM', onSignal);
  const stats = live.stop();
  writer?.close();
  if (writeFd !== undefined) closeSync(writeFd);
  input.finish(stats);
  keyLogFile?.close();
  const cross = session.finish();
  if (failOnTriggered(opts.failOn, cross)) triggered = true;
  report.finish(cross, session.stats.stats);
  output.close();
  return triggered ? EXIT_FINDINGS : EXIT_OK;
}

/**
 * The report output: -o FILE rotating when -C/-G/-W are given (whole lines per file, so only for
 * reports made of lines), else the plain output.
 */
function rotatingOutput(opts: CommonOptions, format: ReturnType<typeof reportFormat>, rotation: RotationOptions | undefined): Output | (Output & Stoppable) {
  const toFile = opts.output !== undefined && opts.output !== '-';
  if (!rotation || !toFile) {
    if (rotation && !opts.write) throw new UsageError('-C, -G and -W rotate the -w and -o files: give -w FILE or -o FILE');
    return openOutput(opts.output, { ownerOnly: opts.showSecrets });
  }
  if (format === 'json' || format === 'html') throw new UsageError(`-o with -C/-G/-W: a ${format} report is one document and cannot be split; use --format jsonl (or text)`);
  return openRotatingOutput(opts.output!, rotation, opts.showSecrets);
}

/**
 * `--keylog FILE` for live: read now and followed (KeyLogFile). A file that does not exist yet is
 * waited for (one note); any other failure to read it at start is a usage error, as for `read`.
 */
function followKeyLog(path: string): KeyLogFile {
  const file = new KeyLogFile(path, { onWarning: (m) => process.stderr.write(`mailwire: ${m}\n`) });
  const why = file.start();
  if (why === errnoWords('ENOENT')) process.stderr.write(`mailwire: key log ${path} does not exist yet; it is read when a TLS session needs keys\n`);
  else if (why !== undefined) throw new UsageError(`cannot read key log ${path}: ${why}`);
  return file;
}
