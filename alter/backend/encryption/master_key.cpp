#include "alter/backend/encryption/master_key.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include <openssl/crypto.h>

#include "alter/auth/crypto.hpp"
#include "alter/backend/encryption/sealed_box.hpp"
#include "alter/messages/base64.hpp"

namespace alter::backend {

namespace {

/// Base64 of 32 bytes is 44 characters; anything much longer is no key file.
constexpr std::size_t max_key_file_size = 256;

std::string_view trimmed(std::string_view s) {
  auto space = [](char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; };
  while (!s.empty() && space(s.front()))
    s.remove_prefix(1);
  while (!s.empty() && space(s.back()))
    s.remove_suffix(1);
  return s;
}

std::string os_error() {
  return std::strerror(errno);
}

/// A crash right after creating or renaming a key file must not lose it.
void sync_directory_of(const std::string& path) {
  auto slash = path.rfind('/');
  auto dir = slash == std::string::npos
                 ? std::string{"."}
                 : path.substr(0, std::max<std::size_t>(slash, 1));
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return;
  ::fsync(fd);
  ::close(fd);
}

} // namespace

master_key::master_key(std::string bytes) : bytes_(std::move(bytes)) {
  if (bytes_.size() != sealed_key_size) {
    OPENSSL_cleanse(bytes_.data(), bytes_.size());
    throw encryption_error("a master key is 32 bytes");
  }
}

master_key::~master_key() {
  OPENSSL_cleanse(bytes_.data(), bytes_.size());
}

master_key master_key::generate() {
  return master_key{crypto::random_bytes(sealed_key_size)};
}

master_key master_key::from_base64(std::string_view text) {
  auto decoded = base64_decode(trimmed(text));
  if (!decoded || decoded->size() != sealed_key_size) {
    if (decoded)
      OPENSSL_cleanse(decoded->data(), decoded->size());
    throw encryption_error("a master key is base64 of 32 bytes");
  }
  return master_key{std::move(*decoded)};
}

std::string master_key::to_base64() const {
  return base64_encode(bytes_);
}

std::string master_key_file(const master_key_options& options,
                            const std::string& database_path) {
  if (!options.base64.empty())
    return {};
  if (!options.file.empty())
    return options.file;
  if (database_path.empty() || database_path == ":memory:")
    return {};
  return database_path + ".master-key";
}

master_key read_master_key_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    throw encryption_error("cannot open the master key file " + path + ": "
                           + os_error());
  struct stat st {};
  std::string text(max_key_file_size + 1, '\0');
  ssize_t n = -1;
  std::string problem;
  if (::fstat(fd, &st) != 0)
    problem = "cannot stat it: " + os_error();
  else if (!S_ISREG(st.st_mode))
    problem = "it is no regular file";
  else if ((st.st_mode & 077) != 0)
    problem = "its permissions are looser than 0600 (chmod 600 it)";
  else if ((n = ::read(fd, text.data(), text.size())) < 0)
    problem = "cannot read it: " + os_error();
  else if (static_cast<std::size_t>(n) > max_key_file_size)
    problem = "it is too large to be a key";
  ::close(fd);
  if (problem.empty()) {
    text.resize(static_cast<std::size_t>(n));
    try {
      auto key = master_key::from_base64(text);
      OPENSSL_cleanse(text.data(), text.size());
      return key;
    } catch (const encryption_error&) {
      problem = "it does not hold base64 of 32 bytes";
    }
  }
  OPENSSL_cleanse(text.data(), text.size());
  throw encryption_error("the master key file " + path + " is refused: " + problem);
}

void write_master_key_file(const std::string& path, const master_key& key) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                  0600);
  if (fd < 0)
    throw encryption_error("cannot create the master key file " + path + ": "
                           + os_error());
  auto text = key.to_base64() + "\n";
  // The umask may only narrow 0600; fchmod makes sure of it.
  bool ok
      = ::fchmod(fd, 0600) == 0
        && ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size())
        && ::fsync(fd) == 0;
  auto why = os_error();
  ::close(fd);
  OPENSSL_cleanse(text.data(), text.size());
  if (!ok) {
    ::unlink(path.c_str());
    throw encryption_error("cannot write the master key file " + path + ": " + why);
  }
  sync_directory_of(path);
}

void replace_master_key_file(const std::string& from, const std::string& to) {
  if (::rename(from.c_str(), to.c_str()) != 0)
    throw encryption_error("cannot rename " + from + " to " + to + ": " + os_error());
  sync_directory_of(to);
}

master_key resolve_master_key(const master_key_options& options,
                              const std::string& database_path, bool may_create) {
  if (!options.base64.empty())
    return master_key::from_base64(options.base64);
  auto path = master_key_file(options, database_path);
  if (path.empty())
    return master_key::generate();
  struct stat st {};
  if (::lstat(path.c_str(), &st) == 0 || errno != ENOENT)
    return read_master_key_file(path);
  if (!may_create)
    throw encryption_error("the database " + database_path
                           + " is encrypted and its master key file " + path
                           + " is missing");
  auto key = master_key::generate();
  write_master_key_file(path, key);
  return key;
}

} // namespace alter::backend
