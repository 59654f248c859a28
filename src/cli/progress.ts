/** A progress line on stderr while files are read — only when stderr is a terminal. */
export class Progress {
  private last = 0;
  private readonly start = Date.now();
  private shown = false;

  constructor(private readonly enabled: boolean, private readonly label: string) {}

  update(bytesRead: number, total: number | undefined): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (now - this.last < 200) return;
    this.last = now;
    const secs = Math.max(0.001, (now - this.start) / 1000);
    const rate = bytesRead / secs / 1e6;
    const pct = total ? ` ${((bytesRead / total) * 100).toFixed(0).padStart(3)}%` : '';
    const bar = total ? ` [${'#'.repeat(Math.round((bytesRead / total) * 20)).padEnd(20)}]` : '';
    process.stderr.write(`\r${this.label}${bar}${pct} ${(bytesRead / 1e6).toFixed(1)} MB, ${rate.toFixed(0)} MB/s   `);
    this.shown = true;
  }

  done(): void {
    if (this.shown) process.stderr.write('\r\x1b[K');
    this.shown = false;
  }
}
