// Two kinds of error (STYLE.md): a user's mistake is an InputError that names the field,
// the value given and what would be valid; a broken invariant inside colossim is an
// InternalError. The command line maps InputError to exit status 2. Library code never exits.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

namespace colossim {

class InputError : public std::runtime_error {
public:
    // field: dotted path ("parallelism.tp"); value: what was given; valid: what would be.
    InputError(std::string field, std::string value, std::string valid);

    const std::string& field() const { return field_; }
    const std::string& value() const { return value_; }
    const std::string& valid() const { return valid_; }

private:
    std::string field_, value_, valid_;
};

// An output that could not be written (a full disk, a directory that is not there, a
// FIFO): the command line maps it to exit status 1, never 0, and nothing half-written is
// left under the file's name.
class OutputError : public std::runtime_error {
public:
    OutputError(const std::string& purpose, const std::string& path, const std::string& why);
};

// `text` as valid, printable UTF-8: control bytes, DEL and bytes that are not UTF-8 become
// \xNN, so a message quoting a binary file stays text a script can read.
std::string printable(const std::string& text);

class InternalError : public std::logic_error {
public:
    using std::logic_error::logic_error;
};

// Non-fatal findings (unknown keys, ignored fields) collected while reading input.
struct Diagnostics {
    std::vector<std::string> warnings;
    // A message already given (the same finding from two readers) is not repeated.
    void warn(std::string message) {
        message = printable(message);
        for (std::size_t i = 0; i < warnings.size() && i < 64; ++i) {
            if (warnings[i] == message) return;
        }
        warnings.push_back(std::move(message));
    }
};

// The catalog name closest to `name` by edit distance, or "" if none is close.
std::string closest_name(const std::string& name, const std::vector<std::string>& candidates);

}  // namespace colossim
