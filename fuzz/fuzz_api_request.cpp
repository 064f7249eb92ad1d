// Fuzz target: a request body of the web server's JSON API (server::Api::handle) for the
// endpoints whose work is small (estimate, explain, compare, collective, datacenter). Any
// body must get a reply: a 4xx with the CLI's message for bad input, never a 500 (an
// exception that is not an InputError), a crash, a sanitizer report or a hang.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "colossim/server.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const colossim::Catalog catalog = colossim::Catalog::builtin().without_files();
    static const colossim::server::Api api(catalog, colossim::server::Limits{}, colossim::server::Assets{});
    static const char* const paths[] = {"/api/estimate", "/api/explain", "/api/compare", "/api/collective", "/api/datacenter"};
    if (size == 0) return 0;
    const std::string path = paths[data[0] % 5];
    const std::string body(reinterpret_cast<const char*>(data) + 1, size - 1);
    const colossim::server::Reply reply = api.handle("POST", path, "", body);
    if (reply.status >= 500) std::abort();  // an internal error is a finding
    return 0;
}
