/*
 * LD_PRELOAD shim for the real-client lab: makes an OpenSSL client (fetchmail, mbsync, s-nail)
 * write its TLS secrets to $SSLKEYLOGFILE in the NSS key log format, as curl and Python do on their
 * own. It wraps SSL_new and installs OpenSSL's keylog callback (SSL_CTX_set_keylog_callback,
 * OpenSSL >= 1.1.1) on the SSL's context; the real functions are found with dlsym(RTLD_NEXT).
 * Lab use only: it never runs in mailwire. Build: cc -shared -fPIC -o sslkeylog.so sslkeylog.c -ldl
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>

typedef struct ssl_st SSL;
typedef struct ssl_ctx_st SSL_CTX;
typedef void (*keylog_cb)(const SSL *ssl, const char *line);

static void write_line(const SSL *ssl, const char *line) {
  (void)ssl;
  const char *path = getenv("SSLKEYLOGFILE");
  if (path == NULL || *path == '\0') return;
  FILE *f = fopen(path, "a");
  if (f == NULL) return;
  fprintf(f, "%s\n", line);
  fclose(f);
}

SSL *SSL_new(SSL_CTX *ctx) {
  static SSL *(*real_new)(SSL_CTX *) = NULL;
  static void (*set_cb)(SSL_CTX *, keylog_cb) = NULL;
  if (real_new == NULL) real_new = (SSL *(*)(SSL_CTX *))dlsym(RTLD_NEXT, "SSL_new");
  if (set_cb == NULL) set_cb = (void (*)(SSL_CTX *, keylog_cb))dlsym(RTLD_NEXT, "SSL_CTX_set_keylog_callback");
  if (set_cb != NULL && ctx != NULL) set_cb(ctx, write_line);
  return real_new(ctx);
}
