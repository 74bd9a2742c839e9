#include "alter/backend/approvals/mail_outbox.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <stdexcept>

#include "alter/auth/crypto.hpp"

namespace alter::backend {

namespace {

void make_directory(const std::string& path) {
  if (::mkdir(path.c_str(), 0700) != 0 && errno != EEXIST)
    throw std::runtime_error{"cannot use mail outbox " + path + ": "
                             + std::strerror(errno)};
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
    throw std::runtime_error{"cannot use mail outbox " + path + ": not a directory"};
}

/// A header value: printable ASCII only, at most `max` characters.
std::string header_value(const std::string& text, std::size_t max = 200) {
  std::string out;
  for (char c : text) {
    if (out.size() == max)
      break;
    auto u = static_cast<unsigned char>(c);
    out += u >= 0x20 && u < 0x7f ? c : '?';
  }
  return out;
}

std::string rfc5322_date() {
  std::time_t now = std::time(nullptr);
  std::tm utc{};
  ::gmtime_r(&now, &utc);
  char buf[64];
  std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S +0000", &utc);
  return buf;
}

bool write_all(int fd, const std::string& data) {
  std::size_t done = 0;
  while (done < data.size()) {
    auto n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return false;
    done += static_cast<std::size_t>(n);
  }
  return true;
}

} // namespace

bool is_mail_address(const std::string& text) noexcept {
  auto at = text.find('@');
  if (text.size() > 254 || at == std::string::npos || at == 0 || at + 1 == text.size()
      || text.find('@', at + 1) != std::string::npos)
    return false;
  return std::all_of(text.begin(), text.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return u > 0x20 && u < 0x7f && c != '<' && c != '>' && c != ',' && c != ';'
           && c != '"' && c != '(' && c != ')' && c != '\\';
  });
}

mail_outbox::mail_outbox(std::string dir) : dir_(std::move(dir)) {
  make_directory(dir_);
  for (const char* sub : {"/tmp", "/new", "/cur"})
    make_directory(dir_ + sub);
}

bool mail_outbox::deliver(const mail_message& m) const {
  if (!is_mail_address(m.to))
    return false;
  auto name = std::to_string(std::time(nullptr)) + "." + crypto::random_hex(12)
              + ".alter-local";
  std::string text = "From: Alter approvals <approvals@alter-local.invalid>\n"
                     "To: "
                     + m.to + "\nSubject: " + header_value(m.subject)
                     + "\nDate: " + rfc5322_date() + "\nMessage-ID: <" + name
                     + "@alter-local.invalid>\nMIME-Version: 1.0\n"
                       "Content-Type: text/plain; charset=utf-8\n"
                       "Content-Transfer-Encoding: 8bit\n\n"
                     + m.body;
  if (text.back() != '\n')
    text += '\n';
  auto tmp = dir_ + "/tmp/" + name;
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0)
    return false;
  bool ok = write_all(fd, text) && ::fsync(fd) == 0;
  ok = ::close(fd) == 0 && ok;
  if (ok && ::rename(tmp.c_str(), (dir_ + "/new/" + name).c_str()) == 0)
    return true;
  ::unlink(tmp.c_str());
  return false;
}

} // namespace alter::backend
