// This backend process's name in the rows it owns: an Idempotency-Key claim
// records it as its owner, so that a settlement can tell this process's
// claims from those of a process that died. On PostgreSQL the process also
// holds a session lock on its name while it runs (postgres/change_feed.cpp),
// which lets any instance ask the database whether an owner still runs
// (store::process_gone).
#pragma once

#include <string>

namespace alter::backend {

/// 32 random hex digits, the same for the whole life of the process.
const std::string& this_process();

} // namespace alter::backend
