// Base64 in the emulator's core namespace: the shared helpers of common/.
#pragma once

#include "common/base64.h"

namespace cte::core {

using ::cte::Base64Decode;
using ::cte::Base64Encode;
using ::cte::Base64UrlEncode;

}  // namespace cte::core
