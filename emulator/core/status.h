// Status and Result<T> in the emulator's core namespace: the shared error model of common/.
#pragma once

#include "common/status.h"

namespace cte::core {

using ::cte::Aborted;
using ::cte::AlreadyExists;
using ::cte::Code;
using ::cte::CodeForHttpStatus;
using ::cte::CodeName;
using ::cte::DeadlineExceeded;
using ::cte::FailedPrecondition;
using ::cte::HttpStatusFor;
using ::cte::Internal;
using ::cte::InvalidArgument;
using ::cte::IsAlreadyExists;
using ::cte::IsNotFound;
using ::cte::IsUnavailable;
using ::cte::NotFound;
using ::cte::Result;
using ::cte::Status;
using ::cte::Unavailable;
using ::cte::Unimplemented;

}  // namespace cte::core
