#include "store/memory_store.h"

#include <doctest/doctest.h>

TEST_CASE("x") { auto s = cte::store::MemoryStore::Create(); }
