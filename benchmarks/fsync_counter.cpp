// Preloaded into a benchmarked backend (LD_PRELOAD): counts the process's
// fsync() and fdatasync() calls in an 8-byte counter file that the benchmark
// maps too (ALTER_FSYNC_COUNTER=path), so it reads durable flushes live,
// without ptrace's cost. SQLite calls both through the C library, which is what
// makes them interposable.
#include <dlfcn.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <cstdlib>

namespace {

std::atomic<uint64_t>* counter = nullptr;

__attribute__((constructor)) void map_counter() {
  const char* path = std::getenv("ALTER_FSYNC_COUNTER");
  if (path == nullptr)
    return;
  int fd = ::open(path, O_RDWR | O_CREAT, 0600);
  if (fd < 0)
    return;
  if (::ftruncate(fd, sizeof(uint64_t)) == 0) {
    void* p
        = ::mmap(nullptr, sizeof(uint64_t), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (p != MAP_FAILED)
      counter = static_cast<std::atomic<uint64_t>*>(p);
  }
  ::close(fd);
}

void count() {
  if (counter != nullptr)
    counter->fetch_add(1, std::memory_order_relaxed);
}

template <class F>
F next_definition(const char* name) {
  return reinterpret_cast<F>(::dlsym(RTLD_NEXT, name));
}

} // namespace

extern "C" int fsync(int fd) {
  static auto real = next_definition<int (*)(int)>("fsync");
  count();
  return real(fd);
}

extern "C" int fdatasync(int fd) {
  static auto real = next_definition<int (*)(int)>("fdatasync");
  count();
  return real(fd);
}
