// A tiny check recorder for the self-test: one line per check,
//   minios-test: ok <name>
//   minios-test: FAIL <name>: <what was seen>
//   minios-test: SKIP <name>: <why>
// and a verdict line at the end (see test/main.cpp).
#pragma once

#include "kernel/console.hpp"
#include "lib/string_view.hpp"

#include <cstdint>

namespace minios::test {

class Checker {
public:
    // Records a check; `detail` (formatted with args) explains a failure.
    template <typename... Args>
    bool check(bool ok, pv::StringView name, pv::StringView detail = "", const Args&... args) {
        if (ok) {
            ++passed_;
            println("minios-test: ok {}", name);
        } else {
            ++failed_;
            print("minios-test: FAIL {}: ", name);
            println(detail, args...);
        }
        return ok;
    }

    // A hypercall result against the value the ABI specifies.
    bool expect(long got, long want, pv::StringView name) {
        return check(got == want, name, "returned {}, expected {}", got, want);
    }

    void skip(pv::StringView name, pv::StringView reason) {
        ++skipped_;
        println("minios-test: SKIP {}: {}", name, reason);
    }

    // With `strict`, a skip counts as a failure (the hypervisor is expected
    // to support everything by now).
    void set_strict(bool strict) { strict_ = strict; }
    unsigned passed() const { return passed_; }
    unsigned failed() const { return failed_ + (strict_ ? skipped_ : 0); }
    unsigned skipped() const { return skipped_; }

private:
    unsigned passed_ = 0;
    unsigned failed_ = 0;
    unsigned skipped_ = 0;
    bool strict_ = false;
};

} // namespace minios::test
