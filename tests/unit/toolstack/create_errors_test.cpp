// pvctl create's failures: one "error: ..." line naming the cause, a false
// result, and nothing left behind in the hypervisor.
#include "toolstack_fixture.hpp"

#include <catch2/catch.hpp>

using namespace pv;
using namespace pv::test;

namespace {

// Runs a create that must fail; returns its output.
std::string failed_create(ToolstackFixture& f,
                          const std::string& line = "create /guests/hello.cfg") {
    const bool ok = f.run(line);
    CHECK_FALSE(ok);
    CHECK(f.clean());
    const std::string out = f.out();
    CHECK(out.rfind("error: ", 0) == 0);
    CHECK(std::count(out.begin(), out.end(), '\n') == 1);
    return out;
}

} // namespace

TEST_CASE("create: files that are missing or wrong", "[toolstack][create][errors]") {
    ToolstackFixture f;
    CHECK(failed_create(f, "create /guests/nope.cfg") == "error: /guests/nope.cfg: no such file\n");
    CHECK(failed_create(f, "create /guests") == "error: /guests: is a directory\n");

    f.files.files["/guests/bad.cfg"] = "name = \"bad\"\nmemory = lots\n";
    CHECK(failed_create(f, "create /guests/bad.cfg").rfind("error: /guests/bad.cfg:2: memory", 0) ==
          0);

    f.files.files["/guests/nokernel.cfg"] = "name = \"k\"\nkernel = \"/guests/missing\"\n";
    CHECK(failed_create(f, "create /guests/nokernel.cfg") ==
          "error: kernel /guests/missing: no such file\n");

    f.files.files["/guests/text"] = "this is not an ELF file at all, just some text";
    f.files.files["/guests/text.cfg"] = "name = \"t\"\nkernel = \"/guests/text\"\n";
    const std::string not_elf = failed_create(f, "create /guests/text.cfg");
    CHECK(not_elf.rfind("error: kernel /guests/text: ", 0) == 0);

    f.files.files["/guests/plain"] =
        as_text(ElfBuilder().entry(0x10).load(0, 0, 0x100, 0x2000).build());
    f.files.files["/guests/plain.cfg"] = "name = \"p\"\nkernel = \"/guests/plain\"\n";
    const std::string no_notes = failed_create(f, "create /guests/plain.cfg");
    CHECK(no_notes.rfind("error: kernel /guests/plain: ", 0) == 0);
    CHECK(no_notes != not_elf); // each names its own problem
}

TEST_CASE("create: a bad override names the command line", "[toolstack][create][errors]") {
    ToolstackFixture f;
    CHECK(failed_create(f, "create /guests/hello.cfg colour=\"red\"")
              .rfind("error: command line:1: ", 0) == 0);
    CHECK(failed_create(f, "create /guests/hello.cfg -x")
              .rfind("error: create: unexpected argument '-x'", 0) == 0);
    CHECK(failed_create(f, "create").rfind("error: create: a config file is needed", 0) == 0);
    CHECK(failed_create(f, "create /guests/hello.cfg \"memory=4")
              .rfind("error: a quote is not closed", 0) == 0);
}

TEST_CASE("create: the name is already in use", "[toolstack][create][errors]") {
    ToolstackFixture f;
    REQUIRE(f.run("create /guests/hello.cfg"));
    f.out();
    CHECK_FALSE(f.run("create /guests/hello.cfg"));
    CHECK(f.out() == "error: name 'hello' is already in use by domain 1\n");
    CHECK(f.hv.domain_count() == 2);

    // The hypervisor's EEXIST (a race with another creator) reads the same.
    REQUIRE(f.run("destroy hello"));
    f.out();
    f.hv.fail_create = Errno::eexist;
    CHECK(failed_create(f) == "error: name 'hello' is already in use\n");
}

TEST_CASE("create: not enough memory", "[toolstack][create][errors]") {
    ToolstackFixture f;
    f.hv.total_pages = 4 * 256; // 4 MiB free, the guest wants 8
    CHECK(failed_create(f) == "error: not enough memory for 'hello': 8 MiB wanted, 4 MiB free\n");

    f.hv.total_pages = 64 * 256;
    f.hv.populate_ok_pages = 1000; // the hypervisor runs out half way
    CHECK(failed_create(f).rfind("error: not enough memory for 'hello': 8 MiB wanted", 0) == 0);

    // The kernel's layout does not fit in 1 MiB: the builder's reason.
    f.hv.populate_ok_pages.reset();
    CHECK(failed_create(f, "create /guests/hello.cfg memory=1")
              .rfind("error: kernel /guests/minios-hello: not enough memory: ", 0) == 0);

    CHECK(failed_create(f, "create /guests/hello.cfg memory=4096 maxmem=4096") ==
          "error: memory: 4096 MiB is more than pvctl builds (at most 512 MiB)\n");
}

TEST_CASE("create: each later step's failure undoes the earlier ones",
          "[toolstack][create][errors]") {
    ToolstackFixture f;
    SECTION("createdomain") {
        f.hv.fail_create = Errno::enospc;
        CHECK(failed_create(f) == "error: no free domain id for 'hello'\n");
    }
    SECTION("max_mem") {
        f.hv.fail_max_mem = Errno::einval;
        CHECK(failed_create(f).rfind("error: maxmem: 8 MiB refused", 0) == 0);
    }
    SECTION("alloc_unbound") {
        f.hv.fail_alloc_unbound = Errno::enospc;
        CHECK(failed_create(f).rfind("error: console event channel: ", 0) == 0);
    }
    SECTION("bind_interdomain") {
        f.hv.fail_bind = Errno::einval;
        CHECK(failed_create(f).rfind("error: console event channel: ", 0) == 0);
    }
    SECTION("a foreign mapping during the build") {
        f.hv.map_ok = 5;
        CHECK(failed_create(f).rfind("error: cannot map the memory of 'hello': ", 0) == 0);
    }
    SECTION("the console mapping after the build") {
        f.hv.map_ok = 0;
        // Count the build's mappings first, then fail exactly the next one.
        ToolstackFixture g;
        REQUIRE(g.run("create /guests/hello.cfg"));
        f.hv.map_ok = g.hv.maps_made - 1;
        CHECK(failed_create(f).rfind("error: cannot map the console of 'hello': ", 0) == 0);
    }
    SECTION("set_vcpu_context") {
        f.hv.fail_set_context = Errno::einval;
        CHECK(failed_create(f).rfind("error: the hypervisor refused the start state of 'hello': ",
                                     0) == 0);
    }
    SECTION("affinity") {
        f.hv.fail_affinity = Errno::einval;
        CHECK(failed_create(f, "create /guests/spin.cfg")
                  .rfind("error: cpus: cannot pin vCPU 0 of 'spin': ", 0) == 0);
    }
    SECTION("sched_credit") {
        f.hv.fail_sched = Errno::einval;
        CHECK(failed_create(f).rfind("error: weight 256 / cap 0 refused for 'hello': ", 0) == 0);
    }
    SECTION("unpause") {
        f.hv.fail_unpause = Errno::ebusy;
        CHECK(failed_create(f).rfind("error: cannot start 'hello': ", 0) == 0);
    }
    SECTION("PVH") {
        CHECK(failed_create(f, "create /guests/hello.cfg type=\"pvh\"")
                  .rfind("error: type \"pvh\"", 0) == 0);
    }
    // After any of them, the same create works.
    f.hv.fail_create.reset(), f.hv.fail_max_mem.reset(), f.hv.fail_alloc_unbound.reset();
    f.hv.fail_bind.reset(), f.hv.map_ok.reset(), f.hv.fail_set_context.reset();
    f.hv.fail_affinity.reset(), f.hv.fail_sched.reset(), f.hv.fail_unpause.reset();
    CHECK(f.run("create /guests/hello.cfg"));
}
