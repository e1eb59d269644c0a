#include "lib/format.hpp"

#include <catch2/catch.hpp>

#include <climits>
#include <cstdint>
#include <cstring>
#include <string>

using pv::StringView;

namespace {

template <typename... Args> std::string fmt(StringView f, const Args&... args) {
    char buf[512];
    const size_t n = pv::format(buf, sizeof buf, f, args...);
    REQUIRE(n < sizeof buf);
    REQUIRE(buf[n] == '\0');
    return std::string(buf, n);
}

class CaptureSink final : public pv::OutputSink {
public:
    void write(StringView text) override {
        text_.append(text.data(), text.size());
        ++writes_;
    }
    std::string text_;
    int writes_ = 0;
};

enum class Small : uint8_t { a = 7, b = 200 };
enum class Signed : int16_t { neg = -3 };
enum Plain { plain_value = 12 };

} // namespace

TEST_CASE("format: plain text and escaped braces", "[format]") {
    CHECK(fmt("") == "");
    CHECK(fmt("hello") == "hello");
    CHECK(fmt("{{}}") == "{}");
    CHECK(fmt("a{{b}}c {}", 1) == "a{b}c 1");
    CHECK(fmt("{{{}}}", 5) == "{5}");
}

TEST_CASE("format: integers in default form", "[format]") {
    CHECK(fmt("{}", 0) == "0");
    CHECK(fmt("{}", 42) == "42");
    CHECK(fmt("{}", -42) == "-42");
    CHECK(fmt("{}", INT64_MIN) == "-9223372036854775808");
    CHECK(fmt("{}", INT64_MAX) == "9223372036854775807");
    CHECK(fmt("{}", UINT64_MAX) == "18446744073709551615");
    CHECK(fmt("{}", static_cast<int8_t>(-128)) == "-128"); // signed char is a number
    CHECK(fmt("{}", static_cast<uint8_t>(255)) == "255");  // unsigned char too
    CHECK(fmt("{}", static_cast<short>(-7)) == "-7");
    CHECK(fmt("{}", 4000000000u) == "4000000000");
    CHECK(fmt("{} {} {}", 1, 22, 333) == "1 22 333");
}

TEST_CASE("format: bool, char, strings", "[format]") {
    CHECK(fmt("{} {}", true, false) == "true false");
    CHECK(fmt("[{}]", 'x') == "[x]");
    const char* cstr = "abc";
    CHECK(fmt("{}", cstr) == "abc");
    const char* null_str = nullptr;
    CHECK(fmt("{}", null_str) == "(null)");
    char mutable_str[] = "mut";
    CHECK(fmt("{}", static_cast<char*>(mutable_str)) == "mut");
    CHECK(fmt("{}", "literal") == "literal");
    CHECK(fmt("{}", StringView("view-and-more", 4)) == "view");
}

TEST_CASE("format: a char array is read no further than its end", "[format]") {
    const char unterminated[3] = {'a', 'b', 'c'};
    CHECK(fmt("{}|", unterminated) == "abc|");
    const char early_nul[8] = {'h', 'i', '\0', 'x', 'x', 'x', 'x', 'x'};
    CHECK(fmt("{}|", early_nul) == "hi|");
}

TEST_CASE("format: pointers, nullptr and enums", "[format]") {
    CHECK(fmt("{}", reinterpret_cast<void*>(0xdeadbeefULL)) == "0xdeadbeef");
    CHECK(fmt("{}", reinterpret_cast<const int*>(0xffff82d040200000ULL)) == "0xffff82d040200000");
    CHECK(fmt("{}", static_cast<void*>(nullptr)) == "0x0");
    CHECK(fmt("{}", nullptr) == "0x0");
    CHECK(fmt("{:x}", reinterpret_cast<void*>(0xabcULL)) == "abc");
    CHECK(fmt("{:#X}", reinterpret_cast<void*>(0xabcULL)) == "0XABC");
    CHECK(fmt("{:18}", reinterpret_cast<void*>(0x1000ULL)) == "            0x1000");
    CHECK(fmt("{:018}", reinterpret_cast<void*>(0x1000ULL)) == "0x0000000000001000");
    CHECK(fmt("{} {}", Small::a, Small::b) == "7 200"); // uint8_t enum is not a char
    CHECK(fmt("{}", Signed::neg) == "-3");
    CHECK(fmt("{}", plain_value) == "12");
    CHECK(fmt("{:#x}", Small::b) == "0xc8");
}

TEST_CASE("format: radix types", "[format]") {
    CHECK(fmt("{:x}", 255) == "ff");
    CHECK(fmt("{:X}", 255) == "FF");
    CHECK(fmt("{:#x}", 255) == "0xff");
    CHECK(fmt("{:#X}", 255) == "0XFF");
    CHECK(fmt("{:b}", 5) == "101");
    CHECK(fmt("{:#b}", 5) == "0b101");
    CHECK(fmt("{:o}", 8) == "10");
    CHECK(fmt("{:#o}", 8) == "0o10");
    CHECK(fmt("{:d}", 0x10) == "16");
    CHECK(fmt("{:#d}", 10) == "10"); // '#' means nothing in decimal
    CHECK(fmt("{:x}", -255) == "-ff");
    CHECK(fmt("{:x}", UINT64_MAX) == "ffffffffffffffff");
    CHECK(fmt("{:b}", UINT64_MAX) == std::string(64, '1'));
    CHECK(fmt("{:x}", 0) == "0");
    CHECK(fmt("{:p}", 0x1234) == "0x1234");
}

TEST_CASE("format: width, fill, alignment, zero padding", "[format]") {
    CHECK(fmt("[{:5}]", 42) == "[   42]");   // numbers align right by default
    CHECK(fmt("[{:5}]", "ab") == "[ab   ]"); // text aligns left by default
    CHECK(fmt("[{:<5}]", 42) == "[42   ]");
    CHECK(fmt("[{:>5}]", "ab") == "[   ab]");
    CHECK(fmt("[{:*>6}]", 42) == "[****42]");
    CHECK(fmt("[{:-<6}]", "ab") == "[ab----]");
    CHECK(fmt("[{:0>4}]", 7) == "[0007]");
    CHECK(fmt("[{:05}]", 42) == "[00042]");
    CHECK(fmt("[{:05}]", -42) == "[-0042]"); // zeros go after the sign
    CHECK(fmt("[{:#010x}]", 255) == "[0x000000ff]");
    CHECK(fmt("[{:08b}]", 5) == "[00000101]");
    CHECK(fmt("[{:6}]", true) == "[true  ]");
    CHECK(fmt("[{:3}]", 'c') == "[c  ]");
    CHECK(fmt("[{:2}]", 12345) == "[12345]"); // width never truncates
    CHECK(fmt("[{:>255}]", 1).size() == 257);
}

TEST_CASE("format: type letters across argument kinds", "[format]") {
    CHECK(fmt("{:c}", 65) == "A");
    CHECK(fmt("{:c}", 66u) == "B");
    CHECK(fmt("{:d}", 'A') == "65");
    CHECK(fmt("{:x}", 'A') == "41");
    CHECK(fmt("{:c}", 'A') == "A");
    CHECK(fmt("{:s}", true) == "true");
    CHECK(fmt("{:d}", true) == "1");
    CHECK(fmt("{:d}", false) == "0");
    CHECK(fmt("{:s}", "str") == "str");
    CHECK(fmt("{:d}", static_cast<char>(-1)) == "255"); // char code, not sign-extended
}

TEST_CASE("format: mistakes are shown, never fatal", "[format]") {
    SECTION("placeholder without argument") {
        CHECK(fmt("a {} b {}", 1) == "a 1 b {?}");
        CHECK(fmt("{:x}") == "{?}");
    }
    SECTION("extra arguments are ignored") {
        CHECK(fmt("only {}", 1, 2, 3) == "only 1");
    }
    SECTION("unknown spec prints {!} and the value in default form") {
        CHECK(fmt("{:q}", 42) == "{!}42");
        CHECK(fmt("{0}", 42) == "{!}42");
        CHECK(fmt("{:5x5}", 42) == "{!}42");
        CHECK(fmt("{:256}", 42) == "{!}42"); // absurd width
        CHECK(fmt("{:99999999999999999999}", 42) == "{!}42");
        CHECK(fmt("{: }", "s") == "{!}s");
    }
    SECTION("type letter that does not fit the argument") {
        CHECK(fmt("{:x}", "abc") == "{!}abc");
        CHECK(fmt("{:d}", StringView("v")) == "{!}v");
        CHECK(fmt("{:c}", true) == "{!}true");
        CHECK(fmt("{:p}", 'z') == "{!}z");
        CHECK(fmt("{:s}", 5) == "{!}5");
        CHECK(fmt("{:s}", reinterpret_cast<void*>(16)) == "{!}0x10");
    }
    SECTION("the argument is consumed even when its spec is bad") {
        CHECK(fmt("{:q} {}", 1, 2) == "{!}1 2");
    }
    SECTION("stray braces") {
        CHECK(fmt("a } b", 1) == "a } b");
        CHECK(fmt("open { end", 1) == "open { end");
        CHECK(fmt("{} {", 1) == "1 {");
    }
}

TEST_CASE("format: truncation always leaves a terminated string", "[format]") {
    char buf[8];
    SECTION("fits exactly with its NUL") {
        CHECK(pv::format(buf, sizeof buf, "1234567") == 7);
        CHECK(std::string(buf) == "1234567");
    }
    SECTION("cut off") {
        std::memset(buf, 'z', sizeof buf);
        CHECK(pv::format(buf, sizeof buf, "value={}", 123456) == 7);
        CHECK(std::string(buf) == "value=1");
    }
    SECTION("padding is cut off too") {
        CHECK(pv::format(buf, 4, "{:>100}", 1) == 3);
        CHECK(std::string(buf) == "   ");
    }
    SECTION("capacity 1 stores only the NUL") {
        buf[0] = 'z';
        CHECK(pv::format(buf, 1, "abc") == 0);
        CHECK(buf[0] == '\0');
    }
    SECTION("capacity 0 touches nothing") {
        buf[0] = 'z';
        CHECK(pv::format(buf, 0, "abc {}", 1) == 0);
        CHECK(buf[0] == 'z');
        CHECK(pv::format(nullptr, 0, "abc") == 0);
    }
}

TEST_CASE("print_to writes to a sink without a length limit", "[format]") {
    CaptureSink sink;
    pv::print_to(sink, "dom{}: {:#x} {}", 3, 0x1000, "ok");
    CHECK(sink.text_ == "dom3: 0x1000 ok");

    CaptureSink big;
    pv::print_to(big, "{:>200}|{:>200}|{:>200}", 1, 2, 3);
    CHECK(big.text_.size() == 602);
    CHECK(big.text_.substr(0, 200) == std::string(199, ' ') + "1");

    CaptureSink plain;
    pv::print_to(plain, "no args {}");
    CHECK(plain.text_ == "no args {?}");
}
