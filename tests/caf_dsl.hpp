// CAF 0.17.6's caf/test/dsl.hpp calls an undefined macro FAIL(...) inside
// test_coordinator_fixture::request<T>(); define it before the include.
#pragma once
#ifndef FAIL
#define FAIL(msg) CAF_FAIL(msg)
#endif
#include "caf/test/dsl.hpp"
