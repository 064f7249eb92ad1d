// The web page compiled in from web/index.html (cmake/embed_web.cmake).
#pragma once

#include <string_view>

namespace colossim::server {
std::string_view web_page();
}  // namespace colossim::server
