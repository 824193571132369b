// The client's base64 helpers, on the shared implementation of common/.
#include "common/base64.h"

#include <string>
#include <string_view>

#include "client/lib/types.h"

namespace cte::client {

std::string Base64Encode(std::string_view bytes) { return ::cte::Base64Encode(bytes); }

std::string Base64Decode(std::string_view text) {
  return ::cte::Base64Decode(text).value_or(std::string());
}

}  // namespace cte::client
