// The dashboard's files (ui/ at the repository's root, with the chart library from
// ui/node_modules), compiled into the binary at build time and served under /ui.
#pragma once

#include <string_view>

#include "api/rest_handler.h"

namespace cte::ui {

// One embedded file: its path under /ui ("/index.html", "/vendor/uPlot.iife.min.js").
struct File {
  std::string_view path;
  std::string_view bytes;
};

// Every embedded file (the build writes this function: cmake/embed_files.cmake).
const File* Files(size_t& count);

// The answer to `method` for `path`, what follows "/ui" in the URL ("", "/", "/app.js"). GET and
// HEAD: "" and "/" give index.html; an embedded file gives itself with its Content-Type; anything
// else an HTML 404 page. HEAD answers exactly as GET, body included (the server sends its length,
// not its bytes). Any other method: an HTML 405 page with "Allow: GET, HEAD". Every answer forbids
// framing and content sniffing, and asks the browser to check back before reusing it (the files
// carry no version in their names). Thread-safe.
api::RestResponse Answer(std::string_view method, std::string_view path);

}  // namespace cte::ui
