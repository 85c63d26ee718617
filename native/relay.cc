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
//
// Native accept (config `nativeAccept`): the thread also accepts on listening sockets and connects
// upstream itself, so a plain TCP connection never becomes a net.Socket. JavaScript still decides
// (admission, routing, the balancer's target, retries): the thread reports accepted connections,
// connect results and ends in one batch per wake-up (one thread-safe call, not one per event), and
// JavaScript answers with connect() / drop() / detach(), which act under the engine's lock from its
// own thread (epoll_ctl on the thread's epoll needs no wake-up). A connection accepted here is
// owned here: this side closes its descriptors at the end, so it needs no EPOLL_CTL_DEL.

#include "napi-common.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
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

void RegisterUdp(napi_env env, napi_value exports);  // native/udp-reply.cc

namespace {

using lbnative::Int;
using lbnative::ParseAddr;

constexpr size_t kBufSize = 128 * 1024;   // one read; also the most a direction ever keeps
constexpr int kReadsPerEvent = 8;          // fairness between connections in one wake-up
constexpr uint32_t kSlotBits = 20;         // up to ~1M connections per engine
constexpr uint32_t kSlotMask = (1u << kSlotBits) - 1;
constexpr uint64_t kWakeTag = UINT64_MAX;  // epoll data of the eventfd
constexpr uint64_t kAcceptTag = 0xFFFFFFFEull << 32;  // | acceptor id: epoll data of a listening socket
constexpr uint32_t kMaxGen = 0xFFFFFFFDu;  // generations stay below the two tags above
constexpr int kAcceptsPerEvent = 64;   // accepts per wake-up before the other connections get a turn
constexpr uint32_t kMaxUndecided = 1024;  // accepted, waiting for JavaScript: beyond, accepting pauses
constexpr int64_t kBackoffMs = 100;    // after EMFILE & co, the clients wait in the backlog this long

// Events to JavaScript, kStride doubles each: kind, handle, then per kind (see CallJs).
enum : int {
  kAccept = 1,
  kConnected = 2,
  kConnectFailed = 3,
  kEnd = 4,
  kFailed = 5,
  kAcceptError = 6,
  kRedial = 7,
  kUnlistened = 8
};
constexpr int kStride = 9;

// Pending: accepted (or its connect failed), waiting for JavaScript's decision; Connecting: its
// upstream connect is in progress; Relay: both sides connected.
enum class St : uint8_t { Relay, Pending, Connecting };

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
  St st = St::Relay;
  bool owned = false;    // accepted here: this side closes both descriptors at the end
  uint32_t attempt = 0;  // connects started, so that JavaScript can tell a stale result
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

// A listening socket polled by the thread (a duplicate of Node's descriptor).
struct Acceptor {
  int fd = -1;
  bool fixedLocal = false;    // bound to one address: no getsockname per connection
  bool polled = false;        // registered in epoll now
  bool paused = false;        // JavaScript asked (pauseAccept)
  // Connections accepted so far, and how many JavaScript allows (acceptUntil): at the limit the
  // socket is not polled, so a listener at its maxConnections or the process at its descriptor
  // budget leaves new clients in the kernel's backlog, with no accept-and-close.
  double accepted = 0;
  double until = 0;
  int64_t backoffUntil = 0;   // steady ms, after an accept error such as EMFILE
};

// Events of one wake-up, handed to JavaScript in one call: kStride doubles per event and, for
// each accept, two strings (client address, local address or "").
struct Batch {
  std::vector<double> v;
  std::vector<std::string> s;
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
  std::vector<Acceptor*> acceptors;  // by id (null: closed); an id is never reused
  // Acceptors closed by JavaScript whose kUnlistened the thread has not pushed yet: it comes after
  // every kAccept of theirs, so JavaScript knows when it has seen the last of their connections.
  std::vector<uint32_t> unlistened;
  uint32_t undecided = 0;            // connections in St::Pending
  Batch cur;                         // the thread's events of this wake-up
  napi_threadsafe_function tsfn = nullptr;
  char* buf = nullptr;
};

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

void Push(Engine* e, int kind, double handle, double a = 0, double b = 0, double c = 0, double d = 0, double f = 0,
          double g = 0, double h = 0) {
  double r[kStride] = {double(kind), handle, a, b, c, d, f, g, h};
  e->cur.v.insert(e->cur.v.end(), r, r + kStride);
}

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

// Not for a connection owned here: its descriptors are closed next, which removes them from epoll.
void Deregister(Engine* e, Conn* c) {
  if (c->owned) {
    c->mask[0] = c->mask[1] = 0;
    return;
  }
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
  // A connection accepted here whose target failed so is offered to JavaScript again (Redialable).
  if (IsReset(err) && !(side == 1 && Untouched(c))) {
    linger lg{1, 0};
    setsockopt(c->fd[1 - side], SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
  }
  Deregister(e, c);
  FreePending(c);
}

void PassFin(Conn* c, int d) {
  // The last FIN of a connection accepted here needs no shutdown: its close follows at once and
  // sends the FIN (both sides were read to EOF, so no unread byte turns it into a reset). One
  // system call per connection less, as HAProxy.
  bool last = c->owned && c->dir[1 - d].shut;
  if (!last) shutdown(c->fd[1 - d], SHUT_WR);  // fails only if the peer is gone; its read reports that
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

// Closes a connection accepted here (both descriptors) and frees its slot.
void Forget(Engine* e, Conn* c, uint32_t slot) {
  for (int x = 0; x < 2; x++)
    if (c->fd[x] >= 0) close(c->fd[x]);
  FreePending(c);
  if (c->st == St::Pending) e->undecided--;
  e->table[slot] = nullptr;
  e->freeSlots.push_back(slot);
  delete c;
}

// A connection accepted here whose target failed before a byte went either way (a dying backend
// resets its accept queue) and whose client is intact: a failed connect, which JavaScript may
// retry on another target, as a JavaScript session does (src/proxy/session.ts, #redial).
bool Redialable(const Conn* c) { return c->owned && c->errSide == 2 && Untouched(c) && !c->dir[0].eof; }

void Repoll(Engine* e);

// Back to waiting for a decision: the target's socket is closed, the client's is not polled.
void Requeue(Engine* e, Conn* c, uint32_t slot) {
  epoll_ctl(e->ep, EPOLL_CTL_DEL, c->fd[0], nullptr);  // Deregister leaves an owned one registered
  close(c->fd[1]);
  c->fd[1] = -1;
  c->mask[0] = c->mask[1] = 0;
  for (auto& d : c->dir) d.eof = d.shut = false;
  c->ended = false;
  c->firstEnd = 0;
  c->errSide = 0;
  int err = c->err;
  c->err = 0;
  c->st = St::Pending;
  e->undecided++;
  Push(e, kRedial, HandleOf(c, slot), c->attempt, err);
  Repoll(e);
}

// Reports the end of a connection; one accepted here is closed and forgotten at once.
void End(Engine* e, Conn* c, uint32_t slot) {
  Push(e, kEnd, HandleOf(c, slot), double(c->rd[0].load()), double(c->wr[0].load()), c->firstEnd, c->errSide,
       c->err, c->owned ? 1 : 0, c->errSide != 3 && Untouched(c) ? 1 : 0);
  if (c->owned) Forget(e, c, slot);
}

// Puts a connection in the table; false when it is full.
bool Insert(Engine* e, Conn* c, uint32_t* slotOut) {
  uint32_t slot;
  if (!e->freeSlots.empty()) {
    slot = e->freeSlots.back();
    e->freeSlots.pop_back();
  } else {
    if (e->table.size() > kSlotMask) return false;
    slot = uint32_t(e->table.size());
    e->table.push_back(nullptr);
  }
  c->gen = e->nextGen++;
  if (e->nextGen > kMaxGen) e->nextGen = 1;
  e->table[slot] = c;
  *slotOut = slot;
  return true;
}

// Each listening socket is polled unless paused, backing off after an accept error, or too many
// accepted connections wait for JavaScript (then the clients wait in the kernel's backlog).
void Repoll(Engine* e) {
  for (uint32_t id = 0; id < e->acceptors.size(); id++) {
    Acceptor* a = e->acceptors[id];
    if (!a) continue;
    bool want = !a->paused && a->backoffUntil == 0 && a->accepted < a->until && e->undecided < kMaxUndecided;
    if (want == a->polled) continue;
    if (want) {
      epoll_event ev{};
      ev.events = EPOLLIN | EPOLLEXCLUSIVE;  // with several processes on one socket, one is woken
      ev.data.u64 = kAcceptTag | id;
      if (epoll_ctl(e->ep, EPOLL_CTL_ADD, a->fd, &ev) == 0) a->polled = true;
    } else {
      epoll_ctl(e->ep, EPOLL_CTL_DEL, a->fd, nullptr);
      a->polled = false;
    }
  }
}

int AddrOf(const sockaddr_storage* ss, char* ip) {
  if (ss->ss_family == AF_INET) {
    auto* a = reinterpret_cast<const sockaddr_in*>(ss);
    inet_ntop(AF_INET, &a->sin_addr, ip, INET6_ADDRSTRLEN);
    return ntohs(a->sin_port);
  }
  if (ss->ss_family == AF_INET6) {
    auto* a = reinterpret_cast<const sockaddr_in6*>(ss);
    inet_ntop(AF_INET6, &a->sin6_addr, ip, INET6_ADDRSTRLEN);
    return ntohs(a->sin6_port);
  }
  return 0;
}

// Accepts what the listening socket has; each connection waits for JavaScript's decision.
void AcceptAll(Engine* e, uint32_t id) {
  Acceptor* a = id < e->acceptors.size() ? e->acceptors[id] : nullptr;
  if (!a) return;
  for (int i = 0; i < kAcceptsPerEvent && e->undecided < kMaxUndecided && a->accepted < a->until; i++) {
    sockaddr_storage ss{};
    socklen_t sl = sizeof ss;
    int fd = accept4(a->fd, reinterpret_cast<sockaddr*>(&ss), &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) break;
      // EMFILE, ENFILE, ENOBUFS, ENOMEM: the client stays in the backlog; accepting resumes later.
      a->backoffUntil = NowMs() + kBackoffMs;
      Push(e, kAcceptError, 0, id, errno);
      break;
    }
    Conn* c = new Conn();
    c->owned = true;
    c->st = St::Pending;
    c->fd[0] = fd;
    uint32_t slot;
    if (!Insert(e, c, &slot)) {
      close(fd);
      delete c;
      continue;
    }
    e->undecided++;
    a->accepted++;
    char ip[INET6_ADDRSTRLEN] = "", lip[INET6_ADDRSTRLEN] = "";
    int port = AddrOf(&ss, ip), lport = 0;
    if (!a->fixedLocal) {
      sockaddr_storage ls{};
      socklen_t ll = sizeof ls;
      if (getsockname(fd, reinterpret_cast<sockaddr*>(&ls), &ll) == 0) lport = AddrOf(&ls, lip);
    }
    Push(e, kAccept, HandleOf(c, slot), id, port, lport);
    e->cur.s.emplace_back(ip);
    e->cur.s.emplace_back(lip);
  }
  Repoll(e);
}

// The upstream connect of a connection accepted here finished (side B writable, or an error).
void OnConnect(Engine* e, Conn* c, uint32_t slot, uint32_t events) {
  int err = 0;
  if (events & (EPOLLERR | EPOLLHUP)) {
    err = SocketError(c->fd[1]);
    if (!err) err = ECONNREFUSED;
  }
  if (err) {
    close(c->fd[1]);
    c->fd[1] = -1;
    c->mask[1] = 0;
    c->st = St::Pending;
    e->undecided++;
    Push(e, kConnectFailed, HandleOf(c, slot), c->attempt, err);
    return;
  }
  c->st = St::Relay;
  Push(e, kConnected, HandleOf(c, slot), c->attempt);
  if (c->dir[0].len) Flush(e, c, 0);  // the head (a PROXY header) before any client byte
  if (!c->ended && !Update(e, c, slot)) Fail(e, c, 1, errno);
}

// The thread cannot go on (epoll_wait failed): every connection it holds ends with errSide 3
// and the errno, then one kFailed event tells JavaScript that the relay is gone, so that it
// closes them with a reason, relays new connections itself and takes its listening sockets back.
// Never silent.
void FailAll(Engine* e, int err) {
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
    End(e, c, slot);
  }
  for (Acceptor* a : e->acceptors)
    if (a && a->polled) {
      epoll_ctl(e->ep, EPOLL_CTL_DEL, a->fd, nullptr);
      a->polled = false;
    }
  Push(e, kFailed, -1, err);
}

void Deliver(Engine* e) {
  if (e->cur.v.empty()) return;
  Batch* b = new Batch(std::move(e->cur));
  e->cur = Batch();
  if (napi_call_threadsafe_function(e->tsfn, b, napi_tsfn_nonblocking) != napi_ok) delete b;
}

int Timeout(Engine* e, int64_t now) {
  int64_t until = 0;
  for (Acceptor* a : e->acceptors)
    if (a && a->backoffUntil && (!until || a->backoffUntil < until)) until = a->backoffUntil;
  return until ? int(until > now ? until - now : 0) : -1;
}

void Run(Engine* e) {
  epoll_event evs[256];
  int timeout = -1;
  while (!e->stopping.load()) {
    int n = epoll_wait(e->ep, evs, 256, timeout);
    int fault = e->fault.exchange(0);
    if (fault) {
      n = -1;
      errno = fault;
    }
    if (n < 0) {
      if (errno == EINTR) continue;
      FailAll(e, errno);
      Deliver(e);
      return;
    }
    {
      std::lock_guard<std::mutex> lock(e->mu);
      for (uint32_t id : e->unlistened) Push(e, kUnlistened, 0, id);
      e->unlistened.clear();
      if (timeout >= 0) {
        int64_t now = NowMs();
        for (Acceptor* a : e->acceptors)
          if (a && a->backoffUntil && a->backoffUntil <= now) a->backoffUntil = 0;
        Repoll(e);
      }
      for (int i = 0; i < n; i++) {
        uint64_t tag = evs[i].data.u64;
        if (tag == kWakeTag) {
          uint64_t v;
          (void)!read(e->wake, &v, sizeof v);
          continue;
        }
        if ((tag & (0xFFFFFFFFull << 32)) == kAcceptTag) {
          AcceptAll(e, uint32_t(tag));
          continue;
        }
        uint32_t slot = uint32_t(tag) & kSlotMask;
        int side = int((tag >> kSlotBits) & 1);
        uint32_t gen = uint32_t(tag >> 32);
        // A stale event (the connection was closed by JavaScript in the meantime) is skipped.
        Conn* c = slot < e->table.size() ? e->table[slot] : nullptr;
        if (!c || c->gen != gen || c->ended) continue;
        if (c->st == St::Connecting) {
          if (side == 1) OnConnect(e, c, slot, evs[i].events);
        } else if (c->st == St::Relay) {
          OnEvent(e, c, slot, side, evs[i].events);
        }
        if (c->ended && Redialable(c))
          Requeue(e, c, slot);
        else if (c->ended)
          End(e, c, slot);
      }
      timeout = Timeout(e, NowMs());
    }
    Deliver(e);
  }
}

// onEvents(events: Float64Array, strings: string[]) on the JavaScript thread, kStride per event:
//   kAccept        handle, acceptor id, client port, local port (0: the acceptor's); 2 strings
//   kConnected     handle, attempt
//   kConnectFailed handle, attempt, errno
//   kEnd           handle, A read, A written, firstEnd, errSide, errno, owned (1: already closed),
//                  untouched (1: it failed before a byte went either way)
//   kFailed        -1, errno (the thread is gone)
//   kAcceptError   0, acceptor id, errno
//   kRedial        handle, attempt, errno (connected, its target failed before a byte went either
//                  way: the connection waits for a decision again)
//   kUnlistened    0, acceptor id (unlisten took effect: no kAccept of it follows)
void CallJs(napi_env env, napi_value cb, void*, void* data) {
  Batch* b = static_cast<Batch*>(data);
  if (env && cb) {
    napi_value args[2], ab, undef;
    void* mem = nullptr;
    size_t bytes = b->v.size() * sizeof(double);
    napi_create_arraybuffer(env, bytes, &mem, &ab);
    if (bytes) memcpy(mem, b->v.data(), bytes);
    napi_create_typedarray(env, napi_float64_array, b->v.size(), ab, 0, &args[0]);
    napi_create_array_with_length(env, b->s.size(), &args[1]);
    for (uint32_t i = 0; i < b->s.size(); i++) {
      napi_value str;
      napi_create_string_utf8(env, b->s[i].data(), b->s[i].size(), &str);
      napi_set_element(env, args[1], i, str);
    }
    napi_get_undefined(env, &undef);
    napi_call_function(env, undef, cb, 2, args, nullptr);
  }
  delete b;
}

void Destroy(Engine* e) {
  if (e->destroyed) return;
  e->destroyed = true;
  if (e->started) lbnative::StopThread(e->th, e->stopping, e->wake);
  for (Conn* c : e->table)
    if (c) {
      if (c->owned)  // accepted here: nobody else closes them
        for (int fd : c->fd)
          if (fd >= 0) close(fd);
      FreePending(c);
      delete c;
    }
  e->table.clear();
  for (Acceptor* a : e->acceptors)
    if (a) {
      close(a->fd);
      delete a;
    }
  e->acceptors.clear();
  if (e->tsfn) napi_release_threadsafe_function(e->tsfn, napi_tsfn_abort);
  e->tsfn = nullptr;
  if (e->ep >= 0) close(e->ep);
  if (e->wake >= 0) close(e->wake);
  free(e->buf);
  e->buf = nullptr;
}

napi_value Throw(napi_env env, const char* msg) {
  napi_throw_error(env, "LB_ERR_NATIVE_RELAY", msg);
  return nullptr;
}

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
  return lbnative::Owned<Engine, Destroy>::Wrap(env, e);
}

bool StartThread(Engine* e) {
  if (e->started) return true;
  try {
    e->th = std::thread(Run, e);
  } catch (...) {
    return false;
  }
  e->started = true;
  return true;
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
  if (!StartThread(e)) return Throw(env, "cannot start the native relay thread");
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
  if (!Insert(e, c, &slot)) {
    FreePending(c);
    delete c;
    return Throw(env, "too many native relay connections");
  }
  if (!Update(e, c, slot)) {
    int err = errno;
    Deregister(e, c);
    FreePending(c);
    delete c;
    e->table[slot] = nullptr;
    e->freeSlots.push_back(slot);
    return Throw(env, err == EPERM ? "descriptor cannot be polled" : "epoll_ctl failed");
  }
  napi_value out;
  napi_create_double(env, HandleOf(c, slot), &out);
  return out;
}

// activity(engine, handle) -> bytes read from + written to A so far (the idle sweep's measure), or -1.
napi_value Activity(napi_env env, napi_callback_info info) {
  ARGS(2);
  napi_value out;
  Engine* e = EngineArg(env, argv[0]);
  if (!e) {
    napi_create_double(env, -1, &out);
    return out;
  }
  std::lock_guard<std::mutex> lock(e->mu);  // the thread adds accepted connections to the table
  uint32_t slot;
  Conn* c = ConnArg(env, e, argv[1], &slot);
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
  napi_value undef;
  if (!e) return nullptr;
  std::lock_guard<std::mutex> lock(e->mu);
  uint32_t slot;
  Conn* c = ConnArg(env, e, argv[1], &slot);
  if (c) return CountsOf(env, c);
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

// listen(engine, fd, fixedLocal: bool, until: number) -> acceptor id. Polls a duplicate of a
// listening socket's descriptor: the caller may close its own (the socket and its backlog live on
// in the duplicate). It accepts `until` connections at most (see acceptUntil).
napi_value Listen(napi_env env, napi_callback_info info) {
  ARGS(4);
  Engine* e = EngineArg(env, argv[0]);
  if (!e) return Throw(env, "native relay is closed");
  if (e->failed.load()) return Throw(env, "native relay thread failed");
  int32_t fd = -1;
  bool fixedLocal = false;
  napi_get_value_int32(env, argv[1], &fd);
  napi_get_value_bool(env, argv[2], &fixedLocal);
  if (fd < 0) return Throw(env, "bad file descriptor");
  if (!StartThread(e)) return Throw(env, "cannot start the native relay thread");
  int dup = fcntl(fd, F_DUPFD_CLOEXEC, 0);
  if (dup < 0) return Throw(env, strerror(errno));
  Acceptor* a = new Acceptor();
  a->fd = dup;
  a->fixedLocal = fixedLocal;
  napi_get_value_double(env, argv[3], &a->until);
  std::lock_guard<std::mutex> lock(e->mu);
  // Never reused: a kAccept of a closed acceptor still on its way must not reach a new one.
  uint32_t id = uint32_t(e->acceptors.size());
  e->acceptors.push_back(a);
  Repoll(e);
  if (!a->polled && e->undecided < kMaxUndecided && a->accepted < a->until) {
    e->acceptors[id] = nullptr;
    close(dup);
    delete a;
    return Throw(env, "cannot poll the listening socket");
  }
  return Int(env, int32_t(id));
}

Acceptor* AcceptorArg(napi_env env, Engine* e, napi_value v, uint32_t* idOut) {
  int32_t id = -1;
  napi_get_value_int32(env, v, &id);
  if (id < 0 || uint32_t(id) >= e->acceptors.size()) return nullptr;
  *idOut = uint32_t(id);
  return e->acceptors[id];
}

// unlisten(engine, id, keep: bool) -> the descriptor when `keep` (the caller listens on it now),
// else -1 after closing it. Connections already accepted go on. Unless `keep` (the thread is
// gone), the thread then pushes kUnlistened(id), after every kAccept of this acceptor.
napi_value Unlisten(napi_env env, napi_callback_info info) {
  ARGS(3);
  Engine* e = EngineArg(env, argv[0]);
  if (!e) return Int(env, -1);
  bool keep = false;
  napi_get_value_bool(env, argv[2], &keep);
  std::lock_guard<std::mutex> lock(e->mu);
  uint32_t id;
  Acceptor* a = AcceptorArg(env, e, argv[1], &id);
  if (!a) return Int(env, -1);
  if (a->polled) epoll_ctl(e->ep, EPOLL_CTL_DEL, a->fd, nullptr);
  int fd = a->fd;
  if (!keep) {
    close(fd);
    fd = -1;
  }
  e->acceptors[id] = nullptr;
  delete a;
  if (!keep && e->started && !e->failed.load()) {
    e->unlistened.push_back(id);
    uint64_t one = 1;
    (void)!write(e->wake, &one, sizeof one);
  }
  return Int(env, fd);
}

// TCP_NODELAY always, keep-alive when seconds > 0 (off otherwise), as libuv sets them: the kernel
// copies them into every socket accepted from then on.
void SetTcpOptions(int fd, int keepAlive, bool noDelay) {
  int one = 1, off = 0, intvl = 1, cnt = 10;  // libuv's interval and count
  if (noDelay) setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (keepAlive <= 0) {
    setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &off, sizeof off);
    return;
  }
  setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one);
  setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &keepAlive, sizeof keepAlive);
  setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl, sizeof intvl);
  setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof cnt);
}

// listenKeepAlive(engine, id, seconds): a reload changed `keepAlive` (Node's handle is closed).
napi_value ListenKeepAlive(napi_env env, napi_callback_info info) {
  ARGS(3);
  Engine* e = EngineArg(env, argv[0]);
  if (!e) return nullptr;
  int32_t seconds = 0;
  napi_get_value_int32(env, argv[2], &seconds);
  std::lock_guard<std::mutex> lock(e->mu);
  uint32_t id;
  Acceptor* a = AcceptorArg(env, e, argv[1], &id);
  if (a) SetTcpOptions(a->fd, seconds, false);
  return nullptr;
}

// (engine, id, value): `apply` changes the acceptor under the lock, then polling follows it.
template <typename F>
napi_value SetAcceptor(napi_env env, napi_callback_info info, F apply) {
  ARGS(3);
  Engine* e = EngineArg(env, argv[0]);
  if (!e) return nullptr;
  std::lock_guard<std::mutex> lock(e->mu);
  uint32_t id;
  Acceptor* a = AcceptorArg(env, e, argv[1], &id);
  if (!a) return nullptr;
  apply(a, argv[2]);
  if (!e->failed.load()) Repoll(e);
  return nullptr;
}

// pauseAccept(engine, id, paused: bool): while paused the listening socket is not polled; new
// clients wait in the kernel's backlog.
napi_value PauseAccept(napi_env env, napi_callback_info info) {
  return SetAcceptor(env, info, [env](Acceptor* a, napi_value v) { napi_get_value_bool(env, v, &a->paused); });
}

// acceptUntil(engine, id, until): the listening socket is polled while fewer than `until`
// connections were accepted on it in all (JavaScript counts those it was told of and adds the
// connections it may still open: those accepted and not yet told are within the limit).
napi_value AcceptUntil(napi_env env, napi_callback_info info) {
  return SetAcceptor(env, info, [env](Acceptor* a, napi_value v) { napi_get_value_double(env, v, &a->until); });
}


// connect(engine, handle, ip, port, keepAliveSeconds, head: Buffer | undefined) -> 0 (connecting:
// kConnected or kConnectFailed follows), an errno (failed at once), or -1 (no such connection
// waiting for a decision). TCP_NODELAY and keep-alive as Node's dialer sets them.
napi_value Connect(napi_env env, napi_callback_info info) {
  ARGS(6);
  Engine* e = EngineArg(env, argv[0]);
  if (!e) return Int(env, -1);
  size_t hostLen = 0;
  char host[INET6_ADDRSTRLEN + 1] = "";
  napi_get_value_string_utf8(env, argv[2], host, sizeof host, &hostLen);
  int32_t port = 0, keepAlive = 0;
  napi_get_value_int32(env, argv[3], &port);
  napi_get_value_int32(env, argv[4], &keepAlive);
  void* head = nullptr;
  size_t headLen = 0;
  bool isBuf = false;
  napi_is_buffer(env, argv[5], &isBuf);
  if (isBuf) napi_get_buffer_info(env, argv[5], &head, &headLen);
  sockaddr_storage ss;
  socklen_t sl;
  if (!ParseAddr(host, port, &ss, &sl)) return Int(env, EINVAL);
  uint32_t slot;
  auto waiting = [&]() -> Conn* {
    Conn* c = ConnArg(env, e, argv[1], &slot);
    return c && c->owned && c->st == St::Pending && !e->failed.load() ? c : nullptr;
  };
  {
    std::lock_guard<std::mutex> lock(e->mu);
    if (!waiting()) return Int(env, -1);
  }
  // The socket, its options and the connect (on loopback, the whole handshake) without the lock:
  // the relay thread, which holds it while it works, would wait for them (futex calls on both
  // threads, measured). A connection waiting for a decision is only changed from this thread,
  // or ended by a thread failure: looked up again below.
  int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return Int(env, errno);
  int one = 1;
  if (keepAlive > 0)
    SetTcpOptions(fd, keepAlive, true);
  else
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (connect(fd, reinterpret_cast<sockaddr*>(&ss), sl) != 0 && errno != EINPROGRESS) {
    int err = errno;
    close(fd);
    return Int(env, err);
  }
  std::lock_guard<std::mutex> lock(e->mu);
  Conn* c = waiting();
  if (!c) {
    close(fd);
    return Int(env, -1);
  }
  epoll_event ev{};
  ev.events = EPOLLOUT;
  ev.data.u64 = TagOf(c, slot, 1);
  if (epoll_ctl(e->ep, EPOLL_CTL_ADD, fd, &ev) != 0) {
    int err = errno;
    close(fd);
    return Int(env, err);
  }
  free(c->dir[0].pend);
  c->dir[0].pend = nullptr;
  c->dir[0].off = c->dir[0].len = 0;
  if (headLen > 0) {
    c->dir[0].pend = static_cast<char*>(malloc(headLen));
    if (c->dir[0].pend) {
      memcpy(c->dir[0].pend, head, headLen);
      c->dir[0].len = headLen;
    }
  }
  c->fd[1] = fd;
  c->mask[1] = EPOLLOUT;
  c->attempt++;
  c->st = St::Connecting;
  e->undecided--;
  Repoll(e);
  return Int(env, 0);
}

// cancelConnect(engine, handle) -> true when a connect in progress was abandoned (the connection
// waits for a decision again), false when it already finished (its event is on the way).
napi_value CancelConnect(napi_env env, napi_callback_info info) {
  ARGS(2);
  Engine* e = EngineArg(env, argv[0]);
  napi_value out;
  bool done = false;
  if (e) {
    std::lock_guard<std::mutex> lock(e->mu);
    uint32_t slot;
    Conn* c = ConnArg(env, e, argv[1], &slot);
    if (c && c->owned && c->st == St::Connecting) {
      close(c->fd[1]);
      c->fd[1] = -1;
      c->mask[1] = 0;
      c->st = St::Pending;
      e->undecided++;
      done = true;
    }
  }
  napi_get_boolean(env, done, &out);
  return out;
}

// drop(engine, handle, how) -> [aRead, aWritten] | undefined: closes a connection accepted here, in
// any state (refused, killed, timed out). how 1: what the client sent and nobody read is read and
// discarded first, so that the close is a FIN as from Node (which reads at once), not a reset;
// how 2: a reset (SO_LINGER 0).
napi_value Drop(napi_env env, napi_callback_info info) {
  ARGS(3);
  int32_t how = 0;
  napi_get_value_int32(env, argv[2], &how);
  Engine* e = EngineArg(env, argv[0]);
  napi_value out;
  napi_get_undefined(env, &out);
  if (!e) return out;
  std::lock_guard<std::mutex> lock(e->mu);
  uint32_t slot;
  Conn* c = ConnArg(env, e, argv[1], &slot);
  if (!c || !c->owned) return out;
  out = CountsOf(env, c);
  if (how == 1 && c->st == St::Pending) {
    char sink[16384];
    for (int i = 0; i < 16 && recv(c->fd[0], sink, sizeof sink, MSG_DONTWAIT) > 0; i++) {
    }
  }
  if (how == 2) {
    linger lg{1, 0};
    setsockopt(c->fd[0], SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
  }
  Forget(e, c, slot);
  Repoll(e);
  return out;
}

// detach(engine, handle) -> the client's descriptor, or -1: a connection accepted here and not
// relayed yet goes to JavaScript (net.Socket({ fd })); a connect in progress is abandoned.
napi_value Detach(napi_env env, napi_callback_info info) {
  ARGS(2);
  Engine* e = EngineArg(env, argv[0]);
  if (!e) return Int(env, -1);
  std::lock_guard<std::mutex> lock(e->mu);
  uint32_t slot;
  Conn* c = ConnArg(env, e, argv[1], &slot);
  if (!c || !c->owned || c->st == St::Relay) return Int(env, -1);
  int fd = c->fd[0];
  c->fd[0] = -1;
  Forget(e, c, slot);
  Repoll(e);
  return Int(env, fd);
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
  const lbnative::Fn fns[] = {
      {"create", Create},
      {"add", Add},
      {"activity", Activity},
      {"counts", Counts},
      {"release", Release},
      {"listen", Listen},
      {"unlisten", Unlisten},
      {"pauseAccept", PauseAccept},
      {"acceptUntil", AcceptUntil},
      {"listenKeepAlive", ListenKeepAlive},
      {"connect", Connect},
      {"cancelConnect", CancelConnect},
      {"drop", Drop},
      {"detach", Detach},
      {"ref", Ref},
      {"close", CloseEngine},
      {"exitWatchdog", ExitWatchdog},
      {"fault", Fault},
      {"execve", Execve},
      {"dupFd", DupFd},
  };
  lbnative::Define(env, exports, fns);
  RegisterUdp(env, exports);  // native/udp-reply.cc
  return exports;
}

}  // namespace

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
