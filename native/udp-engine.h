// What native/udp-reply.cc (the engine, the sessions' sockets, the replies) and
// native/udp-receive.cc (the listener's socket read in C++) share: one listener's UDP engine.
#pragma once

#include "napi-common.h"

#include <netinet/in.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <string>
#include <unordered_map>
#include <vector>

namespace lbudp {

constexpr size_t kMaxDatagram = 65536;  // one read: the largest UDP payload fits whole
constexpr size_t kMaxForward = 65507;   // the largest IPv4 UDP payload, PROXY header included
constexpr uint32_t kListenerTag = 0xffffffffu;  // the listener's descriptor in the epoll set

// Counters taken by udpTake, in its Float64Array's order (src/udp/native-udp.ts, TAKEN).
enum {
  kDatagrams,     // replies sent to the client
  kBytes,         //
  kFull,          // replies dropped: the listener's send buffer was full
  kErrors,        // replies dropped: another error
  kRefused,       // ICMP port unreachable read on the session's socket, not taken yet
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

struct Sess {
  int fd = -1;
  int listenFd = -1;
  sockaddr_storage client{};
  socklen_t clientLen = 0;
  Key key;
  bool registered = false;  // in the engine's map: its client's datagrams are sent from C++
  std::string header;       // PROXY v2, before every datagram to the target
  double n[kCount] = {};
  int64_t last = -1;  // CLOCK_MONOTONIC_COARSE ms of the last datagram either way since the last take
};

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
  napi_ref callback = nullptr;  // (msg, ip, port, truncated) for what C++ does not forward
  napi_async_context async = nullptr;
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
// about one reply). Sess pointers stay valid: the batch is sent before anything calls JavaScript.
struct ReplyBatch {
  static constexpr unsigned kSize = 64;
  char* bufs = nullptr;  // kSize x kMaxDatagram, touched only as far as replies fill them
  mmsghdr msgs[kSize];
  iovec iovs[kSize];
  Sess* of[kSize];
  unsigned n = 0;
  int fd = -1;  // the listener's descriptor they leave from
};

struct UdpEngine {
  int ep = -1;
  void* poll = nullptr;  // uv_poll_s; its first field is the handle's `data`
  std::vector<Sess*> slots;
  std::vector<int32_t> freeSlots;
  std::unordered_map<Key, int32_t, KeyHash> byClient;
  Receiver rx;
  ReplyBatch replies;
  napi_env env = nullptr;
  int depth = 0;           // inside OnPoll: JavaScript may destroy the engine meanwhile
  bool finalized = false;  // collected while inside OnPoll: deleted when it returns
};

int64_t NowMs();
// Reads the listener's socket: forwards known clients' datagrams, hands the rest to JavaScript.
void Receive(UdpEngine* e, int64_t now);
// Starts (callback: a function) reading the listener's descriptor; false with errno set.
bool Listen(UdpEngine* e, int fd, napi_value callback);
// Stops reading it (the descriptor stays open: it is Node's).
void Unlisten(UdpEngine* e);
void Register(UdpEngine* e, int32_t slot, Sess* s);
void Forget(UdpEngine* e, Sess* s);

}  // namespace lbudp
