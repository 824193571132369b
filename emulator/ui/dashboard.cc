#include "ui/dashboard.h"

#include <string>
#include <string_view>

namespace cte::ui {

namespace {

// The dashboard's scripts and styles are its own files; it talks only to the emulator it came
// from, and no page of another site may frame it (clickjacking of its buttons). A 405 adds the
// methods there are in front.
constexpr std::string_view kAllowAndHeaders =
    "Allow: GET, HEAD\r\n"
    "Cache-Control: no-cache\r\n"
    "X-Content-Type-Options: nosniff\r\n"
    "X-Frame-Options: DENY\r\n"
    "Referrer-Policy: no-referrer\r\n"
    "Content-Security-Policy: default-src 'self'; img-src 'self' data:; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'\r\n";
constexpr std::string_view kHeaders = kAllowAndHeaders.substr(kAllowAndHeaders.find("Cache-"));

constexpr std::string_view kHtml = "text/html; charset=utf-8";

// The page of an error: a title and a sentence, and the way back to the dashboard.
std::string ErrorPage(std::string_view title, std::string_view text) {
  return "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>" +
         std::string(title) + " - Cloud Tasks emulator</title></head>\n<body><main><h1>" +
         std::string(title) + "</h1>\n<p>" + std::string(text) +
         " <a href=\"/ui/\">Open the dashboard</a>.</p></main></body></html>\n";
}

std::string_view ContentType(std::string_view path) {
  struct Type {
    std::string_view extension, type;
  };
  static constexpr Type kTypes[] = {
      {".html", kHtml},
      {".js", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".json", "application/json; charset=utf-8"},
  };
  for (const Type& t : kTypes) {
    if (path.ends_with(t.extension)) return t.type;
  }
  return "application/octet-stream";
}

}  // namespace

api::RestResponse Answer(std::string_view method, std::string_view path) {
  if (method != "GET" && method != "HEAD") {
    return {405,
            ErrorPage("Method not allowed",
                      "The dashboard's pages answer GET and HEAD; its actions go through the API."),
            kHtml, kAllowAndHeaders, nullptr};
  }
  if (path.empty() || path == "/") path = "/index.html";
  size_t count = 0;
  const File* files = Files(count);
  for (size_t i = 0; i < count; ++i) {
    if (files[i].path == path) {
      return {200, std::string(files[i].bytes), ContentType(path), kHeaders, nullptr};
    }
  }
  return {404, ErrorPage("Not found", "The dashboard has no page here."), kHtml, kHeaders, nullptr};
}

}  // namespace cte::ui
