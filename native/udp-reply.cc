// UDP fast path (issue 13): the sessions' upstream sockets in C++, on the JavaScript thread.
//
// Through dgram, every datagram costs Node a 64 KiB allocation, a Buffer, an `rinfo` object, a
// call into JavaScript and a send request; that was most of our CPU per datagram against
// nginx's (docs/benchmarks.md, UDP). Here a session's upstream socket is a plain descriptor: the
// client's datagram goes out with one send(2) (from C++ when the engine reads the listener's
// socket: native/udp-receive.cc; else from udpSend), and the target's replies are read and sent
// to the client from the listener's socket (sendto on its descriptor) without entering
// JavaScript. JavaScript decides every session (admission, target, moves); it pulls the counters,
// drops, port-unreachable errors and the time of the last datagram (udpTake) on its sweep and
// before a session ends.
//
// No thread: the sockets sit in one epoll set of our own, and that epoll descriptor is polled by
// the Node event loop (one uv_poll), so replies are relayed in the same loop turn as Node's own
// I/O, with no wake-up of another thread. libuv is reached through the few functions Node
// exports (declared below: node-api-headers ships no uv.h); uv_poll_t stays opaque.

#include "udp-engine.h"

#include <errno.h>
#include <sys/epoll.h>
#include <unistd.h>

extern "C" {
struct uv_loop_s;
struct uv_poll_s;
struct uv_handle_s;
typedef void (*lb_uv_poll_cb)(uv_poll_s*, int status, int events);
typedef void (*lb_uv_close_cb)(uv_handle_s*);
int uv_poll_init(uv_loop_s*, uv_poll_s*, int fd);
int uv_poll_start(uv_poll_s*, int events, lb_uv_poll_cb);
int uv_poll_stop(uv_poll_s*);
void uv_close(uv_handle_s*, lb_uv_close_cb);
void uv_unref(uv_handle_s*);
void uv_ref(uv_handle_s*);
}

namespace {

using lbnative::Bool;
using lbnative::Int;
using lbnative::ParseAddr;
using namespace lbudp;

constexpr int kUvReadable = 1;
constexpr size_t kPollBytes = 512;      // > sizeof(uv_poll_t) on every libuv 1.x (about 160)
constexpr int kReadsPerSession = 16;    // fairness between sessions in one turn (level-triggered)
constexpr int kEventsPerTurn = 64;

// Sends the batched replies to their clients from the listener's socket; each one that cannot go
// is dropped and counted (send buffer full, another error), never queued.
void Flush(UdpEngine* e) {
  ReplyBatch& b = e->replies;
  unsigned off = 0;
  while (off < b.n) {
    int r = sendmmsg(b.fd, &b.msgs[off], b.n - off, MSG_DONTWAIT);
    if (r > 0) {
      for (unsigned j = off; j < off + unsigned(r); j++) {
        b.of[j]->n[kDatagrams]++;
        b.of[j]->n[kBytes] += double(b.iovs[j].iov_len);
      }
      off += unsigned(r);
      continue;
    }
    if (r < 0 && errno == EINTR) continue;
    bool full = r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS);
    b.of[off]->n[full ? kFull : kErrors]++;  // this one failed; the next ones are tried
    off++;
  }
  b.n = 0;
}

// The replies of one session to its client into the batch (recvmmsg: one call reads what is
// there), up to kReadsPerSession (the rest next turn).
void Relay(UdpEngine* e, Sess* s, int64_t now) {
  ReplyBatch& b = e->replies;
  for (int read = 0; read < kReadsPerSession;) {
    if (b.n == ReplyBatch::kSize || (b.n > 0 && b.fd != s->listenFd)) Flush(e);
    unsigned want = ReplyBatch::kSize - b.n;
    if (want > unsigned(kReadsPerSession - read)) want = unsigned(kReadsPerSession - read);
    for (unsigned j = b.n; j < b.n + want; j++) {
      b.iovs[j] = {b.bufs + size_t(j) * kMaxDatagram, kMaxDatagram};
      b.msgs[j].msg_hdr = msghdr{};
      b.msgs[j].msg_hdr.msg_iov = &b.iovs[j];
      b.msgs[j].msg_hdr.msg_iovlen = 1;
    }
    int r = recvmmsg(s->fd, &b.msgs[b.n], want, MSG_DONTWAIT, nullptr);
    if (r < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) return;
      if (errno == ECONNREFUSED) s->n[kRefused]++;  // ICMP port unreachable: JavaScript decides
      else if (errno != EINTR) s->n[kErrors]++;
      read++;
      continue;  // the error is cleared by reading it; replies may follow
    }
    for (unsigned j = b.n; j < b.n + unsigned(r); j++) {
      b.iovs[j].iov_len = b.msgs[j].msg_len;
      b.msgs[j].msg_hdr.msg_name = &s->client;
      b.msgs[j].msg_hdr.msg_namelen = s->clientLen;
      b.of[j] = s;
    }
    b.n += unsigned(r);
    b.fd = s->listenFd;
    s->last = now;
    read += r;
    if (unsigned(r) < want) return;  // read all there was
  }
}

void FreeEngine(UdpEngine* e);

void OnPoll(uv_poll_s* handle, int status, int) {
  auto* e = *reinterpret_cast<UdpEngine**>(handle);
  if (!e || status < 0) return;
  epoll_event evs[kEventsPerTurn];
  int n = epoll_wait(e->ep, evs, kEventsPerTurn, 0);
  int64_t now = NowMs();
  e->depth++;
  for (int i = 0; i < n && e->ep >= 0; i++) {
    uint32_t slot = evs[i].data.u32;
    if (slot != kListenerTag) {
      if (slot < e->slots.size() && e->slots[slot]) Relay(e, e->slots[slot], now);
      continue;
    }
    Flush(e);  // Receive may call JavaScript, which may close the sessions of batched replies
    Receive(e, now);
  }
  if (e->ep >= 0) Flush(e);
  e->depth--;
  if (e->finalized && e->depth == 0) FreeEngine(e);
}

void CloseSess(UdpEngine* e, int32_t slot) {
  Sess* s = e->slots[size_t(slot)];
  if (!s) return;
  Forget(e, s);
  close(s->fd);  // leaves the epoll set with its last descriptor
  delete s;
  e->slots[size_t(slot)] = nullptr;
  e->freeSlots.push_back(slot);
}

void FreePoll(uv_handle_s* h) { operator delete(static_cast<void*>(h)); }

// Closes every session socket and stops polling; the listener's descriptor stays open (Node's).
// `napi`: false at the env's teardown or from the finalizer, where no Node-API call is made.
void Shut(UdpEngine* e, bool napi) {
  if (napi) {
    Unlisten(e);
  } else {
    e->rx.fd = -1;  // the reference and async context go with the env
    e->rx.callback = nullptr;
    e->rx.async = nullptr;
  }
  if (e->poll) {
    *reinterpret_cast<UdpEngine**>(e->poll) = nullptr;
    uv_poll_stop(static_cast<uv_poll_s*>(e->poll));
    uv_close(static_cast<uv_handle_s*>(e->poll), FreePoll);
    e->poll = nullptr;
  }
  for (size_t i = 0; i < e->slots.size(); i++)
    if (e->slots[i]) CloseSess(e, int32_t(i));
  e->slots.clear();
  e->freeSlots.clear();
  e->byClient.clear();
  if (e->ep >= 0) close(e->ep);
  e->ep = -1;
}

void Destroy(UdpEngine* e) { Shut(e, false); }

void FreeEngine(UdpEngine* e) {
  delete[] e->rx.bufs;
  delete[] e->replies.bufs;
  delete e;
}

// Collected: freed now, or when OnPoll (which called into JavaScript) returns.
void Free(UdpEngine* e) {
  if (e->depth > 0) e->finalized = true;
  else FreeEngine(e);
}

UdpEngine* EngineOf(napi_env env, napi_value v) {
  void* p = nullptr;
  if (napi_get_value_external(env, v, &p) != napi_ok) return nullptr;
  auto* e = static_cast<UdpEngine*>(p);
  return e && e->ep >= 0 ? e : nullptr;
}

Sess* SessOf(napi_env env, UdpEngine* e, napi_value v, int32_t* slotOut) {
  int32_t slot = -1;
  napi_get_value_int32(env, v, &slot);
  if (!e || slot < 0 || size_t(slot) >= e->slots.size()) return nullptr;
  *slotOut = slot;
  return e->slots[size_t(slot)];
}

std::string StringArg(napi_env env, napi_value v) {
  size_t len = 0;
  if (napi_get_value_string_utf8(env, v, nullptr, 0, &len) != napi_ok) return {};
  std::string s(len, '\0');
  napi_get_value_string_utf8(env, v, &s[0], len + 1, &len);
  return s;
}

// udpCreate() -> engine, or throws.
napi_value UdpCreate(napi_env env, napi_callback_info) {
  auto* e = new UdpEngine();
  e->env = env;
  e->ep = epoll_create1(EPOLL_CLOEXEC);
  uv_loop_s* loop = nullptr;
  e->replies.bufs = new char[ReplyBatch::kSize * kMaxDatagram];
  e->poll = operator new(kPollBytes);
  memset(e->poll, 0, kPollBytes);
  if (e->ep < 0 || napi_get_uv_event_loop(env, &loop) != napi_ok ||
      uv_poll_init(loop, static_cast<uv_poll_s*>(e->poll), e->ep) != 0) {
    if (e->ep >= 0) close(e->ep);
    operator delete(e->poll);
    FreeEngine(e);
    napi_throw_error(env, "LB_ERR_NATIVE_RELAY", "udp: cannot poll an epoll descriptor");
    return nullptr;
  }
  *reinterpret_cast<UdpEngine**>(e->poll) = e;
  uv_poll_start(static_cast<uv_poll_s*>(e->poll), kUvReadable, OnPoll);
  uv_unref(static_cast<uv_handle_s*>(e->poll));  // the listener's socket keeps the process alive
  return lbnative::Owned<UdpEngine, Destroy, Free>::Wrap(env, e);
}

// udpListen(engine, listenerFd, callback(msg, ip, port, truncated)) -> 0, or -errno. From now on
// the engine reads the listener's socket (JavaScript stops dgram's reading of it): a registered
// session's datagrams go to its target from C++; every other datagram goes to `callback`.
napi_value UdpListen(napi_env env, napi_callback_info info) {
  ARGS(3);
  UdpEngine* e = EngineOf(env, argv[0]);
  if (!e) return Int(env, -EBADF);
  int32_t fd = -1;
  napi_get_value_int32(env, argv[1], &fd);
  napi_valuetype type;
  napi_typeof(env, argv[2], &type);
  if (fd < 0 || type != napi_function) return Int(env, -EINVAL);
  if (!Listen(e, fd, argv[2])) return Int(env, -errno);
  // dgram no longer reads the socket, so its handle no longer keeps the process alive: this does
  uv_ref(static_cast<uv_handle_s*>(e->poll));
  return Int(env, 0);
}

// udpUnlisten(engine): stops reading the listener's socket (JavaScript may read it again).
napi_value UdpUnlisten(napi_env env, napi_callback_info info) {
  ARGS(1);
  if (UdpEngine* e = EngineOf(env, argv[0])) {
    Unlisten(e);
    uv_unref(static_cast<uv_handle_s*>(e->poll));
  }
  return nullptr;
}

// udpOpen(engine, listenerFd, targetIp, targetPort, clientIp, clientPort, header?) -> slot, or
// -errno. The session is registered: its client's datagrams read by the engine go to its socket.
napi_value UdpOpen(napi_env env, napi_callback_info info) {
  ARGS(7);
  UdpEngine* e = EngineOf(env, argv[0]);
  if (!e) return Int(env, -EBADF);
  int32_t lfd = -1, tport = 0, cport = 0;
  napi_get_value_int32(env, argv[1], &lfd);
  napi_get_value_int32(env, argv[3], &tport);
  napi_get_value_int32(env, argv[5], &cport);
  sockaddr_storage target;
  socklen_t tlen = 0;
  auto* s = new Sess();
  s->listenFd = lfd;
  if (!ParseAddr(StringArg(env, argv[2]), tport, &target, &tlen) ||
      !ParseAddr(StringArg(env, argv[4]), cport, &s->client, &s->clientLen) || !KeyOf(s->client, &s->key)) {
    delete s;
    return Int(env, -EINVAL);
  }
  bool isBuf = false;
  napi_is_buffer(env, argv[6], &isBuf);
  if (isBuf) {
    void* p = nullptr;
    size_t len = 0;
    napi_get_buffer_info(env, argv[6], &p, &len);
    s->header.assign(static_cast<char*>(p), len);
  }
  s->fd = socket(target.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (s->fd < 0 || connect(s->fd, reinterpret_cast<sockaddr*>(&target), tlen) != 0) {
    int err = errno;
    if (s->fd >= 0) close(s->fd);
    delete s;
    return Int(env, -err);
  }
  int32_t slot;
  if (!e->freeSlots.empty()) {
    slot = e->freeSlots.back();
    e->freeSlots.pop_back();
  } else {
    slot = int32_t(e->slots.size());
    e->slots.push_back(nullptr);
  }
  e->slots[size_t(slot)] = s;
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u32 = uint32_t(slot);
  if (epoll_ctl(e->ep, EPOLL_CTL_ADD, s->fd, &ev) != 0) {
    int err = errno;
    CloseSess(e, slot);
    return Int(env, -err);
  }
  Register(e, slot, s);
  return Int(env, slot);
}

// udpSend(engine, slot, buffer) -> 0, or -errno (-ECONNREFUSED: not sent, the target refused an
// earlier datagram and JavaScript has not taken it yet).
napi_value UdpSend(napi_env env, napi_callback_info info) {
  ARGS(3);
  int32_t slot;
  Sess* s = SessOf(env, EngineOf(env, argv[0]), argv[1], &slot);
  if (!s) return Int(env, -EBADF);
  if (s->n[kRefused] > 0) {
    s->n[kRefused]--;
    return Int(env, -ECONNREFUSED);
  }
  void* p = nullptr;
  size_t len = 0;
  napi_get_buffer_info(env, argv[2], &p, &len);
  ssize_t w = SendDatagram(s, p, len);
  return Int(env, w >= 0 ? 0 : -errno);
}

// udpTake(engine, slot, out: Float64Array(10)) -> false for an unknown slot. Fills in what
// happened since the last take (udp-engine.h: replies sent and dropped, port-unreachable errors,
// the client's datagrams sent and dropped from C++), then how many ms ago the last datagram
// either way was (-1: none since the last take); and zeroes them.
napi_value UdpTake(napi_env env, napi_callback_info info) {
  ARGS(3);
  int32_t slot;
  Sess* s = SessOf(env, EngineOf(env, argv[0]), argv[1], &slot);
  if (!s) return Bool(env, false);
  void* data = nullptr;
  size_t len = 0;
  napi_typedarray_type type;
  napi_value ab;
  size_t offset;
  if (napi_get_typedarray_info(env, argv[2], &type, &len, &data, &ab, &offset) == napi_ok &&
      type == napi_float64_array && len >= kCount) {
    auto* d = static_cast<double*>(data);
    for (int i = 0; i < kCount; i++) d[i] = s->n[i];
    if (len >= kTakeLength) d[kCount] = s->last < 0 ? -1 : double(NowMs() - s->last);
  }
  for (int i = 0; i < kCount; i++) s->n[i] = 0;
  s->last = -1;
  return Bool(env, true);
}

// udpForget(engine, slot): its client's datagrams go to JavaScript again (the session must move,
// or JavaScript wants to see them); its socket stays, replies still flow.
napi_value UdpForget(napi_env env, napi_callback_info info) {
  ARGS(2);
  UdpEngine* e = EngineOf(env, argv[0]);
  int32_t slot;
  if (Sess* s = SessOf(env, e, argv[1], &slot)) Forget(e, s);
  return nullptr;
}

// udpRegister(engine, slot) -> false for an unknown slot: its client's datagrams go out from C++ again.
napi_value UdpRegister(napi_env env, napi_callback_info info) {
  ARGS(2);
  UdpEngine* e = EngineOf(env, argv[0]);
  int32_t slot;
  Sess* s = SessOf(env, e, argv[1], &slot);
  if (s) Register(e, slot, s);
  return Bool(env, s != nullptr);
}

// udpClose(engine, slot): closes the session's socket (take its counters first).
napi_value UdpClose(napi_env env, napi_callback_info info) {
  ARGS(2);
  UdpEngine* e = EngineOf(env, argv[0]);
  int32_t slot;
  if (SessOf(env, e, argv[1], &slot)) CloseSess(e, slot);
  return nullptr;
}

// udpDestroy(engine): stops reading the listener's socket, closes every session socket, stops polling.
napi_value UdpDestroy(napi_env env, napi_callback_info info) {
  ARGS(1);
  if (UdpEngine* e = EngineOf(env, argv[0])) Shut(e, true);
  return nullptr;
}

}  // namespace

// Adds the udp* functions to the addon's exports (called from relay.cc's Init).
void RegisterUdp(napi_env env, napi_value exports) {
  const lbnative::Fn fns[] = {
      {"udpCreate", UdpCreate},   {"udpListen", UdpListen},     {"udpUnlisten", UdpUnlisten},
      {"udpOpen", UdpOpen},       {"udpSend", UdpSend},         {"udpTake", UdpTake},
      {"udpForget", UdpForget},   {"udpRegister", UdpRegister}, {"udpClose", UdpClose},
      {"udpDestroy", UdpDestroy},
  };
  lbnative::Define(env, exports, fns);
}
