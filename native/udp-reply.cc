// UDP fast path (issue 13): the listener's and the sessions' sockets in C++, on a thread of the
// engine's own.
//
// Through dgram, every datagram costs Node a 64 KiB allocation, a Buffer, an `rinfo` object, a
// call into JavaScript and a send request; that was most of our CPU per datagram against
// nginx's (docs/benchmarks.md, UDP). Here a session's upstream socket is a plain descriptor: the
// client's datagram goes out with one send(2) (from C++ when the engine reads the listener's
// socket: native/udp-receive.cc; else from udpSend), and the target's replies are read and sent
// to the client from the listener's socket (sendmmsg on its descriptor) without entering
// JavaScript. JavaScript decides every session (admission, target, moves); it reads the counters,
// drops, port-unreachable errors and the time of the last datagram (udpTake, no lock) on its
// sweep and before a session ends.
//
// A thread of its own with its own epoll set, as nginx's worker: one wake-up per batch of
// datagrams, one epoll_wait. Polled from Node's event loop instead (a uv_poll on the epoll
// descriptor), each batch cost two epoll waits, Node's loop phases and its clock, and nested
// epoll wake-ups: a third more system calls per query (perf stat, 1,000 sessions).

#include "udp-engine.h"

#include <errno.h>
#include <pthread.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

namespace lbudp {

// Deletes the engine: the thread was stopped and the sockets closed (Shut).
void FreeEngine(UdpEngine* e) {
  delete[] e->rx.bufs;
  delete[] e->replies.bufs;
  delete e->batch;
  delete e;
}

}  // namespace lbudp

namespace {

using lbnative::Bool;
using lbnative::Int;
using lbnative::ParseAddr;
using namespace lbudp;

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
        b.of[j]->n[kDatagrams].add(1);
        b.of[j]->n[kBytes].add(double(b.iovs[j].iov_len));
      }
      off += unsigned(r);
      continue;
    }
    if (r < 0 && errno == EINTR) continue;
    bool full = r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS);
    b.of[off]->n[full ? kFull : kErrors].add(1);  // this one failed; the next ones are tried
    off++;
  }
  b.n = 0;
}

// One reply of the session to its client into the batch: one recv(2) per readiness event. The
// epoll set is level-triggered, so a socket with more replies is reported again at the next
// epoll_wait (which returns at once); reading until EAGAIN, or recvmmsg, costs a second full
// receive attempt for the one reply a session usually has (perf: the receive path was 8 % more
// kernel time per query than nginx's with 1,000 sessions).
void Relay(UdpEngine* e, Sess* s, int64_t now) {
  ReplyBatch& b = e->replies;
  if (b.n == ReplyBatch::kSize || (b.n > 0 && b.fd != s->listenFd)) Flush(e);
  char* buf = b.bufs + size_t(b.n) * kMaxDatagram;
  ssize_t r = recv(s->fd, buf, kMaxDatagram, MSG_DONTWAIT);
  if (r < 0) {
    if (errno == ECONNREFUSED) Refused(s);  // ICMP port unreachable: JavaScript decides
    else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) s->n[kErrors].add(1);
    return;  // an error is cleared by reading it; replies after it are reported again
  }
  unsigned j = b.n++;
  b.iovs[j] = {buf, size_t(r)};
  b.msgs[j].msg_hdr = msghdr{};
  b.msgs[j].msg_hdr.msg_iov = &b.iovs[j];
  b.msgs[j].msg_hdr.msg_iovlen = 1;
  b.msgs[j].msg_hdr.msg_name = &s->client;
  b.msgs[j].msg_hdr.msg_namelen = s->clientLen;
  b.of[j] = s;
  b.fd = s->listenFd;
  s->tick(now);
}

// The engine's thread: waits on its epoll set, and per wake-up, under the lock, forwards the
// clients' datagrams, relays the replies, queues what JavaScript must see; then hands that over.
// epoll_wait on the engine's own descriptor fails only with EINTR (the rest are programming errors).
void Run(UdpEngine* e) {
  epoll_event evs[kEventsPerTurn];
  while (!e->stopping.load(std::memory_order_relaxed)) {
    int n = epoll_wait(e->ep, evs, kEventsPerTurn, -1);
    if (n < 0) {
      if (errno == EINTR) continue;
      return;
    }
    {
      std::lock_guard<std::mutex> lock(e->mu);
      int64_t now = NowMs();
      for (int i = 0; i < n; i++) {
        uint32_t tag = evs[i].data.u32;
        if (tag == kWakeTag) {
          uint64_t v;
          (void)!read(e->wake, &v, sizeof v);
        } else if (tag == kListenerTag) {
          Receive(e, now);
        } else if (tag < e->slots.size() && e->slots[tag]) {
          Relay(e, e->slots[tag], now);  // (a slot closed and opened again since: it reads its own socket)
        }
      }
      Flush(e);
    }
    Deliver(e);
  }
}

// The lock held.
void CloseSess(UdpEngine* e, int32_t slot) {
  Sess* s = e->slots[size_t(slot)];
  if (!s) return;
  Forget(e, s);
  close(s->fd);  // leaves the epoll set with its last descriptor
  delete s;
  e->slots[size_t(slot)] = nullptr;
  e->freeSlots.push_back(slot);
}

// Stops the thread, closes every session socket; the listener's descriptor stays open (Node's).
// `napi`: false at the env's teardown or from the finalizer, where no Node-API call but the
// thread-safe function's release is made (the reference and async context go with the env).
void Shut(UdpEngine* e, bool napi) {
  if (e->destroyed) return;
  e->destroyed = true;
  if (e->started) lbnative::StopThread(e->th, e->stopping, e->wake);
  Unlisten(e);
  for (size_t i = 0; i < e->slots.size(); i++)
    if (e->slots[i]) CloseSess(e, int32_t(i));
  e->slots.clear();
  e->freeSlots.clear();
  e->byClient.clear();
  e->toJs.clear();
  if (e->tsfn) napi_release_threadsafe_function(e->tsfn, napi_tsfn_abort);
  e->tsfn = nullptr;
  if (napi) {
    if (e->callback) napi_delete_reference(e->env, e->callback);
    if (e->async) napi_async_destroy(e->env, e->async);
  }
  e->callback = nullptr;
  e->async = nullptr;
  if (e->ep >= 0) close(e->ep);
  if (e->wake >= 0) close(e->wake);
  e->ep = e->wake = -1;
  FreeBuffers(&e->rx);  // (CallJs, maybe on the stack, has copies of its datagrams)
}

void Destroy(UdpEngine* e) { Shut(e, false); }

// Collected: freed now, or when CallJs (which called into JavaScript) returns.
void Free(UdpEngine* e) {
  if (e->depth > 0) e->finalized = true;
  else FreeEngine(e);
}

UdpEngine* EngineOf(napi_env env, napi_value v) {
  void* p = nullptr;
  if (napi_get_value_external(env, v, &p) != napi_ok) return nullptr;
  auto* e = static_cast<UdpEngine*>(p);
  return e && !e->destroyed ? e : nullptr;
}

// JavaScript's thread: it alone changes `slots`, under the lock, so it reads them without.
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

napi_value Throw(napi_env env, UdpEngine* e) {
  Shut(e, true);
  FreeEngine(e);
  napi_throw_error(env, "LB_ERR_NATIVE_RELAY", "udp: cannot start the engine (epoll, eventfd, thread)");
  return nullptr;
}

// udpCreate() -> engine, or throws. Its thread waits on an empty epoll set until a session opens
// or the listener's socket is read (udpListen).
napi_value UdpCreate(napi_env env, napi_callback_info) {
  auto* e = new UdpEngine();
  e->env = env;
  e->ep = epoll_create1(EPOLL_CLOEXEC);
  e->wake = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  e->replies.bufs = new char[ReplyBatch::kSize * kMaxDatagram];
  napi_value name;
  napi_create_string_utf8(env, "lb-udp", NAPI_AUTO_LENGTH, &name);
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u32 = kWakeTag;
  if (e->ep < 0 || e->wake < 0 || epoll_ctl(e->ep, EPOLL_CTL_ADD, e->wake, &ev) != 0 ||
      napi_create_threadsafe_function(env, nullptr, nullptr, name, 0, 1, nullptr, nullptr, e, CallJs, &e->tsfn) !=
          napi_ok)
    return Throw(env, e);
  // the listener's socket keeps the process alive while the engine reads it (udpListen), not the thread
  napi_unref_threadsafe_function(env, e->tsfn);
  try {
    e->th = std::thread(Run, e);
    e->started = true;
  } catch (...) {
    return Throw(env, e);
  }
  pthread_setname_np(e->th.native_handle(), "lb-udp");  // for top -H, ps -L
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
  {
    std::lock_guard<std::mutex> lock(e->mu);
    if (!Listen(e, fd)) return Int(env, -errno);
  }
  if (e->callback) napi_delete_reference(env, e->callback);
  napi_create_reference(env, argv[2], 1, &e->callback);
  if (!e->async) {
    napi_value resource, name;
    napi_create_object(env, &resource);
    napi_create_string_utf8(env, "lb:udp-receive", NAPI_AUTO_LENGTH, &name);
    napi_async_init(env, resource, name, &e->async);
  }
  // dgram no longer reads the socket, so its handle no longer keeps the process alive: this does
  napi_ref_threadsafe_function(env, e->tsfn);
  return Int(env, 0);
}

// udpUnlisten(engine): stops reading the listener's socket (JavaScript may read it again).
// Datagrams read before still come to the callback.
napi_value UdpUnlisten(napi_env env, napi_callback_info info) {
  ARGS(1);
  if (UdpEngine* e = EngineOf(env, argv[0])) {
    bool was;
    {
      std::lock_guard<std::mutex> lock(e->mu);
      was = e->rx.fd >= 0;
      Unlisten(e);
    }
    if (was) napi_unref_threadsafe_function(env, e->tsfn);
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
  std::lock_guard<std::mutex> lock(e->mu);
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
// earlier datagram and JavaScript has not taken it yet). JavaScript's thread sends on the
// session's socket itself: no lock (the thread never closes it).
napi_value UdpSend(napi_env env, napi_callback_info info) {
  ARGS(3);
  int32_t slot;
  Sess* s = SessOf(env, EngineOf(env, argv[0]), argv[1], &slot);
  if (!s) return Int(env, -EBADF);
  if (s->refused.load(std::memory_order_relaxed) > 0) {  // only this thread takes one away
    s->refused.fetch_sub(1, std::memory_order_relaxed);
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
// either way was (-1: none since the last take). No lock: the thread's counters only grow.
napi_value UdpTake(napi_env env, napi_callback_info info) {
  ARGS(3);
  int32_t slot;
  Sess* s = SessOf(env, EngineOf(env, argv[0]), argv[1], &slot);
  if (!s) return Bool(env, false);
  double d[kTakeLength];
  for (int i = 0; i < kCount; i++) {
    double v = s->n[i].get();
    d[i] = v - s->taken[i];
    s->taken[i] = v;
  }
  d[kRefused] = s->refused.exchange(0, std::memory_order_relaxed);
  uint64_t moved = s->moved.load(std::memory_order_relaxed);
  d[kCount] = moved == s->movedTaken ? -1 : double(NowMs() - s->last.load(std::memory_order_relaxed));
  s->movedTaken = moved;
  void* data = nullptr;
  size_t len = 0;
  napi_typedarray_type type;
  napi_value ab;
  size_t offset;
  if (napi_get_typedarray_info(env, argv[2], &type, &len, &data, &ab, &offset) == napi_ok &&
      type == napi_float64_array && len >= kCount)
    memcpy(data, d, sizeof(double) * (len >= kTakeLength ? kTakeLength : kCount));
  return Bool(env, true);
}

// Runs f(engine, session, slot) with the engine's lock held, for the (engine, slot) arguments;
// false for an unknown slot. How JavaScript changes the session table the thread reads.
template <typename F>
bool Locked(napi_env env, napi_value* argv, F f) {
  UdpEngine* e = EngineOf(env, argv[0]);
  int32_t slot;
  Sess* s = SessOf(env, e, argv[1], &slot);
  if (!s) return false;
  std::lock_guard<std::mutex> lock(e->mu);
  f(e, s, slot);
  return true;
}

// udpForget(engine, slot): its client's datagrams go to JavaScript again (the session must move,
// or JavaScript wants to see them); its socket stays, replies still flow.
napi_value UdpForget(napi_env env, napi_callback_info info) {
  ARGS(2);
  Locked(env, argv, [](UdpEngine* e, Sess* s, int32_t) { Forget(e, s); });
  return nullptr;
}

// udpRegister(engine, slot) -> false for an unknown slot: its client's datagrams go out from C++ again.
napi_value UdpRegister(napi_env env, napi_callback_info info) {
  ARGS(2);
  return Bool(env, Locked(env, argv, [](UdpEngine* e, Sess* s, int32_t slot) { Register(e, slot, s); }));
}

// udpClose(engine, slot): closes the session's socket (take its counters first).
napi_value UdpClose(napi_env env, napi_callback_info info) {
  ARGS(2);
  Locked(env, argv, [](UdpEngine* e, Sess*, int32_t slot) { CloseSess(e, slot); });
  return nullptr;
}

// udpLimit(engine, bytes): datagrams read for JavaScript may wait up to this many bytes.
napi_value UdpLimit(napi_env env, napi_callback_info info) {
  ARGS(2);
  UdpEngine* e = EngineOf(env, argv[0]);
  double bytes = 0;
  if (e && napi_get_value_double(env, argv[1], &bytes) == napi_ok && bytes >= 0) e->maxQueued.store(size_t(bytes));
  return nullptr;
}

// udpDropped(engine) -> datagrams dropped since the last call because as many bytes as udpLimit
// allows were still waiting for JavaScript (a flood of new clients faster than it admits them).
napi_value UdpDropped(napi_env env, napi_callback_info info) {
  ARGS(1);
  UdpEngine* e = EngineOf(env, argv[0]);
  napi_value out;
  napi_create_double(env, e ? e->queueDrops.exchange(0) : 0, &out);
  return out;
}

// udpDestroy(engine): stops the thread and the reading of the listener's socket, closes every
// session socket.
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
      {"udpLimit", UdpLimit},     {"udpDropped", UdpDropped}, {"udpDestroy", UdpDestroy},
  };
  lbnative::Define(env, exports, fns);
}
