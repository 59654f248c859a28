/*
 * mailwire_pcap: the live-capture binding of mailwire (src/capture/live.ts), written against
 * libpcap and Node-API only.
 *
 * Why it exists (docs/capture.md, docs/performance.md "Live capture"): the `cap` module opens every
 * capture in immediate mode with snaplen 65535, which makes libpcap on Linux use TPACKET_V2, whose
 * ring has one fixed-size frame per packet sized from the snaplen (65 616 bytes on loopback): a
 * 16 MiB buffer holds 256 packets. It also calls into JavaScript once per packet and has no
 * pcap_stats(). This binding opens WITHOUT immediate mode (libpcap then uses TPACKET_V3, whose
 * blocks hold packets back to back, so the buffer holds bytes, not slots), with the caller's
 * snaplen, buffer size and block timeout, and hands packets over in batches.
 *
 * JavaScript interface (all synchronous, main thread only):
 *   devices() -> [{ name, description?, addresses: string[], loopback: boolean }]
 *   libVersion: string
 *   new Capture(iface, filter, snaplen, bufferBytes, timeoutMs, batch: Buffer, loopback: boolean)
 *     .linkType (DLT number), .snaplen, .nanosecond (timestamps were nanosecond at the source),
 *     .ignoresOutgoing (loopback only: the kernel keeps the outgoing copy of each packet out of the
 *     ring, PACKET_IGNORE_OUTGOING, Linux 4.20+; libpcap would discard it anyway, since on a
 *     loopback interface every packet also comes back in; this halves what the ring must hold)
 *     .dispatch(maxPackets, onBatch): reads what the ring holds (non-blocking), copies each packet
 *        into `batch` as a record and calls onBatch(records) whenever `batch` is full and once at the
 *        end; returns the number of packets read. A record is, little-endian:
 *        u32 ts_sec, u32 ts_nsec, u32 caplen, u32 len, then caplen bytes (no padding).
 *     .stats() -> { received, dropped, ifDropped } (pcap_stats)
 *     .close() (idempotent; deferred to the end of a dispatch when called from onBatch)
 *   new Filter(linkType, snaplen, expression): a capture filter (tcpdump's expression language)
 *     compiled by libpcap for captures read from files (pcap_open_dead + pcap_compile)
 *     .matches(bytes: Uint8Array, offset, capLen, wireLen) -> boolean (pcap_offline_filter)
 * Errors thrown carry a code: ENODEV (no such interface), EPERM (needs root or CAP_NET_RAW),
 * ENETDOWN (interface down), EFILTER (filter does not compile), EPCAP (anything else libpcap says),
 * EINVAL (bad arguments).
 */
#define NAPI_VERSION 8
#include <node_api.h>
#include <pcap/pcap.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#ifdef __linux__
#include <linux/if_packet.h>
#endif

#define RECORD_HEADER_BYTES 16

typedef struct {
  pcap_t *pcap;
  int nanosecond;
  int closing;      /* close() was called while dispatching */
  int dispatching;
  napi_ref batch_ref; /* keeps the batch Buffer alive as long as the capture */
  uint8_t *batch;
  size_t batch_len;
  /* Valid during dispatch only. */
  napi_env env;
  napi_value on_batch;
  size_t used;
  uint32_t records;
  int failed;       /* onBatch threw: stop and let the exception propagate */
} capture_t;

static int check(napi_env env, napi_status status) {
  if (status == napi_ok) return 1;
  bool pending = false;
  napi_is_exception_pending(env, &pending);
  if (!pending) {
    const napi_extended_error_info *info = NULL;
    napi_get_last_error_info(env, &info);
    napi_throw_error(env, "EINVAL", info && info->error_message ? info->error_message : "Node-API call failed");
  }
  return 0;
}

#define CHECK(call) do { if (!check(env, (call))) return NULL; } while (0)

static void put_u32le(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)v;
  p[1] = (uint8_t)(v >> 8);
  p[2] = (uint8_t)(v >> 16);
  p[3] = (uint8_t)(v >> 24);
}

static napi_value string_arg(napi_env env, napi_value v, char *out, size_t size) {
  size_t len = 0;
  CHECK(napi_get_value_string_utf8(env, v, out, size, &len));
  if (len + 1 >= size) {
    napi_throw_error(env, "EINVAL", "argument too long");
    return NULL;
  }
  return v;
}

static void set_string(napi_env env, napi_value obj, const char *key, const char *value) {
  napi_value s;
  if (napi_create_string_utf8(env, value, NAPI_AUTO_LENGTH, &s) == napi_ok) napi_set_named_property(env, obj, key, s);
}

static void set_number(napi_env env, napi_value obj, const char *key, double value) {
  napi_value n;
  if (napi_create_double(env, value, &n) == napi_ok) napi_set_named_property(env, obj, key, n);
}

/* devices(): pcap_findalldevs, with IPv4 and IPv6 addresses as text. */
static napi_value devices(napi_env env, napi_callback_info info) {
  (void)info;
  char errbuf[PCAP_ERRBUF_SIZE] = "";
  pcap_if_t *all = NULL;
  if (pcap_findalldevs(&all, errbuf) != 0) {
    napi_throw_error(env, "EPCAP", errbuf);
    return NULL;
  }
  napi_value list;
  uint32_t i = 0;
  if (napi_create_array(env, &list) != napi_ok) goto fail;
  for (pcap_if_t *d = all; d; d = d->next) {
    napi_value dev, addrs;
    if (napi_create_object(env, &dev) != napi_ok || napi_create_array(env, &addrs) != napi_ok) goto fail;
    set_string(env, dev, "name", d->name);
    if (d->description) set_string(env, dev, "description", d->description);
    napi_value loopback;
    if (napi_get_boolean(env, (d->flags & PCAP_IF_LOOPBACK) != 0, &loopback) != napi_ok) goto fail;
    napi_set_named_property(env, dev, "loopback", loopback);
    uint32_t j = 0;
    for (pcap_addr_t *a = d->addresses; a; a = a->next) {
      char text[INET6_ADDRSTRLEN] = "";
      if (!a->addr) continue;
      if (a->addr->sa_family == AF_INET) {
        inet_ntop(AF_INET, &((struct sockaddr_in *)a->addr)->sin_addr, text, sizeof text);
      } else if (a->addr->sa_family == AF_INET6) {
        inet_ntop(AF_INET6, &((struct sockaddr_in6 *)a->addr)->sin6_addr, text, sizeof text);
      } else {
        continue;
      }
      napi_value s;
      if (napi_create_string_utf8(env, text, NAPI_AUTO_LENGTH, &s) != napi_ok) goto fail;
      napi_set_element(env, addrs, j++, s);
    }
    napi_set_named_property(env, dev, "addresses", addrs);
    napi_set_element(env, list, i++, dev);
  }
  pcap_freealldevs(all);
  return list;
fail:
  pcap_freealldevs(all);
  return NULL;
}

static void capture_close(capture_t *c) {
  if (c->pcap) {
    pcap_close(c->pcap);
    c->pcap = NULL;
  }
}

static void capture_finalize(napi_env env, void *data, void *hint) {
  (void)hint;
  capture_t *c = data;
  capture_close(c);
  if (c->batch_ref) napi_delete_reference(env, c->batch_ref);
  free(c);
}

static const char *activate_code(int status) {
  switch (status) {
    case PCAP_ERROR_NO_SUCH_DEVICE: return "ENODEV";
    case PCAP_ERROR_PERM_DENIED: return "EPERM";
    case PCAP_ERROR_IFACE_NOT_UP: return "ENETDOWN";
    default: return "EPCAP";
  }
}

/* Throws `code` with libpcap's message for the handle (or `fallback`), closes the handle. */
static napi_value fail_open(napi_env env, pcap_t *p, const char *code, const char *fallback) {
  char msg[PCAP_ERRBUF_SIZE + 64];
  const char *detail = p ? pcap_geterr(p) : NULL;
  snprintf(msg, sizeof msg, "%s", detail && detail[0] ? detail : fallback);
  if (p) pcap_close(p);
  napi_throw_error(env, code, msg);
  return NULL;
}

/* new Capture(iface, filter, snaplen, bufferBytes, timeoutMs, batch, loopback) */
static napi_value capture_new(napi_env env, napi_callback_info info) {
  size_t argc = 7;
  napi_value argv[7], self;
  CHECK(napi_get_cb_info(env, info, &argc, argv, &self, NULL));
  if (argc < 7) {
    napi_throw_error(env, "EINVAL", "Capture(iface, filter, snaplen, bufferBytes, timeoutMs, batch, loopback)");
    return NULL;
  }
  bool loopback = false;
  CHECK(napi_get_value_bool(env, argv[6], &loopback));
  char iface[256], filter[8192];
  if (!string_arg(env, argv[0], iface, sizeof iface) || !string_arg(env, argv[1], filter, sizeof filter)) return NULL;
  int32_t snaplen = 0, buffer_bytes = 0, timeout_ms = 0;
  CHECK(napi_get_value_int32(env, argv[2], &snaplen));
  CHECK(napi_get_value_int32(env, argv[3], &buffer_bytes));
  CHECK(napi_get_value_int32(env, argv[4], &timeout_ms));
  bool is_buffer = false;
  CHECK(napi_is_buffer(env, argv[5], &is_buffer));
  if (!is_buffer || snaplen < 1 || buffer_bytes < 1 || timeout_ms < 1) {
    napi_throw_error(env, "EINVAL", "Capture: bad snaplen, buffer size, timeout or batch buffer");
    return NULL;
  }
  void *batch = NULL;
  size_t batch_len = 0;
  CHECK(napi_get_buffer_info(env, argv[5], &batch, &batch_len));
  if (batch_len < (size_t)snaplen + RECORD_HEADER_BYTES) {
    napi_throw_error(env, "EINVAL", "Capture: the batch buffer must hold at least one record of snaplen bytes");
    return NULL;
  }

  char errbuf[PCAP_ERRBUF_SIZE] = "";
  pcap_t *p = pcap_create(iface, errbuf);
  if (!p) {
    napi_throw_error(env, "EPCAP", errbuf);
    return NULL;
  }
  /* No pcap_set_immediate_mode: without it libpcap on Linux uses TPACKET_V3 (packed blocks,
   * released to the reader when full or when `timeout_ms` has passed). */
  if (pcap_set_snaplen(p, snaplen) != 0 || pcap_set_promisc(p, 1) != 0 ||
      pcap_set_buffer_size(p, buffer_bytes) != 0 || pcap_set_timeout(p, timeout_ms) != 0) {
    return fail_open(env, p, "EPCAP", "cannot set the capture parameters");
  }
  int nanosecond = pcap_set_tstamp_precision(p, PCAP_TSTAMP_PRECISION_NANO) == 0;
  int status = pcap_activate(p);
  if (status < 0) {
    const char *code = activate_code(status);
    return fail_open(env, p, code, pcap_statustostr(status));
  }
  /* status > 0 is a warning (e.g. promiscuous mode not supported): the capture works. */
  nanosecond = nanosecond && pcap_get_tstamp_precision(p) == PCAP_TSTAMP_PRECISION_NANO;
  if (filter[0]) {
    struct bpf_program prog;
    if (pcap_compile(p, &prog, filter, 1, PCAP_NETMASK_UNKNOWN) != 0) return fail_open(env, p, "EFILTER", "filter does not compile");
    int r = pcap_setfilter(p, &prog);
    pcap_freecode(&prog);
    if (r != 0) return fail_open(env, p, "EPCAP", "cannot set the filter");
  }
  int ignores_outgoing = 0;
#ifdef PACKET_IGNORE_OUTGOING
  if (loopback) {
    int one = 1;
    /* Best effort: without it (kernels before 4.20) libpcap still drops the copies, in user space. */
    ignores_outgoing = setsockopt(pcap_fileno(p), SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof one) == 0;
  }
#endif
  if (pcap_setnonblock(p, 1, errbuf) != 0) {
    pcap_close(p);
    napi_throw_error(env, "EPCAP", errbuf);
    return NULL;
  }

  capture_t *c = calloc(1, sizeof *c);
  if (!c) {
    pcap_close(p);
    napi_throw_error(env, "EPCAP", "out of memory");
    return NULL;
  }
  c->pcap = p;
  c->nanosecond = nanosecond;
  c->batch = batch;
  c->batch_len = batch_len;
  if (napi_create_reference(env, argv[5], 1, &c->batch_ref) != napi_ok ||
      napi_wrap(env, self, c, capture_finalize, NULL, NULL) != napi_ok) {
    if (c->batch_ref) napi_delete_reference(env, c->batch_ref);
    pcap_close(p);
    free(c);
    return NULL;
  }
  set_number(env, self, "linkType", pcap_datalink(p));
  set_number(env, self, "snaplen", pcap_snapshot(p));
  napi_value b;
  CHECK(napi_get_boolean(env, nanosecond, &b));
  CHECK(napi_set_named_property(env, self, "nanosecond", b));
  CHECK(napi_get_boolean(env, ignores_outgoing, &b));
  CHECK(napi_set_named_property(env, self, "ignoresOutgoing", b));
  return self;
}

static capture_t *unwrap(napi_env env, napi_value self) {
  void *data = NULL;
  if (napi_unwrap(env, self, &data) != napi_ok || !data) {
    napi_throw_error(env, "EINVAL", "not a Capture");
    return NULL;
  }
  return data;
}

/* Hands the records in `batch` to JavaScript; returns 0 when onBatch threw. */
static int flush(capture_t *c) {
  if (c->records == 0) return 1;
  napi_value undefined, n, result;
  napi_get_undefined(c->env, &undefined);
  napi_create_uint32(c->env, c->records, &n);
  c->records = 0;
  c->used = 0;
  if (napi_call_function(c->env, undefined, c->on_batch, 1, &n, &result) != napi_ok) {
    c->failed = 1;
    return 0;
  }
  return 1;
}

static void on_packet(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes) {
  capture_t *c = (capture_t *)user;
  if (c->failed || c->closing) return;
  size_t need = RECORD_HEADER_BYTES + h->caplen;
  if (c->used + need > c->batch_len) {
    if (!flush(c) || c->closing) {
      pcap_breakloop(c->pcap);
      return;
    }
  }
  if (need > c->batch_len) return; /* cannot happen: caplen <= snaplen and the batch holds one */
  uint8_t *r = c->batch + c->used;
  uint32_t frac = (uint32_t)h->ts.tv_usec;
  put_u32le(r, (uint32_t)h->ts.tv_sec);
  put_u32le(r + 4, c->nanosecond ? frac : frac * 1000u);
  put_u32le(r + 8, h->caplen);
  put_u32le(r + 12, h->len);
  memcpy(r + RECORD_HEADER_BYTES, bytes, h->caplen);
  c->used += need;
  c->records++;
}

/* dispatch(maxPackets, onBatch) -> packets read */
static napi_value capture_dispatch(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2], self;
  CHECK(napi_get_cb_info(env, info, &argc, argv, &self, NULL));
  capture_t *c = unwrap(env, self);
  if (!c) return NULL;
  napi_value result;
  if (!c->pcap || c->dispatching) {
    CHECK(napi_create_int32(env, 0, &result));
    return result;
  }
  int32_t max_packets = -1;
  if (argc < 2 || napi_get_value_int32(env, argv[0], &max_packets) != napi_ok) {
    napi_throw_error(env, "EINVAL", "dispatch(maxPackets, onBatch)");
    return NULL;
  }
  c->env = env;
  c->on_batch = argv[1];
  c->used = 0;
  c->records = 0;
  c->failed = 0;
  c->dispatching = 1;
  int n = pcap_dispatch(c->pcap, max_packets > 0 ? max_packets : -1, on_packet, (u_char *)c);
  if (!c->failed && !c->closing) flush(c);
  c->dispatching = 0;
  c->on_batch = NULL;
  if (c->closing) capture_close(c);
  if (c->failed) return NULL; /* the exception onBatch threw is pending */
  if (n == PCAP_ERROR) {
    napi_throw_error(env, "EPCAP", c->pcap ? pcap_geterr(c->pcap) : "capture failed");
    return NULL;
  }
  CHECK(napi_create_int32(env, n < 0 ? 0 : n, &result));
  return result;
}

/* stats() -> { received, dropped, ifDropped } */
static napi_value capture_stats(napi_env env, napi_callback_info info) {
  napi_value self, out;
  CHECK(napi_get_cb_info(env, info, NULL, NULL, &self, NULL));
  capture_t *c = unwrap(env, self);
  if (!c) return NULL;
  struct pcap_stat s;
  if (!c->pcap || c->closing) {
    napi_throw_error(env, "EPCAP", "capture is closed");
    return NULL;
  }
  if (pcap_stats(c->pcap, &s) != 0) {
    napi_throw_error(env, "EPCAP", pcap_geterr(c->pcap));
    return NULL;
  }
  CHECK(napi_create_object(env, &out));
  set_number(env, out, "received", s.ps_recv);
  set_number(env, out, "dropped", s.ps_drop);
  set_number(env, out, "ifDropped", s.ps_ifdrop);
  return out;
}

static napi_value capture_close_js(napi_env env, napi_callback_info info) {
  napi_value self;
  CHECK(napi_get_cb_info(env, info, NULL, NULL, &self, NULL));
  capture_t *c = unwrap(env, self);
  if (!c) return NULL;
  if (c->dispatching) {
    /* From onBatch: pcap_dispatch is on the stack; stop it there and close when it returns. */
    c->closing = 1;
    pcap_breakloop(c->pcap);
  } else {
    capture_close(c);
  }
  return NULL;
}

/* ---- Filter: a BPF program for frames read from files ---- */

typedef struct {
  pcap_t *dead;
  struct bpf_program prog;
} filter_t;

static void filter_finalize(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  filter_t *f = (filter_t *)data;
  pcap_freecode(&f->prog);
  pcap_close(f->dead);
  free(f);
}

static napi_value filter_new(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3], self;
  CHECK(napi_get_cb_info(env, info, &argc, argv, &self, NULL));
  int32_t link_type = 0, snaplen = 0;
  if (argc < 3 || napi_get_value_int32(env, argv[0], &link_type) != napi_ok || napi_get_value_int32(env, argv[1], &snaplen) != napi_ok) {
    napi_throw_error(env, "EINVAL", "Filter(linkType, snaplen, expression)");
    return NULL;
  }
  char expr[4096];
  if (!string_arg(env, argv[2], expr, sizeof expr)) return NULL;
  filter_t *f = (filter_t *)calloc(1, sizeof *f);
  if (!f) {
    napi_throw_error(env, "EPCAP", "out of memory");
    return NULL;
  }
  f->dead = pcap_open_dead(link_type, snaplen > 0 ? snaplen : 262144);
  if (!f->dead) {
    free(f);
    napi_throw_error(env, "EPCAP", "pcap_open_dead failed");
    return NULL;
  }
  if (pcap_compile(f->dead, &f->prog, expr, 1, PCAP_NETMASK_UNKNOWN) != 0) {
    char why[PCAP_ERRBUF_SIZE + 1];
    snprintf(why, sizeof why, "%s", pcap_geterr(f->dead));
    pcap_close(f->dead);
    free(f);
    napi_throw_error(env, "EFILTER", why);
    return NULL;
  }
  if (napi_wrap(env, self, f, filter_finalize, NULL, NULL) != napi_ok) {
    pcap_freecode(&f->prog);
    pcap_close(f->dead);
    free(f);
    napi_throw_error(env, "EINVAL", "cannot wrap the filter");
    return NULL;
  }
  return self;
}

static napi_value filter_matches(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4], self;
  CHECK(napi_get_cb_info(env, info, &argc, argv, &self, NULL));
  filter_t *f = NULL;
  CHECK(napi_unwrap(env, self, (void **)&f));
  napi_typedarray_type type;
  size_t length = 0, byte_offset = 0;
  void *data = NULL;
  napi_value ab;
  uint32_t offset = 0, caplen = 0, wirelen = 0;
  if (argc < 4 || napi_get_typedarray_info(env, argv[0], &type, &length, &data, &ab, &byte_offset) != napi_ok || type != napi_uint8_array ||
      napi_get_value_uint32(env, argv[1], &offset) != napi_ok || napi_get_value_uint32(env, argv[2], &caplen) != napi_ok ||
      napi_get_value_uint32(env, argv[3], &wirelen) != napi_ok || (size_t)offset + caplen > length) {
    napi_throw_error(env, "EINVAL", "matches(bytes, offset, capLen, wireLen)");
    return NULL;
  }
  struct pcap_pkthdr h;
  memset(&h, 0, sizeof h);
  h.caplen = caplen;
  h.len = wirelen < caplen ? caplen : wirelen;
  napi_value out;
  CHECK(napi_get_boolean(env, pcap_offline_filter(&f->prog, &h, (const u_char *)data + offset) != 0, &out));
  return out;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor methods[] = {
    { "dispatch", NULL, capture_dispatch, NULL, NULL, NULL, napi_default, NULL },
    { "stats", NULL, capture_stats, NULL, NULL, NULL, napi_default, NULL },
    { "close", NULL, capture_close_js, NULL, NULL, NULL, napi_default, NULL },
  };
  napi_value cls, fn;
  CHECK(napi_define_class(env, "Capture", NAPI_AUTO_LENGTH, capture_new, NULL, 3, methods, &cls));
  CHECK(napi_set_named_property(env, exports, "Capture", cls));
  napi_property_descriptor filter_methods[] = {
    { "matches", NULL, filter_matches, NULL, NULL, NULL, napi_default, NULL },
  };
  CHECK(napi_define_class(env, "Filter", NAPI_AUTO_LENGTH, filter_new, NULL, 1, filter_methods, &cls));
  CHECK(napi_set_named_property(env, exports, "Filter", cls));
  CHECK(napi_create_function(env, "devices", NAPI_AUTO_LENGTH, devices, NULL, &fn));
  CHECK(napi_set_named_property(env, exports, "devices", fn));
  set_string(env, exports, "libVersion", pcap_lib_version());
  return exports;
}

NAPI_MODULE_INIT() {
  return init(env, exports);
}
