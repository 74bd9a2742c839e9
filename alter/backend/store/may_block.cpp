#include "alter/backend/store/may_block.hpp"

#include "alter/backend/store/transaction.hpp"
#include "alter/net/thread_role.hpp"

namespace alter::backend {

void expect_may_block() {
  if (net::on_io_thread())
    throw store_misuse{"a store call on an I/O thread: run it on a worker "
                       "(request_executor) instead"};
}

} // namespace alter::backend
