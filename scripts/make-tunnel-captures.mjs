#!/usr/bin/env node
// Writes the tunnelled samples captures/tunnel-*.pcap (see captures/README.md): the real IMAP
// session of captures/clean-imap.pcap wrapped, frame by frame, the way it arrives on firewalls, ISP
// edges and cloud mirrors: GRE, ERSPAN type II and III, MPLS (two labels), PPPoE, VXLAN, IP in IP,
// 6in4, one deeply nested, and GRE over fragmented IPv4. The 6in4 sample needs an IPv6 session:
// captures/clean-imap-ipv6.pcap is clean-imap.pcap with every IPv4 header turned into IPv6 (TCP
// checksums recomputed), written here too.
//
// Nothing random and no clock: every run writes the same bytes (the original's timestamps, fixed
// tunnel addresses, identifiers counted from fixed starts), so `--check` can compare byte for byte.
//
// Usage (after `npm run build`; `npm run captures:tunnels` does both):
//   node scripts/make-tunnel-captures.mjs             write captures/tunnel-*.pcap and clean-imap-ipv6.pcap
//   node scripts/make-tunnel-captures.mjs --out DIR   write them to DIR instead
//   node scripts/make-tunnel-captures.mjs --check     write them to a temporary directory and compare
//                                                     with the committed files (exit 1 when one differs)
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dist = (p) => import(new URL(`../dist/${p}`, import.meta.url).href);
const { readCapture } = await dist('capture/read-capture.js');
const { PcapWriter } = await dist('capture/pcap-writer.js');

const SOURCE = join(REPO, 'captures/clean-imap.pcap');
const LINKTYPE_ETHERNET = 1;

// ---------------------------------------------------------------------------------------------
// Byte helpers
// ---------------------------------------------------------------------------------------------

const bytes = (...values) => Uint8Array.from(values);
const u16 = (v) => bytes(v >> 8, v & 255);
const u32 = (v) => bytes(v >>> 24, (v >>> 16) & 255, (v >>> 8) & 255, v & 255);
const concat = (...parts) => Buffer.concat(parts.map((p) => Buffer.from(p.buffer, p.byteOffset, p.byteLength)));
const hex = (s) => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));

/** The Internet checksum (RFC 1071) of `data`, starting from `sum`. */
function checksum(data, sum = 0) {
  for (let i = 0; i + 1 < data.length; i += 2) sum += (data[i] << 8) | data[i + 1];
  if (data.length % 2) sum += data[data.length - 1] << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

// ---------------------------------------------------------------------------------------------
// Headers
// ---------------------------------------------------------------------------------------------

/** Tunnel endpoints (TEST-NET-2): the client side's router and the server side's. */
const TUNNEL_A = bytes(198, 51, 100, 1);
const TUNNEL_B = bytes(198, 51, 100, 2);
const MAC_A = hex('02 00 00 00 00 0a');
const MAC_B = hex('02 00 00 00 00 0b');

/** The provider edge routers' MACs (Cisco's OUI 00:00:0c) on the Ethernet pseudowire of tunnel-nested. */
const MAC_PE_A = hex('00 00 0c 07 ac 0a');
const MAC_PE_B = hex('00 00 0c 07 ac 0b');

const ethernet = (toServer, type, a = MAC_A, b = MAC_B) => concat(toServer ? b : a, toServer ? a : b, type);

/** An IPv4 header (no options, TTL 64, checksum filled) for `payloadLength` bytes. */
function ipv4Header(src, dst, protocol, payloadLength, id, fragment = { offset: 0, more: false }) {
  const h = concat(bytes(0x45, 0), u16(20 + payloadLength), u16(id), u16((fragment.more ? 0x2000 : 0) | (fragment.offset / 8)), bytes(64, protocol), u16(0), src, dst);
  h.set(u16(checksum(h)), 10);
  return h;
}

/** Outer IPv4 between the tunnel endpoints, in the inner packet's direction. */
const outerIpv4 = (toServer, protocol, payload, id) =>
  concat(ipv4Header(toServer ? TUNNEL_A : TUNNEL_B, toServer ? TUNNEL_B : TUNNEL_A, protocol, payload.length, id), payload);

/** GRE (RFC 2784/2890) with a key (K) and/or a sequence number (S). */
function gre(type, { key, sequence } = {}) {
  const flags = (key !== undefined ? 0x20 : 0) | (sequence !== undefined ? 0x10 : 0);
  return concat(bytes(flags, 0), u16(type), key !== undefined ? u32(key) : bytes(), sequence !== undefined ? u32(sequence) : bytes());
}

/** ERSPAN type II header: ver 1, vlan 0, cos 0, en 0, t 0, session id; reserved, index. */
const erspanII = (session, index) => concat(u16(0x1000), u16(session & 0x3ff), u32(index & 0xfffff));

/**
 * ERSPAN type III header: ver 2, session id, a timestamp (100 µs units, from the frame's time), then
 * sgt 0, P 1, FT 0 (Ethernet), hw id 5, D by direction, gra 0, and O set: the 8-byte platform
 * sub-header follows (platform id 3, the upper timestamp bits), exercising the optional part.
 */
function erspanIII(session, frame, toServer) {
  const ticks = Math.floor((frame.tsSec * 1e9 + frame.tsNsec) / 1e5);
  const word = 0x8000 | (5 << 4) | (toServer ? 0 : 0x08) | 0x01;
  const platform = concat(u32(((3 << 26) >>> 0) | (Math.floor(ticks / 2 ** 32) & 0x3ffffff)), u32(ticks >>> 0));
  return concat(u16(0x2000), u16(session & 0x3ff), u32(ticks >>> 0), u16(0), u16(word), platform);
}

/** MPLS label stack entry: label(20) tc(3) S(1) ttl(8). */
const mplsLabel = (label, bottom) => u32(((label << 12) | (bottom ? 0x100 : 0) | 64) >>> 0);

/** PPPoE session header (ver/type 0x11, code 0) and the PPP protocol field 0x0021 / 0x0057. */
const pppoe = (session, ipVersion, packet) => concat(bytes(0x11, 0), u16(session), u16(2 + packet.length), u16(ipVersion === 4 ? 0x0021 : 0x0057), packet);

/** UDP to VXLAN's port 4789 (source port from the inner flow, as RFC 7348 suggests; checksum 0) and the VXLAN header (I flag, VNI). */
const vxlan = (sourcePort, vni, frame) => concat(u16(sourcePort), u16(4789), u16(16 + frame.length), u16(0), bytes(0x08, 0, 0, 0), u32((vni << 8) >>> 0), frame);

// ---------------------------------------------------------------------------------------------
// The original frames
// ---------------------------------------------------------------------------------------------

/** Each frame of the source: time, its Ethernet frame, the IP packet inside and its direction. */
async function readFrames(file) {
  const frames = [];
  await readCapture(file, {
    frame(f) {
      const eth = Uint8Array.from(f.buf.subarray(f.offset, f.offset + f.capLen));
      if (f.linkType !== LINKTYPE_ETHERNET || eth[12] !== 0x08 || eth[13] !== 0x00) throw new Error(`${file}: frame ${f.index} is not Ethernet/IPv4`);
      frames.push({ tsSec: f.tsSec, tsNsec: f.tsNsec, eth, ip: eth.subarray(14) });
    },
  });
  // The client sent the first packet (the SYN); its address tells each frame's direction.
  const client = Buffer.from(frames[0].ip.subarray(12, 16));
  for (const f of frames) {
    f.toServer = client.equals(Buffer.from(f.ip.subarray(12, 16)));
    f.tcpPort = (f.ip[20] << 8) | f.ip[21];
  }
  return frames;
}

/** 127.0.0.x → 2001:db8::7f00:x: the IPv4 address inside a documentation IPv6 prefix. */
const toIpv6Address = (v4) => concat(hex('2001 0db8 0000 0000 0000 0000'), v4);

/** The same TCP segment in IPv6 (hop limit = TTL, traffic class = TOS), TCP checksum recomputed. */
function toIpv6(ip) {
  const ihl = (ip[0] & 0x0f) * 4;
  const total = (ip[2] << 8) | ip[3];
  const tcp = Uint8Array.from(ip.subarray(ihl, total));
  const src = toIpv6Address(ip.subarray(12, 16));
  const dst = toIpv6Address(ip.subarray(16, 20));
  tcp.set(u16(0), 16);
  const pseudo = concat(src, dst, u32(tcp.length), bytes(0, 0, 0, 6));
  tcp.set(u16(checksum(concat(pseudo, tcp))), 16);
  const tos = ip[1];
  const header = concat(bytes(0x60 | (tos >> 4), (tos & 0x0f) << 4, 0, 0), u16(tcp.length), bytes(6, ip[8]), src, dst);
  return concat(header, tcp);
}

// ---------------------------------------------------------------------------------------------
// The samples: each maps one original frame to the frames written (usually one).
// ---------------------------------------------------------------------------------------------

/** Splits an IPv4 packet (no options) into fragments of at most `mtu` bytes. */
function fragmentIpv4(packet, mtu) {
  const payload = packet.subarray(20);
  const id = (packet[4] << 8) | packet[5];
  const step = Math.floor((mtu - 20) / 8) * 8;
  if (payload.length + 20 <= mtu) return [packet];
  const out = [];
  for (let offset = 0; offset < payload.length; offset += step) {
    const part = payload.subarray(offset, offset + step);
    const more = offset + step < payload.length;
    out.push(concat(ipv4Header(packet.subarray(12, 16), packet.subarray(16, 20), packet[9], part.length, id, { offset, more }), part));
  }
  return out;
}

const SAMPLES = [
  {
    name: 'tunnel-gre', what: 'GRE with a key (RFC 2890), IPv4 inside',
    wrap: (f, i) => [concat(ethernet(f.toServer, u16(0x0800)), outerIpv4(f.toServer, 47, concat(gre(0x0800, { key: 1001 }), f.ip), 0x1000 + i))],
  },
  {
    name: 'tunnel-gre-fragmented', what: 'GRE carrying whole Ethernet frames (0x6558) over IPv4 fragmented at a 256-byte MTU',
    wrap: (f, i) => fragmentIpv4(outerIpv4(f.toServer, 47, concat(gre(0x6558), f.eth), 0x2000 + i), 256).map((p) => concat(ethernet(f.toServer, u16(0x0800)), p)),
  },
  {
    name: 'tunnel-erspan2', what: 'ERSPAN type II (GRE 0x88BE with sequence numbers), the mirrored Ethernet frame inside',
    wrap: (f, i) => [concat(ethernet(true, u16(0x0800)), outerIpv4(true, 47, concat(gre(0x88be, { sequence: i }), erspanII(42, 7), f.eth), 0x3000 + i))],
  },
  {
    name: 'tunnel-erspan3', what: 'ERSPAN type III (GRE 0x22EB) with timestamps and the optional platform sub-header',
    wrap: (f, i) => [concat(ethernet(true, u16(0x0800)), outerIpv4(true, 47, concat(gre(0x22eb, { sequence: i }), erspanIII(43, f, f.toServer), f.eth), 0x4000 + i))],
  },
  {
    name: 'tunnel-mpls', what: 'MPLS, two labels (transport 16004, service 24001), IPv4 inside',
    wrap: (f) => [concat(ethernet(f.toServer, u16(0x8847)), mplsLabel(16004, false), mplsLabel(24001, true), f.ip)],
  },
  {
    name: 'tunnel-pppoe', what: 'PPPoE session 0x2a01 in VLAN 7 (a DSL WAN port), PPP IPv4 inside',
    wrap: (f) => [concat(ethernet(f.toServer, hex('8100 0007 8864')), pppoe(0x2a01, 4, f.ip))],
  },
  {
    name: 'tunnel-vxlan', what: 'VXLAN (UDP 4789, VNI 4242), as AWS VPC Traffic Mirroring sends it',
    wrap: (f, i) => [concat(ethernet(true, u16(0x0800)), outerIpv4(true, 17, vxlan(49152 + (f.tcpPort & 0x3fff), 4242, f.eth), 0x5000 + i))],
  },
  {
    name: 'tunnel-ipip', what: 'IPv4 in IPv4 (protocol 4)',
    wrap: (f, i) => [concat(ethernet(f.toServer, u16(0x0800)), outerIpv4(f.toServer, 4, f.ip, 0x6000 + i))],
  },
  {
    name: 'clean-imap-ipv6', what: 'clean-imap.pcap in IPv6 (the unwrapped original of tunnel-6in4)',
    wrap: (f) => [concat(ethernet(f.toServer, u16(0x86dd)), toIpv6(f.ip))],
  },
  {
    name: 'tunnel-6in4', what: 'clean-imap-ipv6.pcap in 6in4 (IPv6 in IPv4, protocol 41)',
    wrap: (f, i) => [concat(ethernet(f.toServer, u16(0x0800)), outerIpv4(f.toServer, 41, toIpv6(f.ip), 0x7000 + i))],
  },
  {
    name: 'tunnel-nested', what: 'VLAN 100, MPLS pseudowire with control word, Ethernet, VLAN 200, IPv4, GRE (0x6558), then the original Ethernet frame',
    wrap: (f, i) => [concat(
      ethernet(f.toServer, hex('8100 0064 8847')), mplsLabel(30001, true), u32(0),
      // Vendor MACs here: Wireshark tells a control word from an Ethernet frame by how plausible
      // the addresses look under each reading (mailwire takes a first nibble 0 as a control word).
      ethernet(f.toServer, hex('8100 00c8 0800'), MAC_PE_A, MAC_PE_B), outerIpv4(f.toServer, 47, concat(gre(0x6558), f.eth), 0x8000 + i),
    )],
  },
];

// ---------------------------------------------------------------------------------------------

async function writeAll(outDir) {
  const frames = await readFrames(SOURCE);
  for (const s of SAMPLES) {
    const file = join(outDir, `${s.name}.pcap`);
    const w = new PcapWriter(file, LINKTYPE_ETHERNET, 262_144);
    frames.forEach((f, i) => { for (const data of s.wrap(f, i)) w.write(f.tsSec, f.tsNsec, data); });
    w.close();
    chmodSync(file, 0o644); // public samples, unlike `live -w` captures
  }
}

const args = process.argv.slice(2);
if (args.includes('--check')) {
  const tmp = mkdtempSync(join(tmpdir(), 'mailwire-tunnels-'));
  try {
    await writeAll(tmp);
    let differ = 0;
    for (const s of SAMPLES) {
      const committed = join(REPO, 'captures', `${s.name}.pcap`);
      const same = existsSync(committed) && readFileSync(committed).equals(readFileSync(join(tmp, `${s.name}.pcap`)));
      console.log(`${s.name}.pcap: ${same ? 'same' : 'DIFFERS'}`);
      if (!same) differ++;
    }
    process.exitCode = differ ? 1 : 0;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
} else {
  const i = args.indexOf('--out');
  const outDir = i >= 0 ? resolve(args[i + 1]) : join(REPO, 'captures');
  await writeAll(outDir);
  for (const s of SAMPLES) console.log(`${join(outDir, `${s.name}.pcap`)}: ${s.what}`);
}
