// Invalid xl.cfg files: every kind of problem, each with its one-line message.
#include "dom0-tools/lib/config/domain_config.hpp"

// Named before <catch2/catch.hpp>, whose <cerrno> defines EINVAL as a macro.
namespace {
constexpr auto k_einval = pv::Errno::einval;
}

// Uses <string>, which brings <cerrno>: after the names above.
#include "config_test_support.hpp"

#include <catch2/catch.hpp>

#include <string>

using config_test::k_required;

namespace {

// The message for `text`, checking that the parse failed with EINVAL.
std::string error_of(const std::string& text) {
    const auto parsed = config_test::parse(text);
    REQUIRE_FALSE(parsed.ok);
    CHECK(parsed.error == k_einval);
    CHECK(parsed.message.find('\n') == std::string::npos);
    return parsed.message;
}

} // namespace

TEST_CASE("config errors: values that are not numbers", "[config]") {
    CHECK(error_of("name = \"g\"\nkernel = \"/k\"\nmemory = \"lots\"\n") ==
          "hello.cfg:3: memory: expected a number of MiB, got \"lots\"");
    CHECK(error_of(k_required + "memory = 512M") ==
          "hello.cfg:3: memory: expected a number of MiB, got '512M'");
    CHECK(error_of(k_required + "memory = -5") ==
          "hello.cfg:3: memory: expected a number of MiB, got '-5'");
    CHECK(error_of(k_required + "memory = 1.5") ==
          "hello.cfg:3: memory: expected a number of MiB, got '1.5'");
    CHECK(error_of(k_required + "memory = 08") ==
          "hello.cfg:3: memory: expected a number of MiB, got '08'");
    CHECK(error_of(k_required + "memory = 0x") ==
          "hello.cfg:3: memory: expected a number of MiB, got '0x'");
    CHECK(error_of(k_required + "memory = [1]") ==
          "hello.cfg:3: memory: expected a number of MiB, got a list");
    CHECK(error_of(k_required + "vcpus = two") ==
          "hello.cfg:3: vcpus: expected a number of vCPUs, got 'two'");
    CHECK(error_of(k_required + "weight = \"heavy\"") ==
          "hello.cfg:3: weight: expected a weight, got \"heavy\"");
    CHECK(error_of(k_required + "cap = 50%") ==
          "hello.cfg:3: cap: expected a percentage of one CPU, got '50%'");
}

TEST_CASE("config errors: numbers out of range", "[config]") {
    CHECK(error_of(k_required + "memory = 0") ==
          "hello.cfg:3: memory: 0 is out of range (1 to 1048576 MiB)");
    CHECK(error_of(k_required + "maxmem = 2000000") ==
          "hello.cfg:3: maxmem: 2000000 is out of range (1 to 1048576 MiB)");
    CHECK(error_of(k_required + "memory = 99999999999999999999999") ==
          "hello.cfg:3: memory: 99999999999999999999999 is out of range (1 to 1048576 MiB)");
    CHECK(error_of(k_required + "vcpus = 0") == "hello.cfg:3: vcpus: 0 is out of range (1 to 32)");
    CHECK(error_of(k_required + "vcpus = 33") ==
          "hello.cfg:3: vcpus: 33 is out of range (1 to 32)");
    CHECK(error_of(k_required + "maxvcpus = 64") ==
          "hello.cfg:3: maxvcpus: 64 is out of range (1 to 32)");
    CHECK(error_of(k_required + "weight = 0") ==
          "hello.cfg:3: weight: 0 is out of range (1 to 65535)");
    CHECK(error_of(k_required + "cpu_weight = 65536") ==
          "hello.cfg:3: cpu_weight: 65536 is out of range (1 to 65535)");
    CHECK(error_of(k_required + "weight = \"70000\"") ==
          "hello.cfg:3: weight: \"70000\" is out of range (1 to 65535)");
    CHECK(error_of(k_required + "cap = 5000") ==
          "hello.cfg:3: cap: 5000 is out of range (0 to 3200)");
}

TEST_CASE("config errors: settings that contradict each other", "[config]") {
    CHECK(error_of(k_required + "maxmem = 64\nmemory = 128") ==
          "hello.cfg:3: maxmem: 64 MiB is less than memory (128 MiB)");
    CHECK(error_of(k_required + "vcpus = 4\nmaxvcpus = 2") ==
          "hello.cfg:4: maxvcpus: 2 is less than vcpus (4)");
    CHECK(error_of(k_required + "cap = 150") ==
          "hello.cfg:3: cap: 150 is more than 1 vCPU can use (at most 100)");
    CHECK(error_of(k_required + "cap = 300\nvcpus = 2") ==
          "hello.cfg:3: cap: 300 is more than 2 vCPUs can use (at most 200)");
    CHECK(error_of(k_required + "vcpus = 2\ncpus = [\"0\", \"1\", \"2\"]") ==
          "hello.cfg:4: cpus: 3 entries for at most 2 vCPUs");
}

TEST_CASE("config errors: unknown and unsupported settings", "[config]") {
    CHECK(error_of("name = \"g\"\nkernel = \"/k\"\n\n\n\n\ncolour = \"blue\"\n") ==
          "hello.cfg:7: unknown setting 'colour'");
    CHECK(error_of(k_required + "Memory = 64") == "hello.cfg:3: unknown setting 'Memory'");
    CHECK(error_of(k_required + "on-crash = \"destroy\"") ==
          "hello.cfg:3: unknown setting 'on-crash'");
    CHECK(error_of(k_required + "vif = [ 'bridge=xenbr0' ]") ==
          "hello.cfg:3: 'vif' is an xl setting that Paravane does not support");
    CHECK(error_of(k_required + "disk = [ 'phy:/dev/vg/g,xvda,w' ]") ==
          "hello.cfg:3: 'disk' is an xl setting that Paravane does not support");
}

TEST_CASE("config errors: missing required settings", "[config]") {
    const auto parsed = config_test::parse("kernel = \"/k\"\n");
    REQUIRE_FALSE(parsed.ok);
    CHECK(parsed.message == "hello.cfg: missing required setting 'name'");
    CHECK(parsed.line == 0);
    CHECK(error_of("name = \"g\"\nmemory = 64\n") ==
          "hello.cfg: missing required setting 'kernel'");
    CHECK(error_of("") == "hello.cfg: missing required setting 'name'");
    CHECK(error_of("# only a comment\n") == "hello.cfg: missing required setting 'name'");
}

TEST_CASE("config errors: unterminated strings", "[config]") {
    CHECK(error_of("name = \"g\"\nkernel = \"/guests/k\n") ==
          "hello.cfg:2: kernel: unterminated string \"/guests/k (no closing \" on this line)");
    CHECK(error_of("name = 'g\nkernel = \"/k\"") ==
          "hello.cfg:1: name: unterminated string 'g (no closing ' on this line)");
    CHECK(error_of(k_required + "cmdline = \"ends in a backslash\\\"") ==
          "hello.cfg:3: cmdline: unterminated string \"ends in a backslash\\\" (no closing \" "
          "on this line)");
    CHECK(error_of(k_required + "cpus = [\"0\", \"1]") ==
          "hello.cfg:3: cpus: unterminated string \"1] (no closing \" on this line)");
    CHECK(error_of("\"dangling") ==
          "hello.cfg:1: unterminated string \"dangling (no closing \" on this line)");
}

TEST_CASE("config errors: lines that are not setting = value", "[config]") {
    CHECK(error_of(k_required + "this is not a setting") ==
          "hello.cfg:3: expected 'setting = value', got: this is not a setting");
    CHECK(error_of(k_required + "memory 64") ==
          "hello.cfg:3: expected 'setting = value', got: memory 64");
    CHECK(error_of(k_required + "memory") ==
          "hello.cfg:3: expected 'setting = value', got: memory");
    CHECK(error_of(k_required + "= 64") == "hello.cfg:3: expected 'setting = value', got: = 64");
    CHECK(error_of(k_required + "\"memory\" = 64") ==
          "hello.cfg:3: expected 'setting = value', got: \"memory\" = 64");
    CHECK(error_of(k_required + "[1, 2]") ==
          "hello.cfg:3: expected 'setting = value', got: [1, 2]");
    CHECK(error_of(k_required + "memory == 64") ==
          "hello.cfg:3: memory: expected a value after '=', got '='");
    CHECK(error_of(k_required + "memory =") == "hello.cfg:3: memory: missing value after '='");
    CHECK(error_of(k_required + "memory = # forgot\n") ==
          "hello.cfg:3: memory: missing value after '='");
    CHECK(error_of(k_required + "memory = ;") == "hello.cfg:3: memory: missing value after '='");
    CHECK(error_of(k_required + "memory = 64 MiB") ==
          "hello.cfg:3: memory: unexpected 'MiB' after the value");
    CHECK(error_of(k_required + "name = \"a\" \"b\"") ==
          "hello.cfg:3: name: unexpected \"b\" after the value");
    CHECK(error_of(k_required + "memory = 64,") ==
          "hello.cfg:3: memory: unexpected ',' after the value");
    CHECK(error_of(k_required + "memory = 6\x01") ==
          "hello.cfg:3: memory: unexpected control character 0x1");
    const std::string junk(100, 'x');
    CHECK(error_of(k_required + junk + " y") ==
          "hello.cfg:3: expected 'setting = value', got: " + std::string(60, 'x') + "...");
}

TEST_CASE("config errors: text values", "[config]") {
    CHECK(error_of(k_required + "type = pv") ==
          "hello.cfg:3: type: expected text in quotes, got pv (write \"pv\")");
    CHECK(error_of("name = \"g\"\nkernel = /guests/k\n") ==
          "hello.cfg:2: kernel: expected text in quotes, got /guests/k (write \"/guests/k\")");
    CHECK(error_of(k_required + "kernel = [\"/k\"]") ==
          "hello.cfg:3: kernel: expected text in quotes, got a list");
    CHECK(error_of(k_required + "kernel = \"\"") == "hello.cfg:3: kernel: must not be empty");
    CHECK(error_of(k_required + "ramdisk = ''") == "hello.cfg:3: ramdisk: must not be empty");
    CHECK(error_of(k_required + "cmdline = \"a\\qb\"") ==
          "hello.cfg:3: cmdline: invalid escape '\\q' in \"a\\qb\"");
    CHECK(error_of(k_required + "cmdline = \"a\\x4\"") ==
          "hello.cfg:3: cmdline: invalid escape '\\x4' in \"a\\x4\"");
    CHECK(error_of(k_required + "cmdline = \"\\x00\"") ==
          "hello.cfg:3: cmdline: invalid escape '\\x00' in \"\\x00\"");
    CHECK(error_of(k_required + "memory += 5") ==
          "hello.cfg:3: memory: '+=' only appends to text settings (name, kernel, ramdisk, "
          "cmdline, root, extra)");
}

TEST_CASE("config errors: too long values are refused, never cut", "[config]") {
    CHECK(error_of("name = \"" + std::string(32, 'n') + "\"\nkernel = \"/k\"") ==
          "hello.cfg:1: name: longer than 31 characters");
    CHECK(error_of("name = \"g\"\nkernel = \"/" + std::string(255, 'p') + "\"") ==
          "hello.cfg:2: kernel: longer than 255 characters");
    CHECK(error_of(k_required + "ramdisk = \"/" + std::string(255, 'p') + "\"") ==
          "hello.cfg:3: ramdisk: longer than 255 characters");
    CHECK(error_of(k_required + "cmdline = '" + std::string(1024, 'c') + "'") ==
          "hello.cfg:3: cmdline: longer than 1023 characters");
    CHECK(error_of(k_required + "cmdline = '" + std::string(1000, 'c') + "'\ncmdline += '" +
                   std::string(24, 'd') + "'") ==
          "hello.cfg:4: cmdline: longer than 1023 characters");
    CHECK(error_of(k_required + "root = '/dev/" + std::string(200, 'r') + "'\nextra = '" +
                   std::string(900, 'e') + "'") ==
          "hello.cfg:4: extra: the command line made from 'root' and 'extra' is longer than "
          "1023 characters");
    CHECK(error_of(k_required + "kernel = 12345678901234567890123456789012345678901234567890"
                                "12345678901234567890123456789012345678901234567890"
                                "12345678901234567890123456789012345678901234567890"
                                "12345678901234567890123456789012345678901234567890"
                                "12345678901234567890123456789012345678901234567890"
                                "123456") == "hello.cfg:3: kernel: longer than 255 characters");
}

TEST_CASE("config errors: names pvctl could not use", "[config]") {
    CHECK(error_of("name = \"\"\nkernel = \"/k\"") == "hello.cfg:1: name: must not be empty");
    CHECK(error_of("name = \"my guest\"\nkernel = \"/k\"") ==
          "hello.cfg:1: name: 'my guest' may contain only letters, digits, '-', '_' and '.'");
    CHECK(error_of("name = \"a/b\"\nkernel = \"/k\"") ==
          "hello.cfg:1: name: 'a/b' may contain only letters, digits, '-', '_' and '.'");
    CHECK(error_of("name = \"123\"\nkernel = \"/k\"") ==
          "hello.cfg:1: name: '123' is all digits, which pvctl would take for a domain id");
    CHECK(error_of("name = 7\nkernel = \"/k\"") ==
          "hello.cfg:1: name: '7' is all digits, which pvctl would take for a domain id");
}

TEST_CASE("config errors: type and actions", "[config]") {
    CHECK(error_of(k_required + "type = \"hvm\"") ==
          "hello.cfg:3: type: HVM guests are not supported (use \"pv\", \"pvh\" or \"auto\")");
    CHECK(error_of(k_required + "type = \"PV\"") ==
          "hello.cfg:3: type: expected \"pv\", \"pvh\" or \"auto\", got \"PV\"");
    CHECK(error_of(k_required + "type = \"p\"") ==
          "hello.cfg:3: type: expected \"pv\", \"pvh\" or \"auto\", got \"p\"");
    CHECK(error_of(k_required + "type = \"" + std::string(40, 'v') + "\"") ==
          "hello.cfg:3: type: expected \"pv\", \"pvh\" or \"auto\", got \"" + std::string(40, 'v') +
              "\"");
    CHECK(error_of(k_required + "on_crash = \"explode\"") ==
          "hello.cfg:3: on_crash: expected \"destroy\", \"restart\" or \"preserve\", got "
          "\"explode\"");
    CHECK(error_of(k_required + "on_reboot = 'rename-restart'") ==
          "hello.cfg:3: on_reboot: 'rename-restart' is an xl action Paravane does not support "
          "(use \"destroy\", \"restart\" or \"preserve\")");
    CHECK(error_of(k_required + "on_crash = \"coredump-destroy\"") ==
          "hello.cfg:3: on_crash: \"coredump-destroy\" is an xl action Paravane does not "
          "support (use \"destroy\", \"restart\" or \"preserve\")");
    CHECK(error_of(k_required + "on_poweroff = destroy") ==
          "hello.cfg:3: on_poweroff: expected text in quotes, got destroy (write \"destroy\")");
}

TEST_CASE("config errors: cpus", "[config]") {
    CHECK(error_of(k_required + "cpus = \"\"") ==
          "hello.cfg:3: cpus: empty CPU list (leave 'cpus' out for no pinning)");
    CHECK(error_of(k_required + "cpus = \"0-3,x\"") ==
          "hello.cfg:3: cpus: 'x' in \"0-3,x\" is not a CPU, a range N-M or all");
    CHECK(error_of(k_required + "cpus = \"0,,1\"") == "hello.cfg:3: cpus: empty item in \"0,,1\"");
    CHECK(error_of(k_required + "cpus = \"5-3\"") ==
          "hello.cfg:3: cpus: range '5-3' runs backwards");
    CHECK(error_of(k_required + "cpus = \"64\"") ==
          "hello.cfg:3: cpus: CPU 64 is beyond the 64 host CPUs Paravane supports");
    CHECK(error_of(k_required + "cpus = \"0-100\"") ==
          "hello.cfg:3: cpus: CPU 100 is beyond the 64 host CPUs Paravane supports");
    CHECK(error_of(k_required + "cpus = \"^1\"") == "hello.cfg:3: cpus: \"^1\" selects no CPU");
    CHECK(error_of(k_required + "cpus = \"nodes:0-1\"") ==
          "hello.cfg:3: cpus: NUMA node lists ('nodes:0-1') are not supported");
    CHECK(error_of(k_required + "vcpus = 2\ncpus = [\"0\", \"x\"]") ==
          "hello.cfg:4: cpus: entry 2: 'x' in \"x\" is not a CPU, a range N-M or all");
    CHECK(error_of(k_required + "cpus = [\"0\", [\"1\"]]") ==
          "hello.cfg:3: cpus: nested lists are not supported");
    CHECK(error_of(k_required + "cpus = [\"0\" \"1\"]") ==
          "hello.cfg:3: cpus: expected ',' or ']' in the list, got \"1\"");
    CHECK(error_of(k_required + "cpus = [,]") ==
          "hello.cfg:3: cpus: expected a list entry or ']', got ','");
    CHECK(error_of(k_required + "cpus = [\"0\",\n\"1\"\nmemory = 64\n") ==
          "hello.cfg:5: cpus: expected ',' or ']' in the list, got 'memory'");
    CHECK(error_of(k_required + "cpus = [\"0\",\n \"1\",\n") ==
          "hello.cfg:3: cpus: unterminated list (no closing ']')");
    std::string long_list = "cpus = [";
    for (int i = 0; i < 33; ++i)
        long_list += "\"0\", ";
    CHECK(error_of(k_required + long_list + "]") == "hello.cfg:3: cpus: more than 32 list entries");
}

TEST_CASE("config errors: the first problem is the one reported", "[config]") {
    CHECK(error_of("memory = \"lots\"\ncolour = 1\n") ==
          "hello.cfg:1: memory: expected a number of MiB, got \"lots\"");
}

TEST_CASE("config errors: the file name is the caller's", "[config]") {
    const auto parsed = config_test::parse("colour = 1", "/guests/web.cfg");
    CHECK(parsed.message == "/guests/web.cfg:1: unknown setting 'colour'");
    CHECK(parsed.line == 1);
}

TEST_CASE("config errors: control characters never reach a message", "[config]") {
    CHECK(error_of("name = \"a\\nb\"\nkernel = \"/k\"") ==
          "hello.cfg:1: name: character 0xa is not allowed (only letters, digits, '-', '_' and "
          "'.')");
    CHECK(error_of(k_required + "cmdline = \"a\x01"
                                "b\"") == "hello.cfg:3: cmdline: unexpected control character 0x1");
    CHECK(error_of(k_required + "cmdline = \"a\rb\"") ==
          "hello.cfg:3: cmdline: unexpected control character 0xd");
    CHECK(error_of(k_required + "cmdline = \"crlf\r\n") ==
          "hello.cfg:3: cmdline: unterminated string \"crlf (no closing \" on this line)");
}
