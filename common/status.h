// Status and Result<T>: the one error model, shared by the emulator and the client library.
// Codes are google.rpc.Code.
#pragma once

#include <cassert>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace cte {

// google.rpc.Code values, see google/rpc/code.proto.
enum class Code : int {
  kOk = 0,
  kCancelled = 1,
  kUnknown = 2,
  kInvalidArgument = 3,
  kDeadlineExceeded = 4,
  kNotFound = 5,
  kAlreadyExists = 6,
  kPermissionDenied = 7,
  kResourceExhausted = 8,
  kFailedPrecondition = 9,
  kAborted = 10,
  kOutOfRange = 11,
  kUnimplemented = 12,
  kInternal = 13,
  kUnavailable = 14,
  kDataLoss = 15,
  kUnauthenticated = 16,
};

// The canonical upper-case name of a code, e.g. "NOT_FOUND".
std::string_view CodeName(Code code);

// The code named `name` ("NOT_FOUND"); kUnknown when the name is not a google.rpc code.
Code CodeFromName(std::string_view name);

// The HTTP status Google's REST front end uses for a code (google/rpc/code.proto table).
int HttpStatusFor(Code code);

// The code for an HTTP status, the reverse of that table (409 gives ABORTED, other 4xx
// FAILED_PRECONDITION, other 5xx INTERNAL, 2xx OK).
Code CodeForHttpStatus(int http_status);

// A code and a message. Default-constructed Status is OK.
class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Code code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  // The google.rpc code name, e.g. "NOT_FOUND" ("OK" when ok()).
  std::string_view name() const { return CodeName(code_); }
  const std::string& message() const { return message_; }
  // "NOT_FOUND: message", or "OK".
  std::string ToString() const { return ok() ? "OK" : std::string(name()) + ": " + message_; }

 private:
  Code code_ = Code::kOk;
  std::string message_;
};

inline Status InvalidArgument(std::string m) { return {Code::kInvalidArgument, std::move(m)}; }
inline Status NotFound(std::string m) { return {Code::kNotFound, std::move(m)}; }
inline Status AlreadyExists(std::string m) { return {Code::kAlreadyExists, std::move(m)}; }
inline Status FailedPrecondition(std::string m) {
  return {Code::kFailedPrecondition, std::move(m)};
}
inline Status Internal(std::string m) { return {Code::kInternal, std::move(m)}; }
inline Status Unimplemented(std::string m) { return {Code::kUnimplemented, std::move(m)}; }
inline Status Unavailable(std::string m) { return {Code::kUnavailable, std::move(m)}; }
inline Status Aborted(std::string m) { return {Code::kAborted, std::move(m)}; }
inline Status DeadlineExceeded(std::string m) { return {Code::kDeadlineExceeded, std::move(m)}; }

inline bool IsNotFound(const Status& s) { return s.code() == Code::kNotFound; }
inline bool IsAlreadyExists(const Status& s) { return s.code() == Code::kAlreadyExists; }
inline bool IsUnavailable(const Status& s) { return s.code() == Code::kUnavailable; }

// Reports a Result's error and aborts: reading the value of an error is a programmer mistake.
[[noreturn]] void DieOnBadResultAccess(const Status& status);

// Either a T or a non-OK Status.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}        // NOLINT(google-explicit-constructor)
  Result(Status status) : value_(std::move(status)) {  // NOLINT(google-explicit-constructor)
    assert(!std::get<Status>(value_).ok());
  }

  bool ok() const { return std::holds_alternative<T>(value_); }
  Status status() const { return ok() ? Status() : std::get<Status>(value_); }

  // Requires: ok(). Otherwise the program stops with the error's message.
  T& value() & {
    Check();
    return std::get<T>(value_);
  }
  const T& value() const& {
    Check();
    return std::get<T>(value_);
  }
  T&& value() && {
    Check();
    return std::get<T>(std::move(value_));
  }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  void Check() const {
    if (!ok()) DieOnBadResultAccess(std::get<Status>(value_));
  }
  std::variant<T, Status> value_;
};

}  // namespace cte

// Returns the Status of an expression from the enclosing function when it is not OK.
#define CTE_RETURN_IF_ERROR(expr)              \
  do {                                         \
    ::cte::Status cte_status_ = (expr);        \
    if (!cte_status_.ok()) return cte_status_; \
  } while (0)
