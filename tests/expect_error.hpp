// Expecting an InputError from any call: its field, and a fragment of its message.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <string>

#include "colossim/errors.hpp"

namespace colossim::test {

inline void expect_input_error(const std::function<void()>& f, const std::string& field, const std::string& fragment) {
    try {
        f();
        ADD_FAILURE() << "no error for " << field;
    } catch (const InputError& e) {
        EXPECT_EQ(e.field(), field) << e.what();
        EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
    }
}

}  // namespace colossim::test
