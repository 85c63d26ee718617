// What native/relay.cc and native/udp-reply.cc share: argument unpacking and address parsing.
#pragma once

#define NAPI_VERSION 8
#include <node_api.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <string>
#include <thread>

#define ARGS(n)                                                         \
  size_t argc = n;                                                      \
  napi_value argv[n];                                                   \
  if (napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr) != napi_ok) return nullptr;

namespace lbnative {

// An IPv4 or IPv6 literal and a port as a socket address; false for anything else (a name).
inline bool ParseAddr(const std::string& host, int port, sockaddr_storage* ss, socklen_t* len) {
  memset(ss, 0, sizeof *ss);
  auto* a4 = reinterpret_cast<sockaddr_in*>(ss);
  if (inet_pton(AF_INET, host.c_str(), &a4->sin_addr) == 1) {
    a4->sin_family = AF_INET;
    a4->sin_port = htons(uint16_t(port));
    *len = sizeof *a4;
    return true;
  }
  auto* a6 = reinterpret_cast<sockaddr_in6*>(ss);
  if (inet_pton(AF_INET6, host.c_str(), &a6->sin6_addr) == 1) {
    a6->sin6_family = AF_INET6;
    a6->sin6_port = htons(uint16_t(port));
    *len = sizeof *a6;
    return true;
  }
  return false;
}

// Stops a thread that waits on an epoll set holding the eventfd `wake`: it sees `stopping` once woken.
inline void StopThread(std::thread& th, std::atomic<bool>& stopping, int wake) {
  stopping.store(true);
  uint64_t one = 1;
  (void)!write(wake, &one, sizeof one);
  th.join();
}

inline napi_value Int(napi_env env, int32_t v) {
  napi_value out;
  napi_create_int32(env, v, &out);
  return out;
}

inline napi_value Bool(napi_env env, bool v) {
  napi_value out;
  napi_get_boolean(env, v, &out);
  return out;
}

// The addon's functions, by name.
struct Fn {
  const char* name;
  napi_callback cb;
};

template <size_t N>
void Define(napi_env env, napi_value exports, const Fn (&fns)[N]) {
  napi_property_descriptor props[N];
  for (size_t i = 0; i < N; i++)
    props[i] = {fns[i].name, nullptr, fns[i].cb, nullptr, nullptr, nullptr, napi_enumerable, nullptr};
  napi_define_properties(env, exports, N, props);
}

// An engine handed to JavaScript as an external: `Destroy` runs when the env tears down (Node
// exiting, a worker ending) or when the external is collected, whichever comes first; then deleted
// (by `Free` when given: an engine that may be inside a call of its own when collected).
template <typename T>
void DeleteIt(T* p) {
  delete p;
}

template <typename T, void (*Destroy)(T*), void (*Free)(T*) = DeleteIt<T>>
struct Owned {
  static void Cleanup(void* arg) { Destroy(static_cast<T*>(arg)); }
  static void Finalize(napi_env env, void* data, void*) {
    napi_remove_env_cleanup_hook(env, Cleanup, data);
    Destroy(static_cast<T*>(data));
    Free(static_cast<T*>(data));
  }
  static napi_value Wrap(napi_env env, T* e) {
    napi_add_env_cleanup_hook(env, Cleanup, e);
    napi_value out;
    napi_create_external(env, e, Finalize, nullptr, &out);
    return out;
  }
};

}  // namespace lbnative
