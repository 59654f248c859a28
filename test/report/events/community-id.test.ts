/**
 * Community ID v1 against the specification's own reference data (corelight/community-id-spec,
 * baseline/baseline_deflt.json and baseline_seed1.json: flow tuple → expected id; the ICMP rows
 * there already carry the type/code mapped to ports).
 */
import { describe, expect, it } from 'vitest';
import { addressBytes, communityId } from '../../../src/report/events/community-id.js';

type Row = [proto: number, saddr: string, daddr: string, sport: number | undefined, dport: number | undefined, seed0: string, seed1: string];

const BASELINE: Row[] = [
  [58, 'fe80::200:86ff:fe05:80da', 'fe80::260:97ff:fe07:69ea', 135, 136, '1:dGHyGvjMfljg6Bppwm3bg0LO8TY=', '1:kHa1FhMYIT6Ym2Vm2AOtoOARDzY='],
  [58, 'fe80::260:97ff:fe07:69ea', 'fe80::200:86ff:fe05:80da', 135, 136, '1:zavyT/cezQr1fmImYCwYnMXbgck=', '1:2hSqmsDZ2kdcY9kbiUzOEBic0iM='],
  [58, '3ffe:501:1800:2345::2', '3ffe:507:0:1:200:86ff:fe05:80da', 3, 0, '1:2ObVBgIn28oZvibYZhZMBgh7WdQ=', '1:lVEtCZpYu84Xqaa++3lXFyuu2n4='],
  [58, '3ffe:507:0:1:200:86ff:fe05:80da', '3ffe:501:0:1001::2', 128, 129, '1:+TW+HtLHvV1xnGhV1lv7XoJrqQg=', '1:GfZxjAkDk2MkegpBYHV6tadtFXQ='],
  [58, 'fe80::200:86ff:fe05:80da', 'ff02::2', 133, 134, '1:hO+sN4H+MG5MY/8hIrXPqc4ZQz0=', '1:L7Ka0ZMYu+J3bL4ulW2PrqyXNo8='],
  [1, '192.168.0.89', '192.168.0.1', 8, 0, '1:X0snYXpgwiv9TZtqg64sgzUn6Dk=', '1:03g6IloqVBdcZlPyX8r0hgoE7kA='],
  [1, '10.0.0.1', '10.0.0.2', 11, 0, '1:YHxtAirCG//0OzkcVAukqKQN9xM=', '1:XjUibYHaafLQ3pxQeiMI8g25q20='],
  [6, '2001:470:e5bf:dead:4957:2174:e82c:4887', '2607:f8b0:400c:c03::1a', 63943, 25, '1:/qFaeAR+gFe1KYjMzVDsMv+wgU4=', '1:eJYTW6AOzFLlSUoESovMjnu7rMw='],
  [132, '192.168.170.8', '192.168.170.56', 7, 7, '1:MP2EtRCAUIZvTw6MxJHLV7N7JDs=', '1:5w3ZRjeKBzqT3zsaEECDGjUbYeg='],
  [6, '128.232.110.120', '66.35.250.204', 34855, 80, '1:LQU9qZlK+B5F3KDmev6m5PMibrg=', '1:3V71V58M3Ksw/yuFALMcW0LAHvc='],
  [17, '192.168.1.52', '8.8.8.8', 54585, 53, '1:d/FP5EW3wiY1vCndhwleRRKHowQ=', '1:Q9We8WO3piVF8yEQBNJF4uiSVrI='],
  [46, '10.1.12.1', '10.1.12.2', undefined, undefined, '1:KHlLkgoJW7ifUTyTSgyVfkFHzKw=', '1:rYir8gphR31noO9iDRQmF/BteEI='],
];

describe('communityId (spec baseline)', () => {
  it.each(BASELINE)('proto %i %s → %s', (proto, saddr, daddr, sport, dport, seed0, seed1) => {
    expect(communityId(proto, saddr, daddr, sport, dport)).toBe(seed0);
    expect(communityId(proto, saddr, daddr, sport, dport, 1)).toBe(seed1);
  });

  it('is the same both ways for TCP, UDP and SCTP (the baseline lists each flow reversed too)', () => {
    for (const [proto, saddr, daddr, sport, dport, seed0] of BASELINE.filter((r) => [6, 17, 132, 46].includes(r[0]))) {
      expect(communityId(proto, daddr, saddr, dport, sport)).toBe(seed0);
    }
  });

  it('gives an empty id for what it cannot hash: mixed families, not an address', () => {
    expect(communityId(6, '10.0.0.1', '::1', 1, 2)).toBe('');
    expect(communityId(6, 'mail.example.org', '10.0.0.1', 1, 2)).toBe('');
  });

  it('reads IPv6 in every written form', () => {
    expect(Array.from(addressBytes('::1')!)).toEqual([...new Array(15).fill(0), 1]);
    expect(Array.from(addressBytes('::ffff:10.1.2.3')!)).toEqual([...new Array(10).fill(0), 0xff, 0xff, 10, 1, 2, 3]);
    expect(Array.from(addressBytes('2001:db8::')!).slice(0, 4)).toEqual([0x20, 0x01, 0x0d, 0xb8]);
  });
});
