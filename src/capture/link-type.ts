import { LinkType } from './frame.js';

/**
 * Maps the link type numbers found in files to the LINKTYPE_* value the decoder understands.
 * DLT_RAW is 12 or 14 on some BSDs and such files carry the DLT value instead of LINKTYPE_RAW (101).
 * Only the low 16 bits of the pcap "network" field are the link type (the rest holds FCS flags).
 */
export function normaliseLinkType(raw: number): number {
  const lt = raw & 0xffff;
  return lt === LinkType.RAW_ALT_12 || lt === LinkType.RAW_ALT_14 ? LinkType.RAW : lt;
}

const DECODED_LINK_TYPES = new Set<number>(Object.values(LinkType));

/**
 * Whether the decoder understands this (normalised) link type: the LinkType table lists exactly
 * the ones src/decode handles. Readers warn once per file header / interface about any other, so a
 * capture that yields no conversation says why instead of reporting an empty analysis.
 */
export function isDecodedLinkType(linkType: number): boolean {
  return DECODED_LINK_TYPES.has(linkType);
}

/** The reader's one-line explanation for an unsupported link type (`where` says where it was declared). */
export function unsupportedLinkTypeMessage(linkType: number, where: string): string {
  return `link type ${linkType} (${where}) is not one mailwire decodes (Ethernet, Linux cooked, raw IP, loopback, PPP, Cisco HDLC): its frames are counted but not analysed`;
}
