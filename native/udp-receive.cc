// The listener's socket read in C++ (issue 13): the clients' datagrams without dgram.
//
// Through dgram every client datagram cost a 64 KiB malloc, a Buffer, an rinfo object, a call
// into JavaScript, the session lookup and a Node-API call to send it. Here a batch is read with
// recvmmsg into buffers of our own, the client's address is looked up in a hash map (sockaddr ->
// session slot, no string), and a known session's datagram leaves on its connected upstream
// socket with one send(2). All of it on the engine's thread (native/udp-reply.cc). JavaScript
// gets only what it must decide: a new client, a session it unregistered (its target went down or
// was removed, it refused), a datagram too large to forward with its PROXY header, and a truncated
// one; queued (bounded: udpLimit) and handed over once per wake-up, each a call of its own.

#include "udp-engine.h"

#include <arpa/inet.h>
#include <errno.h>
#include <sys/epoll.h>
#include <time.h>

#include <memory>

namespace lbudp {

namespace {

constexpr unsigned kBatch = Receiver::kBatch;
constexpr int kBatchesPerTurn = 4;  // then the sessions' replies get a turn (level-triggered: read again next)

// Sends a known session's datagram. false: JavaScript must see it (the target refused).
bool Forward(Sess* s, char* p, size_t len, int64_t now) {
  ssize_t w = SendDatagram(s, p, len);
  if (w < 0 && errno == ECONNREFUSED) {
    Refused(s);  // an ICMP error the send returned: JavaScript moves the session
    return false;
  }
  s->n[kInDatagrams].add(1);
  s->n[kInBytes].add(double(len));
  s->tick(now);
  if (w >= 0) return true;
  if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS) s->n[kInFull].add(1);  // dropped, never queued
  else s->n[kInErrors].add(1);
  return true;
}

// The session that datagram `i` of the batch goes to from C++: registered, not refusing, the
// datagram whole and small enough for its PROXY header; nullptr: JavaScript decides.
Sess* Sendable(UdpEngine* e, unsigned i) {
  Receiver& rx = e->rx;
  Key k;
  if ((rx.msgs[i].msg_hdr.msg_flags & MSG_TRUNC) != 0 || !KeyOf(rx.from[i], &k)) return nullptr;
  auto it = e->byClient.find(k);
  Sess* s = it == e->byClient.end() ? nullptr : e->slots[size_t(it->second)];
  if (!s || s->refused.load(std::memory_order_relaxed) != 0 || rx.msgs[i].msg_len + s->header.size() > kMaxForward)
    return nullptr;
  if (!e->toJs.empty() && e->toJs.count(k) != 0) return nullptr;  // behind ones JavaScript has not seen
  return s;
}

// A run of datagrams [from, to) of the batch for one session, in order: one send(2), or one
// sendmmsg for several (a client with many datagrams in flight). Returns the first one not sent
// because the target refused (JavaScript must see it and the ones after it), or `to`.
unsigned ForwardRun(Receiver& rx, Sess* s, unsigned from, unsigned to, int64_t now) {
  if (to - from == 1) {
    char* p = rx.bufs + size_t(from) * kMaxDatagram;
    return Forward(s, p, rx.msgs[from].msg_len, now) ? to : from;
  }
  bool hdr = !s->header.empty();
  for (unsigned i = from; i < to; i++) {
    iovec* iov = &rx.outIov[2 * i];
    size_t k = 0;
    if (hdr) iov[k++] = {&s->header[0], s->header.size()};
    iov[k++] = {rx.bufs + size_t(i) * kMaxDatagram, rx.msgs[i].msg_len};
    rx.out[i].msg_hdr = msghdr{};
    rx.out[i].msg_hdr.msg_iov = iov;
    rx.out[i].msg_hdr.msg_iovlen = k;
  }
  unsigned off = from;
  while (off < to) {
    int r = sendmmsg(s->fd, &rx.out[off], to - off, MSG_DONTWAIT);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0 && errno == ECONNREFUSED) {
      Refused(s);  // an ICMP error the send returned: JavaScript moves the session
      return off;
    }
    unsigned sent = r > 0 ? unsigned(r) : 1;  // r < 0: rx.out[off] failed, the next ones are tried
    double bytes = 0;
    for (unsigned i = off; i < off + sent; i++) bytes += double(rx.msgs[i].msg_len);
    s->n[kInDatagrams].add(sent);
    s->n[kInBytes].add(bytes);
    if (r < 0) s->n[(errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS) ? kInFull : kInErrors].add(1);
    s->tick(now);
    off += sent;
  }
  return to;
}

// Datagram `i` of the batch, for JavaScript: queued for this wake-up's thread-safe call, or
// dropped and counted when it would pass the bytes allowed to wait (JavaScript cannot keep up).
void Queue(UdpEngine* e, unsigned i) {
  Receiver& rx = e->rx;
  size_t len = rx.msgs[i].msg_len;
  if (e->queuedBytes.load(std::memory_order_relaxed) + len > e->maxQueued.load(std::memory_order_relaxed)) {
    e->queueDrops.store(e->queueDrops.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    return;
  }
  if (!e->batch) e->batch = new JsBatch();
  e->batch->v.push_back(ToJs{rx.from[i], Key{}, (rx.msgs[i].msg_hdr.msg_flags & MSG_TRUNC) != 0,
                             std::string(rx.bufs + size_t(i) * kMaxDatagram, len)});
  ToJs& d = e->batch->v.back();
  if (KeyOf(d.from, &d.key)) e->toJs[d.key]++;
  e->queuedBytes.fetch_add(len, std::memory_order_relaxed);
}

// One call into JavaScript: callback(msg, ip, port, truncated). A callback scope (through
// napi_make_callback), so that process.nextTick and microtasks run after it; the callback catches
// and logs its own exceptions, and anything left pending is cleared here, never thrown into libuv.
void Call(UdpEngine* e, const ToJs& d) {
  napi_env env = e->env;
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return;
  char ip[INET6_ADDRSTRLEN] = "";
  int port = 0;
  if (d.from.ss_family == AF_INET) {
    auto* a = reinterpret_cast<const sockaddr_in*>(&d.from);
    inet_ntop(AF_INET, &a->sin_addr, ip, sizeof ip);
    port = ntohs(a->sin_port);
  } else if (d.from.ss_family == AF_INET6) {
    auto* a = reinterpret_cast<const sockaddr_in6*>(&d.from);
    inet_ntop(AF_INET6, &a->sin6_addr, ip, sizeof ip);
    port = ntohs(a->sin6_port);
  }
  napi_value argv[4], fn, global;
  void* data = nullptr;
  napi_create_buffer_copy(env, d.data.size(), d.data.data(), &data, &argv[0]);
  napi_create_string_utf8(env, ip, NAPI_AUTO_LENGTH, &argv[1]);
  napi_create_int32(env, port, &argv[2]);
  napi_get_boolean(env, d.truncated, &argv[3]);
  napi_get_global(env, &global);
  if (napi_get_reference_value(env, e->callback, &fn) == napi_ok && fn)
    napi_make_callback(env, e->async, global, fn, 4, argv, nullptr);
  bool pending = false;
  napi_value ex;
  if (napi_is_exception_pending(env, &pending) == napi_ok && pending) napi_get_and_clear_last_exception(env, &ex);
  napi_close_handle_scope(env, scope);
}

// The client's datagram was seen by JavaScript (or never will be), the lock held: once its last
// one queued is, the engine may forward its next ones itself (if JavaScript registered its
// session). A key that is not in the map (a family other than IPv4 and IPv6) is all zeros.
void Unqueue(UdpEngine* e, const ToJs& d) {
  e->queuedBytes.fetch_sub(d.data.size(), std::memory_order_relaxed);
  auto it = e->toJs.find(d.key);
  if (it != e->toJs.end() && --it->second == 0) e->toJs.erase(it);
}

}  // namespace

void FreeBuffers(Receiver* rx) {
  delete[] rx->bufs;
  rx->bufs = nullptr;
  rx->msgs.clear();
  rx->iovs.clear();
  rx->from.clear();
}

// The coarse clock (the last tick, a few ms): once per turn of the loop, for idle timeouts in seconds.
int64_t NowMs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
  return int64_t(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

void Receive(UdpEngine* e, int64_t now) {
  Receiver& rx = e->rx;
  for (int b = 0; b < kBatchesPerTurn && rx.fd >= 0; b++) {
    for (unsigned i = 0; i < kBatch; i++) {
      rx.msgs[i].msg_hdr.msg_namelen = sizeof(sockaddr_storage);
      rx.msgs[i].msg_hdr.msg_flags = 0;
    }
    int n = recvmmsg(rx.fd, rx.msgs.data(), kBatch, MSG_DONTWAIT, nullptr);
    if (n < 0) {
      if (errno == EINTR) continue;
      return;  // EAGAIN: read all; anything else (an ICMP error on the listener) is cleared by the read
    }
    unsigned i = 0;
    while (i < unsigned(n)) {
      Sess* s = Sendable(e, i);
      unsigned end = i + 1;
      if (s) {
        // a known session's run of datagrams goes out at once; what its target refused, and
        // anything else, to JavaScript in order
        while (end < unsigned(n) && Sendable(e, end) == s) end++;
        i = ForwardRun(rx, s, i, end, now);
      }
      for (; i < end; i++) Queue(e, i);
    }
    if (unsigned(n) < kBatch) return;
  }
}

bool Listen(UdpEngine* e, int fd) {
  Receiver& rx = e->rx;
  if (rx.fd >= 0) {
    errno = EALREADY;
    return false;
  }
  if (!rx.bufs) {
    rx.bufs = new char[kBatch * kMaxDatagram];
    rx.msgs.assign(kBatch, mmsghdr{});
    rx.iovs.assign(kBatch, iovec{});
    rx.from.assign(kBatch, sockaddr_storage{});
    for (unsigned i = 0; i < kBatch; i++) {
      rx.iovs[i] = {rx.bufs + size_t(i) * kMaxDatagram, kMaxDatagram};
      rx.msgs[i].msg_hdr.msg_iov = &rx.iovs[i];
      rx.msgs[i].msg_hdr.msg_iovlen = 1;
      rx.msgs[i].msg_hdr.msg_name = &rx.from[i];
    }
  }
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u32 = kListenerTag;
  if (epoll_ctl(e->ep, EPOLL_CTL_ADD, fd, &ev) != 0) return false;
  rx.fd = fd;
  return true;
}

void Unlisten(UdpEngine* e) {
  Receiver& rx = e->rx;
  if (rx.fd >= 0 && e->ep >= 0) epoll_ctl(e->ep, EPOLL_CTL_DEL, rx.fd, nullptr);
  rx.fd = -1;
}

void Register(UdpEngine* e, int32_t slot, Sess* s) {
  e->byClient[s->key] = slot;
  s->registered = true;
}

void Forget(UdpEngine* e, Sess* s) {
  if (!s->registered) return;
  s->registered = false;
  auto it = e->byClient.find(s->key);
  if (it != e->byClient.end() && e->slots[size_t(it->second)] == s) e->byClient.erase(it);
}

void Deliver(UdpEngine* e) {
  JsBatch* b = e->batch;
  e->batch = nullptr;
  if (b && napi_call_threadsafe_function(e->tsfn, b, napi_tsfn_nonblocking) != napi_ok) {
    std::lock_guard<std::mutex> lock(e->mu);  // the engine is going (the function was released)
    for (const ToJs& d : b->v) Unqueue(e, d);
    delete b;
  }
}

void CallJs(napi_env env, napi_value, void* context, void* data) {
  std::unique_ptr<JsBatch> b(static_cast<JsBatch*>(data));
  auto* e = static_cast<UdpEngine*>(context);
  if (!env || !e) return;  // the engine is going: nothing is delivered
  e->depth++;
  for (const ToJs& d : b->v) {
    if (e->destroyed) break;
    if (e->callback) Call(e, d);
    if (e->destroyed) break;
    // after the call: the client's next datagram must not overtake this one (natively sent)
    std::lock_guard<std::mutex> lock(e->mu);
    Unqueue(e, d);
  }
  e->depth--;
  if (e->finalized && e->depth == 0) FreeEngine(e);
}

}  // namespace lbudp
