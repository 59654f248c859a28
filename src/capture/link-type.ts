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
