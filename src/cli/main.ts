/**
 * The command line: `mailwire read`, `mailwire live`, `mailwire extract`, `mailwire logins`, `mailwire interfaces`. The only module that
 * touches process.argv, process.exit and the terminal. Exit status: 0 success, 1 --fail-on
 * triggered, 2 bad usage or unreadable input (with one line on stderr, never a stack trace).
 */
import { Command, CommanderError, Option } from 'commander';
import { isMailwireError } from '../errors.js';
import { packageVersion } from '../version.js';

export { packageVersion };
import { runRead } from './read-command.js';
import { runLive } from './live-command.js';
import { runInterfaces } from './interfaces-command.js';
import { runExtract, type ExtractCommandOptions } from './extract-command.js';
import { runLogins, type LoginsCommandOptions } from './logins-command.js';
import { EXIT_STATUS_HELP, EXIT_USAGE, type CommonOptions, UsageError } from './options.js';
import { TCP_LIMITS } from '../tcp/limits.js';

function addReportOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('-f, --format <format>', 'report format').choices(['text', 'json', 'jsonl', 'markdown', 'html']).default('text'))
    .option('-o, --output <file>', 'write the report to FILE instead of standard output')
    .option('--ports <list>', 'extra TCP ports to dissect, comma-separated (e.g. 1143,1993)')
    .option('--keylog <file>', 'TLS key log file (SSLKEYLOGFILE format) to decrypt 993/995 and STARTTLS')
    .option('--show-secrets', 'show passwords, tokens and SASL responses (redacted by default)', false)
    .option('--only-problems', 'only conversations with warnings or errors', false)
    .addOption(new Option('--min-severity <level>', 'hide findings below LEVEL').choices(['info', 'warning', 'error']).default('info'))
    .addOption(new Option('--fail-on <level>', 'exit with status 1 when a finding of LEVEL or worse exists').choices(['info', 'warning', 'error']))
    .option('--bodies <n>', 'show the first N bytes of message bodies and literals (default: a one-line summary)')
    .option('--slow <seconds>', 'response time that counts as slow (imap.slow-response)', '5')
    .option('--server-name <name>', 'the server name the client should see (TLS certificate check)')
    .addOption(new Option('--schema <version>', 'jsonl schema: 1 (the v1 lines) or 2 (event lines for SIEMs and ClickHouse, docs/events.md)').choices(['1', '2']).default('1'))
    .option('--sensor <name>', 'the sensor name in event lines (observer.name; live: default the host name)')
    .option('--brief', 'text report: one line per conversation (its verdict) and the summary', false)
    .option('--width <columns>', 'text report: wrap at COLUMNS (default: the terminal width, 100 when not a terminal; 0: no wrapping)')
    .option('--table-budget <MiB>', `memory for the TCP connections followed at once (default ${TCP_LIMITS.TABLE_BUDGET_BYTES / 2 ** 20}); beyond it the least recently active are dropped (tcp.evicted)`)
    .option('--no-color', 'no colour (NO_COLOR and FORCE_COLOR are honoured too)');
}

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('mailwire')
    .description('Rebuilds IMAP and POP3 dialogues from packet captures and says what went wrong.')
    .version(packageVersion(), '-V, --version')
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ writeErr: (s) => process.stderr.write(s) })
    .exitOverride()
    .addHelpText('after', EXIT_STATUS_HELP);

  addReportOptions(
    program
      .command('read')
      .description('analyse capture files (pcap, pcapng, gzip-compressed; "-" reads standard input)')
      .argument('[args...]', 'capture files (- for standard input), then an optional capture filter as tcpdump takes it'),
  )
    .option('-r, --file <file>', 'a capture file, as tcpdump -r (repeatable); every argument is then the capture filter', (v: string, all: string[] = []) => [...all, v])
    .option('-c, --count <n>', 'stop after N packets (those that passed the capture filter), as tcpdump -c')
    .option('--client <addr>', 'only conversations of this client (IP or IP:port)')
    .option('--server <addr>', 'only conversations with this server (IP or IP:port)')
    .option('--user <name>', 'only conversations in which this user logged in or tried to')
    .option('--finding <id>', 'only conversations with a finding whose id matches (a glob: imap.*, *cleartext*)')
    .option('--conversation <n>', 'only conversation #N')
    .option('-w, --write <file>', "with --conversation N: write that conversation's packets (its tcp.stream) as a pcap file")
    .option('--threads <n>', 'worker threads for json and jsonl reports of regular files (a number, or auto: one thread on one or two cores, else up to 4); other formats and standard input use one', '1')
    .addHelpText('after', `
Examples:
  mailwire read captures/phone-vs-thunderbird.pcap
  mailwire read trace.pcapng.gz --only-problems
  tcpdump -i eth0 -w - port 143 | mailwire read -
  mailwire read trace.pcap --format html -o report.html
  mailwire read trace.pcap --format json | jq '.conversations[].findings[].id'
  mailwire read imaps.pcap --keylog sslkeys.log
  mailwire read -r trace.pcap 'port 143 and host 10.1.2.3'
  mailwire read trace.pcap --client 10.1.2.3 --finding 'imap.*'
  mailwire read trace.pcap --conversation 7 -w conv7.pcap && wireshark conv7.pcap

The capture filter (tcpdump's language, compiled by libpcap) needs the native addon. Frames keep
their numbers in the file and every conversation names its Wireshark display filter
(tcp.stream eq N). Findings across conversations are computed before --client/--server/--user/
--finding/--conversation choose what the report shows.
${EXIT_STATUS_HELP}`)
    .action(async (files: string[], opts: CommonOptions) => {
      process.exitCode = await runRead(files, opts, packageVersion());
    });

  addReportOptions(
    program
      .command('live')
      .description('sniff an interface and report each conversation as it ends (Ctrl-C ends with the summary)')
      .requiredOption('-i, --interface <iface>', 'interface to capture on (see `mailwire interfaces`)')
      .argument('[bpf...]', 'BPF capture filter (default: tcp or udp port 53 or icmp or icmp6)'),
  )
    .option('-w, --write <file>', 'also save the raw packets as a pcap file (owner-only permissions)')
    .option('--snaplen <bytes>', 'bytes captured per packet (as tcpdump: whole loopback frames fit)', '262144')
    .option('-B, --buffer-size <KiB>', 'kernel capture buffer in KiB, as tcpdump -B (default 131072: 128 MiB, about a second of a saturated 1 Gbit/s link)')
    .option('--duration <seconds>', 'stop after this many seconds')
    .option('--count <packets>', 'stop after this many packets')
    .option('-C, --file-size <MB>', 'rotate: start a new -w / -o file before one passes MB million bytes (as tcpdump -C)')
    .option('-G, --rotate-seconds <seconds>', 'rotate: a new -w / -o file every SECONDS; the names need a strftime time (%Y%m%d-%H%M%S, UTC)')
    .option('-W, --file-count <count>', 'with -C: a ring of COUNT files; with -G alone: stop after COUNT files (as tcpdump -W)')
    .addHelpText('after', `
Examples:
  sudo mailwire live -i eth0
  sudo mailwire live -i any port 143 or port 110 --only-problems
  sudo mailwire live -i eth0 --format jsonl -o events.jsonl -w raw.pcap
  sudo mailwire live -i lo --duration 60
  sudo mailwire live -i lo --keylog /tmp/sslkeys.log
  sudo mailwire live -i eth0 -w 'raw-%Y%m%d-%H%M.pcap' -o 'events-%Y%m%d-%H%M.jsonl' --format jsonl --schema 2 -G 60

With -C/-G, files after the first are created after live gave up root: their directory must be
writable by that user (SUDO_UID, else nobody).

With --keylog, the file is followed: keys that clients (SSLKEYLOGFILE) append after the start are
read when a TLS session needs them. FILE may not exist yet.
${EXIT_STATUS_HELP}`)
    .action(async (bpf: string[], opts: CommonOptions & { interface: string }) => {
      process.exitCode = await runLive(opts.interface, bpf.join(' '), opts, packageVersion());
    });

  program
    .command('extract')
    .description('write every message that crossed the wire (IMAP FETCH/APPEND, POP3 RETR) as .eml files, with index.json')
    .argument('<files...>', 'capture files, or - for standard input')
    .requiredOption('-d, --dir <dir>', 'output directory (created if missing)')
    .option('--partial', 'also write partial fetches (BODY[HEADER], <0.1024> partials) and POP3 TOP', false)
    .option('--keylog <file>', 'TLS key log file (SSLKEYLOGFILE format) to decrypt 993/995 and STARTTLS')
    .option('--ports <list>', 'extra TCP ports to dissect, comma-separated (e.g. 1143,1993)')
    .addHelpText('after', `
Files are named by conversation, direction and message (c3-server-seq12-uid55.eml,
c4-client-append1.eml, c5-server-msg2.eml); a message cut by a gap or the end of the capture
ends in .eml.partial. index.json lists frames, command, size, SHA-256, Subject, From, To, Date.

Examples:
  mailwire extract trace.pcap -d mail/
  mailwire extract imaps.pcap --keylog sslkeys.log -d mail/
  mailwire extract trace.pcap -d mail/ --partial && jq '.messages[].subject' mail/index.json`)
    .action(async (files: string[], opts: ExtractCommandOptions) => {
      process.exitCode = await runExtract(files, opts, packageVersion());
    });

  program
    .command('logins')
    .description('list every authentication attempt: method, user, encryption, outcome, secret exposure')
    .argument('<files...>', 'capture files, or - for standard input')
    .addOption(new Option('-f, --format <format>', 'output format').choices(['text', 'json', 'csv']).default('text'))
    .option('-o, --output <file>', 'write to FILE instead of standard output')
    .option('--show-secrets', 'show passwords, tokens and the auditor lines of offline-attackable exchanges', false)
    .option('--keylog <file>', 'TLS key log file (SSLKEYLOGFILE format) to decrypt 993/995 and STARTTLS')
    .option('--ports <list>', 'extra TCP ports to dissect, comma-separated (e.g. 1143,1993)')
    .addHelpText('after', `
Examples:
  mailwire logins trace.pcap
  mailwire logins trace.pcap --format csv -o logins.csv
  mailwire logins trace.pcap --show-secrets --format json | jq '.logins[].crackLine'`)
    .action(async (files: string[], opts: LoginsCommandOptions) => {
      process.exitCode = await runLogins(files, opts);
    });

  program
    .command('interfaces')
    .description('list capture interfaces')
    .addHelpText('after', `
Example:
  mailwire interfaces`)
    .action(async () => {
      process.exitCode = await runInterfaces();
    });

  return program;
}

export async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (err) {
    process.exitCode = exitCodeFor(err);
  }
}

function exitCodeFor(err: unknown): number {
  if (err instanceof CommanderError) {
    // --help and --version end "with an error" in commander's exitOverride mode: they are not errors.
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return 0;
    return EXIT_USAGE;
  }
  if (err instanceof UsageError || isMailwireError(err)) {
    process.stderr.write(`mailwire: ${(err as Error).message}\n`);
    return EXIT_USAGE;
  }
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`mailwire: internal error: ${message}\n`);
  return EXIT_USAGE;
}
