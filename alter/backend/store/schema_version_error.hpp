// A database written by a newer version of the backend than this one: its
// schema may mean things this code does not know, so it is not opened.
#pragma once

#include <stdexcept>
#include <string>

namespace alter::backend {

class schema_version_error : public std::runtime_error {
public:
  schema_version_error(const std::string& path, int found, int supported)
      : std::runtime_error("the database " + path + " has schema version "
                           + std::to_string(found) + ", newer than this program's "
                           + std::to_string(supported)
                           + ": open it with the version that wrote it or a newer one"),
        found_(found), supported_(supported) {
  }

  int found() const noexcept {
    return found_;
  }
  int supported() const noexcept {
    return supported_;
  }

private:
  int found_;
  int supported_;
};

} // namespace alter::backend
