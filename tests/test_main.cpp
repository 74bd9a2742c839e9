// The CAF 0.17 test framework is header-only: exactly one translation unit
// includes unit_test_impl.hpp, which defines the runner and main().
#include "caf/test/unit_test_impl.hpp"
