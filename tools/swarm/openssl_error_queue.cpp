// CAF 0.17's openssl sessions (libcaf_openssl) call SSL_read, SSL_write,
// SSL_accept and SSL_connect without clearing the thread's OpenSSL error queue
// first, and leave it full after a failure. SSL_get_error reads that queue
// first, so once one connection fails (a peer without a certificate, a killed
// worker), the next would-block read of another connection on the same I/O
// thread is taken for a fatal error and CAF drops a healthy link: one
// unauthenticated handshake would end every worker's link. This executable
// defines the four functions, so the dynamic linker binds libcaf_openssl's calls
// (and everyone else's) to them; each clears the queue, as OpenSSL requires of
// its callers, then calls libssl's own.
#include <dlfcn.h>

#include <cstdlib>

#include <openssl/err.h>
#include <openssl/ssl.h>

namespace {

template <class Fn>
Fn next_definition(const char* name) {
  auto* fn = reinterpret_cast<Fn>(dlsym(RTLD_NEXT, name));
  if (fn == nullptr)
    std::abort();
  return fn;
}

} // namespace

extern "C" int SSL_read(SSL* ssl, void* buf, int num) {
  static auto real = next_definition<int (*)(SSL*, void*, int)>("SSL_read");
  ERR_clear_error();
  return real(ssl, buf, num);
}

extern "C" int SSL_write(SSL* ssl, const void* buf, int num) {
  static auto real = next_definition<int (*)(SSL*, const void*, int)>("SSL_write");
  ERR_clear_error();
  return real(ssl, buf, num);
}

extern "C" int SSL_accept(SSL* ssl) {
  static auto real = next_definition<int (*)(SSL*)>("SSL_accept");
  ERR_clear_error();
  return real(ssl);
}

extern "C" int SSL_connect(SSL* ssl) {
  static auto real = next_definition<int (*)(SSL*)>("SSL_connect");
  ERR_clear_error();
  return real(ssl);
}
