// pvctl's verbs other than create: output shapes, domain naming, argument
// checking and help.
#include "toolstack_fixture.hpp"

#include <catch2/catch.hpp>

#include <sstream>

using namespace pv;
using namespace pv::test;

namespace {

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);)
        lines.push_back(line);
    return lines;
}

std::vector<std::string> words_of(const std::string& line) {
    std::vector<std::string> words;
    std::istringstream in(line);
    for (std::string w; in >> w;)
        words.push_back(w);
    return words;
}

bool one_error_line(const std::string& out) {
    return out.rfind("error: ", 0) == 0 && std::count(out.begin(), out.end(), '\n') == 1;
}

} // namespace

TEST_CASE("list shows every domain as xl does", "[toolstack][verbs]") {
    ToolstackFixture f;
    REQUIRE(f.run("create /guests/hello.cfg"));
    REQUIRE(f.run("create /guests/spin.cfg"));
    f.out();
    f.hv.domains[1].cpu_time_ns = 2'560'000'000;
    REQUIRE(f.run("pause spin"));
    REQUIRE(f.run("list"));
    auto lines = lines_of(f.out());
    REQUIRE(lines.size() == 4);
    CHECK(words_of(lines[0]) ==
          std::vector<std::string>{"Name", "ID", "Mem", "VCPUs", "State", "Time(s)"});
    CHECK(words_of(lines[1]) ==
          std::vector<std::string>{"Domain-0", "0", "64", "1", "r-----", "12.3"});
    CHECK(words_of(lines[2]) == std::vector<std::string>{"hello", "1", "8", "1", "r-----", "2.5"});
    CHECK(words_of(lines[3]) == std::vector<std::string>{"spin", "2", "8", "1", "--p---", "0.0"});

    f.hv.guest_shuts_down(1, abi::ShutdownReason::crash);
    f.hv.domains[1].flags |= 0; // stays until the toolstack acts
    REQUIRE(f.run("list -l"));
    lines = lines_of(f.out());
    REQUIRE(lines.size() == 4);
    CHECK(words_of(lines[0]) == std::vector<std::string>{"Name", "ID", "Mem", "VCPUs", "State",
                                                         "Time(s)", "Mode", "MaxMem", "Weight",
                                                         "Cap"});
    CHECK(words_of(lines[2]) ==
          std::vector<std::string>{"hello", "1", "8", "1", "---sc-", "2.5", "pv", "8", "256", "0"});
    CHECK(words_of(lines[3]) ==
          std::vector<std::string>{"spin", "2", "8", "1", "--p---", "0.0", "pv", "8", "512", "50"});

    CHECK_FALSE(f.run("list -x"));
    CHECK(f.out() == "error: list: unexpected argument '-x' (usage: pvctl list [-l])\n");
}

TEST_CASE("info reports the host", "[toolstack][verbs]") {
    ToolstackFixture f;
    REQUIRE(f.run("info"));
    std::string out = f.out();
    CHECK(out.find("Xen ABI 4.19-paravane") != std::string::npos);
    CHECK(out.find("nr_cpus            : 2\n") != std::string::npos);
    CHECK(out.find("cpu_mhz            : 2995.123\n") != std::string::npos);
    CHECK(out.find("hardware containers: none\n") != std::string::npos);
    CHECK(out.find("modes              : pv\n") != std::string::npos);
    CHECK(out.find("total_memory       : 128 MiB\n") != std::string::npos);
    CHECK(out.find("free_memory        : 64 MiB\n") != std::string::npos);
    // Every line is "key: value" with the colons in one column.
    for (const std::string& line : lines_of(out))
        CHECK(line.find(": ") == 19);
    // Free memory follows what domains hold, and comes back after destroy.
    REQUIRE(f.run("create /guests/hello.cfg"));
    f.out();
    REQUIRE(f.run("info"));
    CHECK(f.out().find("free_memory        : 56 MiB\n") != std::string::npos);
    REQUIRE(f.run("destroy hello"));
    f.out();
    REQUIRE(f.run("info"));
    CHECK(f.out().find("free_memory        : 64 MiB\n") != std::string::npos);

    f.hv.virt_caps = abi::k_virt_cap_pv | abi::k_virt_cap_svm;
    REQUIRE(f.run("info"));
    out = f.out();
    CHECK(out.find("hardware containers: AMD SVM with NPT\n") != std::string::npos);
    CHECK(out.find("modes              : pv, pvh\n") != std::string::npos);
    f.hv.virt_caps = abi::k_virt_cap_pv | abi::k_virt_cap_vmx;
    REQUIRE(f.run("info"));
    out = f.out();
    CHECK(out.find("hardware containers: Intel VMX with EPT\n") != std::string::npos);
    CHECK(out.find("modes              : pv, pvh\n") != std::string::npos);
    // Bits the toolstack does not know mean nothing to it.
    f.hv.virt_caps = abi::k_virt_cap_pv | (1u << 7);
    REQUIRE(f.run("info"));
    out = f.out();
    CHECK(out.find("hardware containers: none\n") != std::string::npos);
    CHECK(out.find("modes              : pv\n") != std::string::npos);
    f.hv.fail_physinfo = Errno::eperm;
    CHECK_FALSE(f.run("info"));
    CHECK(one_error_line(f.out()));
}

TEST_CASE("dmesg prints the whole log once", "[toolstack][verbs]") {
    ToolstackFixture f;
    f.hv.log.clear();
    for (int i = 0; i < 100; ++i)
        f.hv.log += "(XEN) line " + std::to_string(i) + "\n";
    // Dom0's output is logged too: the log grows while dmesg prints.
    struct LoggingTerminal final : tools::Terminal {
        FakeControlPlane& hv;
        std::string out;
        explicit LoggingTerminal(FakeControlPlane& h) : hv(h) {}
        int poll_char() override { return -1; }
        void write(StringView t) override {
            out.append(t.data(), t.size());
            hv.log.append(t.data(), t.size());
        }
        void wait() override {}
    } term(f.hv);
    const std::string before = f.hv.log;
    REQUIRE(f.ts->run("dmesg", term));
    CHECK(term.out == before);
}

TEST_CASE("domains are named by id or by name", "[toolstack][verbs]") {
    ToolstackFixture f;
    REQUIRE(f.run("create /guests/hello.cfg"));
    REQUIRE(f.run("create /guests/spin.cfg"));
    f.out();
    REQUIRE(f.run("pause 2"));
    CHECK(f.hv.domains[2].paused);
    REQUIRE(f.run("unpause spin"));
    CHECK_FALSE(f.hv.domains[2].paused);
    REQUIRE(f.run("pause hello"));
    CHECK(f.hv.domains[1].paused);
    CHECK(f.out().empty());

    for (const char* word : {"nosuch", "7", "99999999", "0x1"}) {
        CHECK_FALSE(f.run(std::string("pause ") + word));
        CHECK(f.out() == std::string("error: unknown domain '") + word + "'\n");
    }
    CHECK_FALSE(f.run("pause 0"));
    CHECK(f.out() == "error: pause: Domain-0 (d0) is the control domain\n");
    CHECK_FALSE(f.run("destroy Domain-0"));
    CHECK(one_error_line(f.out()));
}

TEST_CASE("destroy removes everything of a domain", "[toolstack][verbs]") {
    ToolstackFixture f;
    REQUIRE(f.run("create /guests/hello.cfg"));
    REQUIRE(f.run("create /guests/spin.cfg"));
    f.out();
    REQUIRE(f.run("destroy hello"));
    CHECK(f.out() == "pvctl: hello (d1) destroyed\n");
    REQUIRE(f.run("destroy 2"));
    CHECK(f.clean());
    // The name is free again, and so is its slot.
    REQUIRE(f.run("create /guests/hello.cfg"));
    CHECK(f.hv.find("hello") != nullptr);
}

TEST_CASE("sched-credit shows and changes weight and cap", "[toolstack][verbs]") {
    ToolstackFixture f;
    REQUIRE(f.run("create /guests/hello.cfg"));
    f.out();
    REQUIRE(f.run("sched-credit"));
    auto lines = lines_of(f.out());
    REQUIRE(lines.size() == 3);
    CHECK(words_of(lines[0]) == std::vector<std::string>{"Name", "ID", "Weight", "Cap"});
    CHECK(words_of(lines[2]) == std::vector<std::string>{"hello", "1", "256", "0"});

    REQUIRE(f.run("sched-credit -d hello -w 768"));
    CHECK(f.hv.domains[1].weight == 768);
    CHECK(f.hv.domains[1].cap == 0);
    REQUIRE(f.run("sched-credit -d 1 -c 25"));
    CHECK(f.hv.domains[1].weight == 768);
    CHECK(f.hv.domains[1].cap == 25);
    REQUIRE(f.run("sched-credit -d hello"));
    lines = lines_of(f.out());
    REQUIRE(lines.size() == 2);
    CHECK(words_of(lines[1]) == std::vector<std::string>{"hello", "1", "768", "25"});

    for (const char* bad :
         {"sched-credit -w 5", "sched-credit -d hello -w 0", "sched-credit -d hello -w 70000",
          "sched-credit -d hello -w", "sched-credit -d hello -x 3", "sched-credit -d nosuch",
          "sched-credit -d hello -c 150"}) {
        CHECK_FALSE(f.run(bad));
        CHECK(one_error_line(f.out()));
    }
    CHECK(f.hv.domains[1].weight == 768);
    CHECK(f.hv.domains[1].cap == 25);
}

TEST_CASE("vcpu-list and vcpu-pin", "[toolstack][verbs]") {
    ToolstackFixture f;
    REQUIRE(f.run("create /guests/spin.cfg"));
    f.out();
    REQUIRE(f.run("vcpu-list spin"));
    auto lines = lines_of(f.out());
    REQUIRE(lines.size() == 3);
    CHECK(words_of(lines[0]) ==
          std::vector<std::string>{"Name", "ID", "VCPU", "CPU", "State", "Time(s)", "Affinity"});
    CHECK(words_of(lines[1]) == std::vector<std::string>{"spin", "1", "0", "0", "r--", "0.0", "1"});
    CHECK(words_of(lines[2]) == std::vector<std::string>{"spin", "1", "1", "-", "--p", "0.0", "1"});

    REQUIRE(f.run("vcpu-pin spin 1 0-1"));
    CHECK(f.hv.domains[1].vcpus[1].affinity == 0b11);
    REQUIRE(f.run("vcpu-pin spin all 0"));
    CHECK(f.hv.domains[1].vcpus[0].affinity == 0b1);
    CHECK(f.hv.domains[1].vcpus[1].affinity == 0b1);
    REQUIRE(f.run("vcpu-list"));
    lines = lines_of(f.out());
    REQUIRE(lines.size() == 4); // header, Domain-0, spin's two
    CHECK(words_of(lines[1])[0] == "Domain-0");

    for (const char* bad : {"vcpu-pin spin 2 0", "vcpu-pin spin x 0", "vcpu-pin spin 0 5-3",
                            "vcpu-pin spin 0 7", "vcpu-pin spin 0", "vcpu-pin nosuch 0 0",
                            "vcpu-pin spin 0 0 extra", "vcpu-list spin extra"}) {
        CHECK_FALSE(f.run(bad));
        CHECK(one_error_line(f.out()));
    }
    CHECK(f.hv.domains[1].vcpus[0].affinity == 0b1);
}

TEST_CASE("help and VERB --help describe every verb", "[toolstack][verbs][help]") {
    ToolstackFixture f;
    REQUIRE(f.run("help"));
    const std::string help = f.out();
    const char* verbs[] = {"create",       "destroy",   "shutdown", "reboot", "list",
                           "pause",        "unpause",   "console",  "info",   "dmesg",
                           "sched-credit", "vcpu-list", "vcpu-pin", "help"};
    for (const char* verb : verbs) {
        INFO(verb);
        CHECK(help.find(std::string("  ") + verb + " ") != std::string::npos);
        REQUIRE(f.run(std::string(verb) + " --help"));
        const std::string text = f.out();
        CHECK(text.rfind(std::string("usage: pvctl ") + verb, 0) == 0);
        REQUIRE(f.run(std::string("help ") + verb));
        CHECK(f.out() == text);
        REQUIRE(f.run(std::string(verb) + " -h"));
        CHECK(f.out() == text);
    }
    CHECK(f.hv.domain_count() == 1); // `create --help` created nothing
}

TEST_CASE("bad command lines give one error line", "[toolstack][verbs]") {
    ToolstackFixture f;
    REQUIRE(f.run("create /guests/hello.cfg"));
    f.out();
    for (const char* bad : {"frobnicate", "help frobnicate", "destroy", "destroy hello extra",
                            "shutdown", "reboot a b", "pause", "unpause", "console",
                            "console hello x", "info x", "dmesg x", "list -l -q"}) {
        INFO(bad);
        CHECK_FALSE(f.run(bad));
        CHECK(one_error_line(f.out()));
    }
    CHECK_FALSE(f.run(""));
    CHECK(f.out().find("error: no command given\n") != std::string::npos);
    std::string many = "list";
    for (int i = 0; i < 40; ++i)
        many += " -l";
    CHECK_FALSE(f.run(many));
    CHECK(one_error_line(f.out()));
    CHECK(f.hv.domain_count() == 2);
}
