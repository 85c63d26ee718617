// Native relay: moves the bytes of proxied TCP connections between two connected sockets in one
// thread with epoll, instead of through Node's streams (one Buffer, one 'data' event and one
// write request per chunk on the JavaScript thread). Node hands over both file descriptors after
// it stopped reading them; this side never closes them: it reports the end of a connection
// through a thread-safe function and JavaScript closes the sockets. Written against Node-API
// only (ABI-stable: one build runs on every Node version that has NAPI_VERSION 8).
//
// Per connection, per direction: a read into the thread's buffer is written to the peer at once;
// only what the peer does not take is kept (at most one read's worth), and the source is not read
// again until that is written (backpressure). EOF is passed on as shutdown(SHUT_WR) once the
// pending bytes are out (half-close); a reset or failed write ends the connection and the other
// side is closed with a reset (SO_LINGER 0) when the failure was a reset.

#define NAPI_VERSION 8
#include <node_api.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace {

constexpr size_t kBufSize = 128 * 1024;   // one read; also the most a direction ever keeps
constexpr int kReadsPerEvent = 8;          // fairness between connections in one wake-up
constexpr uint32_t kSlotBits = 20;         // up to ~1M connections per engine
constexpr uint32_t kSlotMask = (1u << kSlotBits) - 1;
constexpr uint64_t kWakeTag = UINT64_MAX;  // epoll data of the eventfd

// One direction: bytes read from side `d` and written to side `1 - d`.
struct Dir {
  char* pend = nullptr;  // bytes read but not yet taken by the peer (only after a partial write)
  size_t off = 0, len = 0;
  bool eof = false;   // the source sent FIN
  bool shut = false;  // FIN passed on to the peer
};

struct Conn {
  uint32_t gen = 0;
  int fd[2] = {-1, -1};  // 0 = client side (A), 1 = upstream side (B)
  Dir dir[2];
  uint32_t mask[2] = {0, 0};  // epoll events registered per fd (0 = not registered)
  bool ended = false;
  int firstEnd = 0;  // 1 = A sent FIN first, 2 = B
  int errSide = 0;   // 1 = A failed, 2 = B failed
  int err = 0;       // errno of the failure
  // Read by JavaScript (idle sweep, live byte counts) while the relay thread writes them.
  std::atomic<uint64_t> rd[2];
  std::atomic<uint64_t> wr[2];
  Conn() {
    for (int i = 0; i < 2; i++) {
      rd[i].store(0, std::memory_order_relaxed);
      wr[i].store(0, std::memory_order_relaxed);
    }
  }
};

struct EndMsg {
  double handle, aRead, aWritten;
  int firstEnd, errSide, err;
  int untouched;  // 1: it failed before a byte went either way on either side (JavaScript may redial)
};

struct Engine {
  napi_env env = nullptr;
  int ep = -1, wake = -1;
  std::thread th;
  bool started = false, destroyed = false;
  std::atomic<bool> stopping{false};
  std::atomic<int> fault{0};       // tests: fail the thread as if epoll_wait had returned this errno
  std::atomic<bool> failed{false}; // the thread ended on an error: add() refuses, JS relays new ones
  std::mutex mu;  // guards table, free list and every Conn's relay state
  std::vector<Conn*> table;
  std::vector<uint32_t> freeSlots;
  uint32_t nextGen = 1;
  napi_threadsafe_function tsfn = nullptr;
  char* buf = nullptr;
};

double HandleOf(const Conn* c, uint32_t slot) { return double(c->gen) * double(1u << kSlotBits) + slot; }

uint64_t TagOf(const Conn* c, uint32_t slot, int side) {
  return (uint64_t(c->gen) << 32) | (uint64_t(side) << kSlotBits) | slot;
}

bool IsReset(int err) { return err == ECONNRESET || err == EPIPE || err == ECONNABORTED; }

bool CanRead(const Conn* c, int d) { return !c->dir[d].eof && c->dir[d].len == 0; }

void FreePending(Conn* c) {
  for (auto& d : c->dir) {
    free(d.pend);
    d.pend = nullptr;
    d.len = d.off = 0;
  }
}

void Deregister(Engine* e, Conn* c) {
  for (int x = 0; x < 2; x++)
    if (c->mask[x]) {
      epoll_ctl(e->ep, EPOLL_CTL_DEL, c->fd[x], nullptr);
      c->mask[x] = 0;
    }
}

// Registers each fd for what it is waited on for now. An fd waited on for nothing is removed:
// epoll reports EPOLLHUP even with an empty mask, which would spin on a half-closed side.
bool Update(Engine* e, Conn* c, uint32_t slot) {
  for (int x = 0; x < 2; x++) {
    uint32_t want = (CanRead(c, x) ? EPOLLIN : 0) | (c->dir[1 - x].len ? EPOLLOUT : 0);
    if (want == c->mask[x]) continue;
    epoll_event ev{};
    ev.events = want;
    ev.data.u64 = TagOf(c, slot, x);
    int op = want == 0 ? EPOLL_CTL_DEL : c->mask[x] == 0 ? EPOLL_CTL_ADD : EPOLL_CTL_MOD;
    if (epoll_ctl(e->ep, op, c->fd[x], &ev) != 0 && op != EPOLL_CTL_DEL) return false;
    c->mask[x] = want;
  }
  return true;
}

// Nothing was read or written on either side yet.
bool Untouched(const Conn* c) {
  return c->rd[0].load() == 0 && c->rd[1].load() == 0 && c->wr[0].load() == 0 && c->wr[1].load() == 0;
}

void Fail(Engine* e, Conn* c, int side, int err) {
  c->ended = true;
  c->errSide = side + 1;
  c->err = err;
  // Pass a reset on as a reset: the close JavaScript does next sends RST instead of FIN. Not when
  // the backend failed before a byte went either way: JavaScript may give the client another
  // backend (a failed connect), and passes the reset on itself otherwise.
  if (IsReset(err) && !(side == 1 && Untouched(c))) {
    linger lg{1, 0};
    setsockopt(c->fd[1 - side], SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
  }
  Deregister(e, c);
  FreePending(c);
}

void PassFin(Conn* c, int d) {
  shutdown(c->fd[1 - d], SHUT_WR);  // fails only if the peer is gone; its read reports that
  c->dir[d].shut = true;
}

// Writes to side `to`; returns bytes taken (0 when its buffer is full), or -1 after Fail().
ssize_t WriteTo(Engine* e, Conn* c, int to, const char* p, size_t n) {
  for (;;) {
    ssize_t w = send(c->fd[to], p, n, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (w >= 0) {
      c->wr[to].fetch_add(uint64_t(w), std::memory_order_relaxed);
      return w;
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return 0;
    Fail(e, c, to, errno);
    return -1;
  }
}

// Moves what direction d has pending to its peer; on the last byte, passes a FIN on if one came.
void Flush(Engine* e, Conn* c, int d) {
  Dir& dr = c->dir[d];
  while (dr.len > 0) {
    ssize_t w = WriteTo(e, c, 1 - d, dr.pend + dr.off, dr.len);
    if (w < 0) return;
    if (w == 0) return;
    dr.off += size_t(w);
    dr.len -= size_t(w);
  }
  free(dr.pend);
  dr.pend = nullptr;
  dr.off = 0;
  if (dr.eof && !dr.shut) PassFin(c, d);
}

// Reads side d and writes to the peer until the source is empty, the peer is full or the
// connection ends.
void Pump(Engine* e, Conn* c, int d) {
  Dir& dr = c->dir[d];
  for (int i = 0; i < kReadsPerEvent; i++) {
    ssize_t n = recv(c->fd[d], e->buf, kBufSize, MSG_DONTWAIT);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) Fail(e, c, d, errno);
      return;
    }
    if (n == 0) {
      dr.eof = true;
      if (!c->firstEnd) c->firstEnd = d + 1;
      PassFin(c, d);
      return;
    }
    c->rd[d].fetch_add(uint64_t(n), std::memory_order_relaxed);
    ssize_t w = WriteTo(e, c, 1 - d, e->buf, size_t(n));
    if (w < 0) return;
    if (w < n) {
      // Keep the rest and stop reading this side until the peer has taken it (backpressure).
      dr.len = size_t(n - w);
      dr.off = 0;
      dr.pend = static_cast<char*>(malloc(dr.len));
      if (!dr.pend) return Fail(e, c, d, ENOMEM);
      memcpy(dr.pend, e->buf + w, dr.len);
      return;
    }
    if (size_t(n) < kBufSize) return;
  }
}

int SocketError(int fd) {
  int err = 0;
  socklen_t len = sizeof err;
  getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
  return err;
}

// One epoll event on side x of a connection (under the engine's lock).
void OnEvent(Engine* e, Conn* c, uint32_t slot, int x, uint32_t events) {
  if ((events & (EPOLLIN | EPOLLHUP | EPOLLERR)) && CanRead(c, x)) Pump(e, c, x);
  if (c->ended) return;
  if ((events & (EPOLLOUT | EPOLLHUP | EPOLLERR)) && c->dir[1 - x].len) Flush(e, c, 1 - x);
  if (c->ended) return;
  if (events & EPOLLERR) {
    int err = SocketError(c->fd[x]);
    if (err) return Fail(e, c, x, err);
  }
  if (c->dir[0].shut && c->dir[1].shut) {
    c->ended = true;  // both directions finished cleanly
    Deregister(e, c);
    return;
  }
  if (!Update(e, c, slot)) Fail(e, c, x, errno);
}

// The thread cannot go on (epoll_wait failed): every connection it holds ends with errSide 3
// and the errno, then one message with handle -1 tells JavaScript that the relay is gone, so that
// it closes them with a reason and relays new connections itself. Never silent.
void FailAll(Engine* e, int err, std::vector<EndMsg*>& ends) {
  std::lock_guard<std::mutex> lock(e->mu);
  e->failed.store(true);
  for (uint32_t slot = 0; slot < e->table.size(); slot++) {
    Conn* c = e->table[slot];
    if (!c || c->ended) continue;
    c->ended = true;
    c->errSide = 3;
    c->err = err;
    Deregister(e, c);
    FreePending(c);
    ends.push_back(new EndMsg{HandleOf(c, slot), double(c->rd[0].load()), double(c->wr[0].load()), c->firstEnd, 3,
                              err, 0});
  }
  ends.push_back(new EndMsg{-1, 0, 0, 0, 3, err, 0});
}

void Run(Engine* e) {
  epoll_event evs[256];
  std::vector<EndMsg*> ends;
  while (!e->stopping.load()) {
    int n = epoll_wait(e->ep, evs, 256, -1);
    int fault = e->fault.exchange(0);
    if (fault) {
      n = -1;
      errno = fault;
    }
    if (n < 0) {
      if (errno == EINTR) continue;
      FailAll(e, errno, ends);
      for (EndMsg* m : ends)
        if (napi_call_threadsafe_function(e->tsfn, m, napi_tsfn_nonblocking) != napi_ok) delete m;
      return;
    }
    {
      std::lock_guard<std::mutex> lock(e->mu);
      for (int i = 0; i < n; i++) {
        uint64_t tag = evs[i].data.u64;
        if (tag == kWakeTag) {
          uint64_t v;
          (void)!read(e->wake, &v, sizeof v);
          continue;
        }
        uint32_t slot = uint32_t(tag) & kSlotMask;
        int side = int((tag >> kSlotBits) & 1);
        uint32_t gen = uint32_t(tag >> 32);
        // A stale event (the connection was closed by JavaScript in the meantime) is skipped.
        Conn* c = slot < e->table.size() ? e->table[slot] : nullptr;
        if (!c || c->gen != gen || c->ended) continue;
        OnEvent(e, c, slot, side, evs[i].events);
        if (c->ended)
          ends.push_back(new EndMsg{HandleOf(c, slot), double(c->rd[0].load()), double(c->wr[0].load()),
                                    c->firstEnd, c->errSide, c->err, Untouched(c) ? 1 : 0});
      }
    }
    for (EndMsg* m : ends)
      if (napi_call_threadsafe_function(e->tsfn, m, napi_tsfn_nonblocking) != napi_ok) delete m;
    ends.clear();
  }
}

void CallJs(napi_env env, napi_value cb, void*, void* data) {
  EndMsg* m = static_cast<EndMsg*>(data);
  if (env && cb) {
    napi_value args[7], undef;
    napi_create_double(env, m->handle, &args[0]);
    napi_create_double(env, m->aRead, &args[1]);
    napi_create_double(env, m->aWritten, &args[2]);
    napi_create_int32(env, m->firstEnd, &args[3]);
    napi_create_int32(env, m->errSide, &args[4]);
    napi_create_int32(env, m->err, &args[5]);
    napi_get_boolean(env, m->untouched != 0, &args[6]);
    napi_get_undefined(env, &undef);
    napi_call_function(env, undef, cb, 7, args, nullptr);
  }
  delete m;
}

void Destroy(Engine* e) {
  if (e->destroyed) return;
  e->destroyed = true;
  if (e->started) {
    e->stopping.store(true);
    uint64_t one = 1;
    (void)!write(e->wake, &one, sizeof one);
    e->th.join();
  }
  for (Conn* c : e->table)
    if (c) {
      FreePending(c);
      delete c;
    }
  e->table.clear();
  if (e->tsfn) napi_release_threadsafe_function(e->tsfn, napi_tsfn_abort);
  e->tsfn = nullptr;
  if (e->ep >= 0) close(e->ep);
  if (e->wake >= 0) close(e->wake);
  free(e->buf);
  e->buf = nullptr;
}

void CleanupHook(void* arg) { Destroy(static_cast<Engine*>(arg)); }

void Finalize(napi_env env, void* data, void*) {
  Engine* e = static_cast<Engine*>(data);
  napi_remove_env_cleanup_hook(env, CleanupHook, e);
  Destroy(e);
  delete e;
}

napi_value Throw(napi_env env, const char* msg) {
  napi_throw_error(env, "LB_ERR_NATIVE_RELAY", msg);
  return nullptr;
}

#define ARGS(n)                                                         \
  size_t argc = n;                                                      \
  napi_value argv[n];                                                   \
  if (napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr) != napi_ok) return nullptr;

Engine* EngineArg(napi_env env, napi_value v) {
  void* p = nullptr;
  if (napi_get_value_external(env, v, &p) != napi_ok || !p) return nullptr;
  Engine* e = static_cast<Engine*>(p);
  return e->destroyed ? nullptr : e;
}

// Looks up a live connection by handle (slot + generation); JavaScript thread only.
Conn* ConnArg(napi_env env, Engine* e, napi_value v, uint32_t* slotOut) {
  double h = 0;
  if (napi_get_value_double(env, v, &h) != napi_ok || h < 0) return nullptr;
  uint64_t u = uint64_t(h);
  uint32_t slot = uint32_t(u & kSlotMask);
  uint32_t gen = uint32_t(u >> kSlotBits);
  Conn* c = slot < e->table.size() ? e->table[slot] : nullptr;
  if (!c || c->gen != gen) return nullptr;
  *slotOut = slot;
  return c;
}

// create(onEnd(handle, aRead, aWritten, firstEnd, errSide, errno)) -> engine
napi_value Create(napi_env env, napi_callback_info info) {
  ARGS(1);
  Engine* e = new Engine();
  e->env = env;
  e->ep = epoll_create1(EPOLL_CLOEXEC);
  e->wake = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  e->buf = static_cast<char*>(malloc(kBufSize));
  napi_value name;
  napi_create_string_utf8(env, "lb-native-relay", NAPI_AUTO_LENGTH, &name);
  bool ok = e->ep >= 0 && e->wake >= 0 && e->buf &&
            napi_create_threadsafe_function(env, argv[0], nullptr, name, 0, 1, nullptr, nullptr, nullptr, CallJs,
                                            &e->tsfn) == napi_ok;
  if (ok) {
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = kWakeTag;
    ok = epoll_ctl(e->ep, EPOLL_CTL_ADD, e->wake, &ev) == 0;
  }
  if (!ok) {
    Destroy(e);
    delete e;
    return Throw(env, "cannot create the native relay (epoll, eventfd or thread-safe function)");
  }
  // The relay thread must not keep the process alive by itself: JavaScript refs it while it
  // relays connections.
  napi_unref_threadsafe_function(env, e->tsfn);
  napi_add_env_cleanup_hook(env, CleanupHook, e);
  napi_value out;
  napi_create_external(env, e, Finalize, nullptr, &out);
  return out;
}

// add(engine, fdA, fdB, head: Buffer | undefined) -> handle. `head` is written to B before any byte of A.
napi_value Add(napi_env env, napi_callback_info info) {
  ARGS(4);
  Engine* e = EngineArg(env, argv[0]);
  if (!e) return Throw(env, "native relay is closed");
  if (e->failed.load()) return Throw(env, "native relay thread failed");
  int32_t fa = -1, fb = -1;
  napi_get_value_int32(env, argv[1], &fa);
  napi_get_value_int32(env, argv[2], &fb);
  if (fa < 0 || fb < 0) return Throw(env, "bad file descriptor");
  void* head = nullptr;
  size_t headLen = 0;
  bool isBuf = false;
  napi_is_buffer(env, argv[3], &isBuf);
  if (isBuf) napi_get_buffer_info(env, argv[3], &head, &headLen);
  if (!e->started) {
    try {
      e->th = std::thread(Run, e);
    } catch (...) {
      return Throw(env, "cannot start the native relay thread");
    }
    e->started = true;
  }
  Conn* c = new Conn();
  c->fd[0] = fa;
  c->fd[1] = fb;
  if (headLen > 0) {
    c->dir[0].pend = static_cast<char*>(malloc(headLen));
    if (!c->dir[0].pend) {
      delete c;
      return Throw(env, "out of memory");
    }
    memcpy(c->dir[0].pend, head, headLen);
    c->dir[0].len = headLen;
  }
  std::lock_guard<std::mutex> lock(e->mu);
  uint32_t slot;
  if (!e->freeSlots.empty()) {
    slot = e->freeSlots.back();
    e->freeSlots.pop_back();
  } else {
    if (e->table.size() > kSlotMask) {
      FreePending(c);
      delete c;
      return Throw(env, "too many native relay connections");
    }
    slot = uint32_t(e->table.size());
    e->table.push_back(nullptr);
  }
  c->gen = e->nextGen++;
  if (e->nextGen == 0) e->nextGen = 1;
  if (!Update(e, c, slot)) {
    int err = errno;
    Deregister(e, c);
    FreePending(c);
    delete c;
    e->freeSlots.push_back(slot);
    return Throw(env, err == EPERM ? "descriptor cannot be polled" : "epoll_ctl failed");
  }
  e->table[slot] = c;
  napi_value out;
  napi_create_double(env, HandleOf(c, slot), &out);
  return out;
}

// activity(engine, handle) -> bytes read from + written to A so far (the idle sweep's measure), or -1.
napi_value Activity(napi_env env, napi_callback_info info) {
  ARGS(2);
  napi_value out;
  Engine* e = EngineArg(env, argv[0]);
  uint32_t slot;
  Conn* c = e ? ConnArg(env, e, argv[1], &slot) : nullptr;
  double v = c ? double(c->rd[0].load(std::memory_order_relaxed) + c->wr[0].load(std::memory_order_relaxed)) : -1;
  napi_create_double(env, v, &out);
  return out;
}

// counts(engine, handle) -> [bytes read from A, bytes written to A] or undefined.
napi_value CountsOf(napi_env env, Conn* c) {
  napi_value out, a, b;
  napi_create_array_with_length(env, 2, &out);
  napi_create_double(env, double(c->rd[0].load()), &a);
  napi_create_double(env, double(c->wr[0].load()), &b);
  napi_set_element(env, out, 0, a);
  napi_set_element(env, out, 1, b);
  return out;
}

napi_value Counts(napi_env env, napi_callback_info info) {
  ARGS(2);
  Engine* e = EngineArg(env, argv[0]);
  uint32_t slot;
  Conn* c = e ? ConnArg(env, e, argv[1], &slot) : nullptr;
  if (c) return CountsOf(env, c);
  napi_value undef;
  napi_get_undefined(env, &undef);
  return undef;
}

// release(engine, handle) -> [aRead, aWritten] | undefined. Stops relaying (if it still was) and
// forgets the connection: after it returns the relay thread never touches the two descriptors
// again, so JavaScript may close them.
napi_value Release(napi_env env, napi_callback_info info) {
  ARGS(2);
  Engine* e = EngineArg(env, argv[0]);
  napi_value out;
  napi_get_undefined(env, &out);
  if (!e) return out;
  std::lock_guard<std::mutex> lock(e->mu);
  uint32_t slot;
  Conn* c = ConnArg(env, e, argv[1], &slot);
  if (!c) return out;
  Deregister(e, c);
  FreePending(c);
  out = CountsOf(env, c);
  e->table[slot] = nullptr;
  e->freeSlots.push_back(slot);
  delete c;
  return out;
}

// ref(engine, bool): keep the event loop alive while connections are relayed.
napi_value Ref(napi_env env, napi_callback_info info) {
  ARGS(2);
  Engine* e = EngineArg(env, argv[0]);
  bool on = false;
  napi_get_value_bool(env, argv[1], &on);
  if (e) {
    if (on)
      napi_ref_threadsafe_function(env, e->tsfn);
    else
      napi_unref_threadsafe_function(env, e->tsfn);
  }
  return nullptr;
}

// close(engine): stops the thread; descriptors still relayed are left to JavaScript.
napi_value CloseEngine(napi_env env, napi_callback_info info) {
  ARGS(1);
  void* p = nullptr;
  if (napi_get_value_external(env, argv[0], &p) == napi_ok && p) Destroy(static_cast<Engine*>(p));
  return nullptr;
}

// exitWatchdog(ms, code): the last resort of a process that is exiting. A detached thread ends
// the process with _exit(code) after `ms`, whatever its other threads do: Node's own exit waits
// for the libuv thread pool, and a pool thread blocked in a write to a stdout nobody reads kept an
// orphaned cluster worker alive for good (main thread in a futex wait, no signal handled).
napi_value ExitWatchdog(napi_env env, napi_callback_info info) {
  ARGS(2);
  int64_t ms = 0;
  int32_t code = 1;
  napi_get_value_int64(env, argv[0], &ms);
  napi_get_value_int32(env, argv[1], &code);
  napi_value ok;
  try {
    std::thread([ms, code] {
      std::this_thread::sleep_for(std::chrono::milliseconds(ms < 0 ? 0 : ms));
      _exit(code);
    }).detach();
    napi_get_boolean(env, true, &ok);
  } catch (...) {
    napi_get_boolean(env, false, &ok);
  }
  return ok;
}

// execve(path, argv: string[], env: string[]): replaces this process with a new program, keeping
// its PID (a supervisor watches the PID it started). Used once at start to give the process the
// V8 flags it must be started with (src/cli/node-flags.ts): Node 20 has no process.execve.
// Returns only on failure (throws with the errno's text).
napi_value Execve(napi_env env, napi_callback_info info) {
  ARGS(3);
  auto strings = [&](napi_value arr, std::vector<std::string>& out) -> bool {
    uint32_t n = 0;
    if (napi_get_array_length(env, arr, &n) != napi_ok) return false;
    for (uint32_t i = 0; i < n; i++) {
      napi_value v;
      size_t len = 0;
      if (napi_get_element(env, arr, i, &v) != napi_ok) return false;
      if (napi_get_value_string_utf8(env, v, nullptr, 0, &len) != napi_ok) return false;
      std::string s(len, '\0');
      napi_get_value_string_utf8(env, v, &s[0], len + 1, &len);
      out.push_back(std::move(s));
    }
    return true;
  };
  std::vector<std::string> path, args, envs;
  napi_value pathArr;
  napi_create_array_with_length(env, 1, &pathArr);
  napi_set_element(env, pathArr, 0, argv[0]);
  if (!strings(pathArr, path) || !strings(argv[1], args) || !strings(argv[2], envs))
    return Throw(env, "execve: path, argv and env must be strings");
  std::vector<char*> av, ev;
  for (auto& s : args) av.push_back(&s[0]);
  for (auto& s : envs) ev.push_back(&s[0]);
  av.push_back(nullptr);
  ev.push_back(nullptr);
  // Node marks the descriptors it inherited close-on-exec at start: the new image keeps stdio.
  for (int fd = 0; fd <= 2; fd++) {
    int fl = fcntl(fd, F_GETFD);
    if (fl >= 0) fcntl(fd, F_SETFD, fl & ~FD_CLOEXEC);
  }
  execve(path[0].c_str(), av.data(), ev.data());
  return Throw(env, strerror(errno));
}

// fault(engine, errno): tests only; the thread fails at its next wake-up as on an epoll_wait error.
napi_value Fault(napi_env env, napi_callback_info info) {
  ARGS(2);
  Engine* e = EngineArg(env, argv[0]);
  int32_t err = EIO;
  napi_get_value_int32(env, argv[1], &err);
  if (e && e->started) {
    e->fault.store(err ? err : EIO);
    uint64_t one = 1;
    (void)!write(e->wake, &one, sizeof one);
  }
  return nullptr;
}

// dupFd(fd) -> a duplicate of `fd` (close-on-exec), or -errno. Node has no dup(2): a listener keeps
// a duplicate of its listening socket so that closing Node's handle (to stop accepting while the
// descriptors run out) leaves the socket listening, its backlog queuing (src/listener/accept-gate.ts).
napi_value DupFd(napi_env env, napi_callback_info info) {
  ARGS(1);
  int32_t fd = -1;
  napi_get_value_int32(env, argv[0], &fd);
  int out = fd >= 0 ? fcntl(fd, F_DUPFD_CLOEXEC, 0) : -1;
  int result = out >= 0 ? out : -(fd >= 0 ? errno : EBADF);
  napi_value v;
  napi_create_int32(env, result, &v);
  return v;
}

napi_value Init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"create", nullptr, Create, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"add", nullptr, Add, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"activity", nullptr, Activity, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"counts", nullptr, Counts, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"release", nullptr, Release, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"ref", nullptr, Ref, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"close", nullptr, CloseEngine, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"exitWatchdog", nullptr, ExitWatchdog, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"fault", nullptr, Fault, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"execve", nullptr, Execve, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"dupFd", nullptr, DupFd, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}

}  // namespace

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
