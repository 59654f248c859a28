/**
 * Minimal pcap / pcapng reader for the decode tests (the real reader lives in src/capture/). It
 * reads a whole file and calls `onFrame` with ONE reused RawFrame, as the capture layer does.
 * Supports classic pcap (both byte orders, micro/nanosecond magic) and pcapng (SHB byte order,
 * IDB link type and if_tsresol, EPB, SPB and the obsolete PB). No error recovery: test input only.
 */
import { readFileSync } from 'node:fs';
import type { RawFrame } from '../../src/capture/frame.js';

export function readCaptureFrames(path: string | URL, onFrame: (f: RawFrame) => void): number {
  const data = new Uint8Array(readFileSync(path));
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const frame: RawFrame = {
    index: 0, tsSec: 0, tsNsec: 0, capLen: 0, wireLen: 0, linkType: 0, interfaceId: 0,
    buf: data, offset: 0, fileOffset: 0,
  };
  const magic = view.getUint32(0, false);
  if (magic === 0x0a0d0d0a) return readPcapng(data, view, frame, onFrame);

  let le: boolean;
  let nano: boolean;
  if (magic === 0xa1b2c3d4 || magic === 0xa1b23c4d) { le = false; nano = magic === 0xa1b23c4d; }
  else if (magic === 0xd4c3b2a1 || magic === 0x4d3cb2a1) { le = true; nano = magic === 0x4d3cb2a1; }
  else throw new Error(`not a capture file: ${String(path)}`);
  frame.linkType = view.getUint32(20, le) & 0x0fffffff;
  let p = 24;
  while (p + 16 <= data.length) {
    const capLen = view.getUint32(p + 8, le);
    if (p + 16 + capLen > data.length) break;
    frame.index++;
    frame.tsSec = view.getUint32(p, le);
    frame.tsNsec = view.getUint32(p + 4, le) * (nano ? 1 : 1000);
    frame.capLen = capLen;
    frame.wireLen = Math.max(capLen, view.getUint32(p + 12, le));
    frame.offset = p + 16;
    frame.fileOffset = p;
    onFrame(frame);
    p += 16 + capLen;
  }
  return frame.index;
}

function readPcapng(data: Uint8Array, view: DataView, frame: RawFrame, onFrame: (f: RawFrame) => void): number {
  let le = true;
  let interfaces: Array<{ linkType: number; unitsPerSec: number }> = [];
  let p = 0;
  while (p + 12 <= data.length) {
    const typeBE = view.getUint32(p, false);
    if (typeBE === 0x0a0d0d0a) {
      le = view.getUint32(p + 8, true) === 0x1a2b3c4d;
      interfaces = [];
    }
    const type = view.getUint32(p, le);
    const len = view.getUint32(p + 4, le);
    if (len < 12 || p + len > data.length) break;
    if (type === 1) { // IDB: linktype(2) reserved(2) snaplen(4) options
      let unitsPerSec = 1e6;
      let o = p + 16;
      while (o + 4 <= p + len - 4) {
        const code = view.getUint16(o, le);
        const olen = view.getUint16(o + 2, le);
        if (code === 0) break;
        if (code === 9 && olen >= 1) {
          const r = data[o + 4]!;
          unitsPerSec = r & 0x80 ? 2 ** (r & 0x7f) : 10 ** r;
        }
        o += 4 + ((olen + 3) & ~3);
      }
      interfaces.push({ linkType: view.getUint16(p + 8, le), unitsPerSec });
    } else if (type === 6 || type === 2) { // EPB / obsolete PB: iface, ts hi, ts lo, caplen, origlen
      const iface = type === 6 ? view.getUint32(p + 8, le) : view.getUint16(p + 8, le);
      const units = view.getUint32(p + 12, le) * 2 ** 32 + view.getUint32(p + 16, le);
      const info = interfaces[iface] ?? { linkType: 1, unitsPerSec: 1e6 };
      frame.index++;
      frame.interfaceId = iface;
      frame.linkType = info.linkType;
      frame.tsSec = Math.floor(units / info.unitsPerSec);
      frame.tsNsec = Math.round(((units % info.unitsPerSec) / info.unitsPerSec) * 1e9);
      frame.capLen = view.getUint32(p + 20, le);
      frame.wireLen = Math.max(frame.capLen, view.getUint32(p + 24, le));
      frame.offset = p + 28;
      frame.fileOffset = p;
      onFrame(frame);
    } else if (type === 3) { // SPB: origlen, data up to the block end
      const info = interfaces[0] ?? { linkType: 1, unitsPerSec: 1e6 };
      const wire = view.getUint32(p + 8, le);
      frame.index++;
      frame.interfaceId = 0;
      frame.linkType = info.linkType;
      frame.tsSec = 0;
      frame.tsNsec = 0;
      frame.capLen = Math.min(wire, len - 16);
      frame.wireLen = wire;
      frame.offset = p + 12;
      frame.fileOffset = p;
      onFrame(frame);
    }
    p += len;
  }
  return frame.index;
}
