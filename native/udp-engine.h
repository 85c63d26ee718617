// What native/udp-reply.cc (the engine, its thread, the sessions' sockets, the replies) and
// native/udp-receive.cc (the listener's socket read in C++) share: one listener's UDP engine.
#pragma once

#include "napi-common.h"

#include <netinet/in.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <atomic>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

namespace lbudp {

constexpr size_t kMaxDatagram = 65536;  // one read: the largest UDP payload fits whole
constexpr size_t kMaxForward = 65507;   // the largest IPv4 UDP payload, PROXY header included
constexpr uint32_t kListenerTag = 0xffffffffu;  // the listener's descriptor in the epoll set
constexpr uint32_t kWakeTag = 0xfffffffeu;      // the eventfd that wakes the thread (to stop it)
// Bytes of datagrams read for JavaScript and not yet seen by it, at most, unless udpLimit says
// otherwise (the listener's maxBufferedBytes): beyond, dropped and counted (udpDropped).
constexpr size_t kMaxQueuedBytes = 4u << 20;

// Counters taken by udpTake, in its Float64Array's order (src/udp/native-udp.ts, TAKEN).
enum {
  kDatagrams,     // replies sent to the client
  kBytes,         //
  kFull,          // replies dropped: the listener's send buffer was full
  kErrors,        // replies dropped: another error
  kRefused,       // ICMP port unreachable read on the session's socket (Sess::refused)
  kInDatagrams,   // client datagrams sent to the target from C++
  kInBytes,       //
  kInFull,        // client datagrams dropped: the session socket's send buffer was full
  kInErrors,      // client datagrams dropped: another error
  kCount
};
// udpTake's array: the counters, then how long ago (ms) the last datagram either way was, or -1.
constexpr int kTakeLength = kCount + 1;

// A client's address as a hash key: family, port and the address bytes, no string.
struct Key {
  uint64_t hi = 0, lo = 0;
  uint32_t portFamily = 0;
  bool operator==(const Key& o) const { return hi == o.hi && lo == o.lo && portFamily == o.portFamily; }
};

struct KeyHash {
  size_t operator()(const Key& k) const {
    uint64_t h = k.hi * 0x9e3779b97f4a7c15ull ^ k.lo ^ (uint64_t(k.portFamily) << 17);
    return size_t(h ^ (h >> 29));
  }
};

// false for a family other than IPv4 and IPv6.
inline bool KeyOf(const sockaddr_storage& ss, Key* k) {
  *k = Key{};
  if (ss.ss_family == AF_INET) {
    auto* a = reinterpret_cast<const sockaddr_in*>(&ss);
    uint32_t ip;
    memcpy(&ip, &a->sin_addr, 4);
    k->lo = ip;
    k->portFamily = (uint32_t(AF_INET) << 16) | a->sin_port;
    return true;
  }
  if (ss.ss_family == AF_INET6) {
    auto* a = reinterpret_cast<const sockaddr_in6*>(&ss);
    memcpy(&k->hi, &a->sin6_addr, 8);
    memcpy(&k->lo, reinterpret_cast<const char*>(&a->sin6_addr) + 8, 8);
    k->portFamily = (uint32_t(AF_INET6) << 16) | a->sin6_port;
    return true;
  }
  return false;
}

// A counter the engine's thread writes and JavaScript reads (udpTake) without a lock: one
// writer, so a relaxed load and store (plain moves on x86-64), never a locked instruction.
struct Counter {
  std::atomic<double> v{0};
  void add(double d) { v.store(v.load(std::memory_order_relaxed) + d, std::memory_order_relaxed); }
  double get() const { return v.load(std::memory_order_relaxed); }
};

// One session. Its descriptor, client and header are set before the thread sees it and never
// change; the thread reads it and writes its counters under the engine's lock (udpTake reads them
// without). JavaScript deletes it, under the lock.
struct Sess {
  int fd = -1;
  int listenFd = -1;
  sockaddr_storage client{};
  socklen_t clientLen = 0;
  Key key;
  bool registered = false;  // in the engine's map: its client's datagrams are sent from C++
  std::string header;       // PROXY v2, before every datagram to the target
  Counter n[kCount];        // since the session opened (udpTake reports what changed)
  // ICMP port unreachable read and not yet seen by JavaScript (udpSend or udpTake): while there
  // is one, the client's datagrams go to JavaScript, which moves the session.
  std::atomic<uint32_t> refused{0};
  std::atomic<int64_t> last{-1};     // CLOCK_MONOTONIC_COARSE ms of the last datagram either way
  std::atomic<uint64_t> moved{0};    // datagrams either way: whether there was one since a take
  // JavaScript's thread only: what the last udpTake reported.
  double taken[kCount] = {};
  uint64_t movedTaken = 0;
  void tick(int64_t now) {
    moved.store(moved.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    last.store(now, std::memory_order_relaxed);
  }
};

// An ICMP port unreachable on the session's socket (read, or returned by a send).
inline void Refused(Sess* s) { s->refused.fetch_add(1, std::memory_order_relaxed); }

// The client's datagram to the session's target, after its PROXY v2 header if any (one datagram).
inline ssize_t SendDatagram(Sess* s, const void* p, size_t len) {
  if (s->header.empty()) return send(s->fd, p, len, MSG_DONTWAIT);
  iovec iov[2] = {{&s->header[0], s->header.size()}, {const_cast<void*>(p), len}};
  msghdr m{};
  m.msg_iov = iov;
  m.msg_iovlen = 2;
  return sendmsg(s->fd, &m, MSG_DONTWAIT);
}

// The listener's socket read in C++ (udpListen): a batch of datagrams per read.
struct Receiver {
  static constexpr unsigned kBatch = 32;  // datagrams per recvmmsg
  int fd = -1;
  char* bufs = nullptr;  // kBatch x kMaxDatagram, never zeroed: pages are touched as datagrams fill them
  std::vector<mmsghdr> msgs;
  std::vector<iovec> iovs;
  std::vector<sockaddr_storage> from;
  // A run of the batch's datagrams for one session, sent with one sendmmsg (PROXY header, payload).
  mmsghdr out[kBatch];
  iovec outIov[2 * kBatch];
};

// Replies read from the sessions' sockets in one turn, sent to their clients with one sendmmsg on
// the listener's socket (one syscall for many replies: with many sessions, each wakes up with
// about one reply).
struct ReplyBatch {
  static constexpr unsigned kSize = 64;
  char* bufs = nullptr;  // kSize x kMaxDatagram, touched only as far as replies fill them
  mmsghdr msgs[kSize];
  iovec iovs[kSize];
  Sess* of[kSize];
  unsigned n = 0;
  int fd = -1;  // the listener's descriptor they leave from
};

// A datagram JavaScript must decide (a new client, a session it unregistered, too large, truncated).
struct ToJs {
  sockaddr_storage from;
  Key key;
  bool truncated;
  std::string data;
};

// What one wake-up of the thread hands to JavaScript: one thread-safe call.
struct JsBatch {
  std::vector<ToJs> v;
};

struct UdpEngine {
  int ep = -1;
  int wake = -1;  // eventfd: stops the thread
  std::thread th;
  std::atomic<bool> stopping{false};
  bool started = false;
  bool destroyed = false;  // JavaScript's thread: no call reaches the engine any more
  // Guards slots, byClient, toJs, the receiver and every Sess but its counters. The thread holds
  // it for one wake-up's work; JavaScript for a session's open, move or close.
  std::mutex mu;
  std::vector<Sess*> slots;
  std::vector<int32_t> freeSlots;
  std::unordered_map<Key, int32_t, KeyHash> byClient;
  // Clients with datagrams on their way to JavaScript: their next ones follow (in order), even
  // once JavaScript has registered their session.
  std::unordered_map<Key, uint32_t, KeyHash> toJs;
  Receiver rx;
  ReplyBatch replies;
  JsBatch* batch = nullptr;              // the thread's, for this wake-up
  std::atomic<size_t> queuedBytes{0};    // read for JavaScript and not seen by it yet
  std::atomic<size_t> maxQueued{kMaxQueuedBytes};
  std::atomic<double> queueDrops{0};     // dropped: maxQueued reached (udpDropped)
  napi_threadsafe_function tsfn = nullptr;
  napi_ref callback = nullptr;  // (msg, ip, port, truncated) for what C++ does not forward
  napi_async_context async = nullptr;
  napi_env env = nullptr;
  int depth = 0;           // inside CallJs: JavaScript may destroy the engine meanwhile
  bool finalized = false;  // collected while inside CallJs: deleted when it returns
};

int64_t NowMs();
// Reads the listener's socket: forwards known clients' datagrams, queues the rest for JavaScript.
// The thread, under the lock.
void Receive(UdpEngine* e, int64_t now);
// Starts reading the listener's descriptor (the lock held); false with errno set.
bool Listen(UdpEngine* e, int fd);
// Stops reading it (the descriptor stays open: it is Node's); the lock held.
void Unlisten(UdpEngine* e);
void Register(UdpEngine* e, int32_t slot, Sess* s);
void Forget(UdpEngine* e, Sess* s);
// The thread's JavaScript-bound datagrams of this wake-up go (one thread-safe call).
void Deliver(UdpEngine* e);
// The thread-safe function's call on JavaScript's thread: each datagram to the callback.
void CallJs(napi_env env, napi_value, void* context, void* data);
void FreeBuffers(Receiver* rx);
// Deletes the engine (its thread stopped, its sockets closed).
void FreeEngine(UdpEngine* e);

}  // namespace lbudp
