#include "core/hvm/vlapic.hpp"

#include <catch2/catch.hpp>

using namespace pv::hvm;

namespace {

bool gp_on_write(Vlapic& a, uint32_t msr, uint64_t value) { return !a.write(msr, value, 0).is_ok(); }
bool gp_on_read(const Vlapic& a, uint32_t msr) { return !a.read(msr, 0).is_ok(); }
uint64_t rd(const Vlapic& a, uint32_t msr, uint64_t now = 0) {
    auto r = a.read(msr, now);
    REQUIRE(r.is_ok());
    return *r;
}
void wr(Vlapic& a, uint32_t msr, uint64_t value, uint64_t now = 0) { REQUIRE(a.write(msr, value, now).is_ok()); }

// Software-enabled with spurious vector 0xff, as a guest's APIC setup does.
Vlapic enabled(uint32_t id) {
    Vlapic a(id);
    wr(a, Vlapic::k_svr, 0x1ff);
    return a;
}

} // namespace

TEST_CASE("vlapic: reset state", "[hvm][vlapic]") {
    Vlapic a(3);
    CHECK(rd(a, Vlapic::k_id) == 3);
    CHECK(rd(a, Vlapic::k_ver) == 0x50014);
    CHECK(rd(a, Vlapic::k_tpr) == 0);
    CHECK(rd(a, Vlapic::k_ppr) == 0);
    CHECK(rd(a, Vlapic::k_svr) == 0xff);
    CHECK_FALSE(a.software_enabled());
    for (uint32_t lvt = Vlapic::k_lvt_timer; lvt <= Vlapic::k_lvt_error; ++lvt) CHECK(rd(a, lvt) == 0x10000);
    for (uint32_t i = 0; i < 8; ++i) {
        CHECK(rd(a, Vlapic::k_isr0 + i) == 0);
        CHECK(rd(a, Vlapic::k_tmr0 + i) == 0);
        CHECK(rd(a, Vlapic::k_irr0 + i) == 0);
    }
    CHECK(rd(a, Vlapic::k_initial_count) == 0);
    CHECK(rd(a, Vlapic::k_current_count) == 0);
    CHECK(rd(a, Vlapic::k_divide) == 0);
    CHECK(a.next_deadline_ns() == Vlapic::k_no_deadline);
    CHECK(a.pending_vector(1000) == -1);
}

TEST_CASE("vlapic: logical id derived from the x2APIC id", "[hvm][vlapic]") {
    CHECK(rd(Vlapic(0), Vlapic::k_ldr) == 0x1);
    CHECK(rd(Vlapic(5), Vlapic::k_ldr) == 0x20);
    CHECK(rd(Vlapic(15), Vlapic::k_ldr) == 0x8000);
    CHECK(rd(Vlapic(16), Vlapic::k_ldr) == 0x10001);
    CHECK(rd(Vlapic(0x35), Vlapic::k_ldr) == 0x30020);
}

TEST_CASE("vlapic: reserved registers, read-only and write-only ones are #GP", "[hvm][vlapic]") {
    Vlapic a = enabled(1);
    for (uint32_t msr : {0x800u, 0x801u, 0x804u, 0x809u, 0x80cu, 0x80eu, 0x829u, 0x82fu, 0x831u,
                         0x83au, 0x83du, 0x840u, 0x8ffu}) {
        INFO("MSR " << std::hex << msr);
        CHECK(gp_on_read(a, msr));
        CHECK(gp_on_write(a, msr, 0));
    }
    for (uint32_t msr : {Vlapic::k_id, Vlapic::k_ver, Vlapic::k_ppr, Vlapic::k_ldr, Vlapic::k_isr0,
                         Vlapic::k_tmr0 + 7, Vlapic::k_irr0 + 3, Vlapic::k_current_count})
        CHECK(gp_on_write(a, msr, 0));
    CHECK(gp_on_read(a, Vlapic::k_eoi));
    CHECK(gp_on_read(a, Vlapic::k_self_ipi));
    CHECK(rd(a, Vlapic::k_id) == 1);
}

TEST_CASE("vlapic: reserved bits in writes are #GP and change nothing", "[hvm][vlapic]") {
    Vlapic a = enabled(0);
    CHECK(gp_on_write(a, Vlapic::k_tpr, 0x100));
    CHECK(gp_on_write(a, Vlapic::k_tpr, 1ull << 32));
    CHECK(gp_on_write(a, Vlapic::k_eoi, 1));
    CHECK(gp_on_write(a, Vlapic::k_esr, 1));
    CHECK(gp_on_write(a, Vlapic::k_svr, 0x1000 | 0x1ff)); // EOI-broadcast suppression: not offered
    CHECK(gp_on_write(a, Vlapic::k_divide, 0x4));
    CHECK(gp_on_write(a, Vlapic::k_self_ipi, 0x130));
    CHECK(gp_on_write(a, Vlapic::k_initial_count, 1ull << 32));
    CHECK(gp_on_write(a, Vlapic::k_lvt_timer, 0x40030));  // TSC-deadline mode
    CHECK(gp_on_write(a, Vlapic::k_lvt_timer, 0x60030));  // mode 3
    CHECK(gp_on_write(a, Vlapic::k_lvt_timer, 0x80030));  // bit 19
    CHECK(gp_on_write(a, Vlapic::k_lvt_timer, 0x730));    // delivery mode: not for the timer
    CHECK(gp_on_write(a, Vlapic::k_lvt_error, 0x2f3));
    CHECK(gp_on_write(a, Vlapic::k_lvt_lint0, 0x40000));
    CHECK(gp_on_write(a, Vlapic::k_icr, 0x1000 | 0x40030)); // bit 12
    CHECK(gp_on_write(a, Vlapic::k_icr, 0x30 | (1ull << 20)));
    CHECK(rd(a, Vlapic::k_tpr) == 0);
    CHECK(rd(a, Vlapic::k_lvt_timer) == 0x10000);
    CHECK(rd(a, Vlapic::k_icr) == 0);
    CHECK(a.pending_vector(0) == -1);
    // Read-only bits of an LVT (delivery status, remote IRR) are ignored.
    wr(a, Vlapic::k_lvt_lint0, 0x5700);
    CHECK(rd(a, Vlapic::k_lvt_lint0) == 0x700);
}

TEST_CASE("vlapic: a software-disabled APIC keeps every LVT masked", "[hvm][vlapic]") {
    Vlapic a(0);
    wr(a, Vlapic::k_lvt_timer, 0x30);
    CHECK(rd(a, Vlapic::k_lvt_timer) == 0x10030);
    wr(a, Vlapic::k_svr, 0x1ff);
    wr(a, Vlapic::k_lvt_timer, 0x30);
    CHECK(rd(a, Vlapic::k_lvt_timer) == 0x30);
    wr(a, Vlapic::k_svr, 0xff); // disabling masks them all again
    CHECK(rd(a, Vlapic::k_lvt_timer) == 0x10030);
}

TEST_CASE("vlapic: self-IPI, priority, accept and EOI", "[hvm][vlapic]") {
    Vlapic a = enabled(2);
    wr(a, Vlapic::k_self_ipi, 0x41);
    wr(a, Vlapic::k_self_ipi, 0x62);
    CHECK(rd(a, Vlapic::k_irr0 + 2) == (1u << 1));
    CHECK(rd(a, Vlapic::k_irr0 + 3) == (1u << 2));
    CHECK(a.pending_vector(0) == 0x62);
    a.accept(0x62);
    CHECK(a.in_isr(0x62));
    CHECK_FALSE(a.in_irr(0x62));
    CHECK(rd(a, Vlapic::k_ppr) == 0x60);
    // 0x41 is below the in-service class: held.
    CHECK(a.pending_vector(0) == -1);
    // A higher class still gets through.
    wr(a, Vlapic::k_icr, 0x40071); // fixed, shorthand self
    CHECK(a.pending_vector(0) == 0x71);
    a.accept(0x71);
    wr(a, Vlapic::k_eoi, 0); // ends 0x71, the highest in service
    CHECK_FALSE(a.in_isr(0x71));
    CHECK(a.in_isr(0x62));
    CHECK(a.pending_vector(0) == -1);
    wr(a, Vlapic::k_eoi, 0);
    CHECK(a.pending_vector(0) == 0x41);
    // TPR holds back classes at or below it.
    wr(a, Vlapic::k_tpr, 0x40);
    CHECK(rd(a, Vlapic::k_ppr) == 0x40);
    CHECK(a.pending_vector(0) == -1);
    wr(a, Vlapic::k_tpr, 0x3f);
    CHECK(a.pending_vector(0) == 0x41);
    // EOI with nothing in service is harmless.
    a.accept(0x41);
    wr(a, Vlapic::k_eoi, 0);
    wr(a, Vlapic::k_eoi, 0);
    CHECK(a.pending_vector(0) == -1);
    // accept() of a vector not requested changes nothing.
    a.accept(0x90);
    CHECK_FALSE(a.in_isr(0x90));
}

TEST_CASE("vlapic: ICR delivers fixed interrupts to itself only", "[hvm][vlapic]") {
    Vlapic a = enabled(2);
    wr(a, Vlapic::k_icr, (2ull << 32) | 0x50); // physical, to itself
    CHECK(a.in_irr(0x50));
    CHECK(rd(a, Vlapic::k_icr) == ((2ull << 32) | 0x50));
    wr(a, Vlapic::k_icr, (3ull << 32) | 0x51); // another vCPU: not delivered
    CHECK_FALSE(a.in_irr(0x51));
    CHECK(a.ignored_ipis() == 1);
    wr(a, Vlapic::k_icr, 0xc0052); // all excluding self
    CHECK_FALSE(a.in_irr(0x52));
    wr(a, Vlapic::k_icr, 0x80053); // all including self: self gets it
    CHECK(a.in_irr(0x53));
    wr(a, Vlapic::k_icr, (0x4ull << 32) | 0x800 | 0x54); // logical, cluster 0 bit 2 = id 2
    CHECK(a.in_irr(0x54));
    wr(a, Vlapic::k_icr, 0x40455); // NMI to self: not modelled
    wr(a, Vlapic::k_icr, (2ull << 32) | 0x500); // INIT
    wr(a, Vlapic::k_icr, (2ull << 32) | 0x608); // SIPI
    CHECK_FALSE(a.in_irr(0x55));
    CHECK(a.ignored_ipis() == 6);
}

TEST_CASE("vlapic: illegal vectors set ESR, latched by a write of 0", "[hvm][vlapic]") {
    Vlapic a = enabled(0);
    wr(a, Vlapic::k_self_ipi, 0x5);
    CHECK(rd(a, Vlapic::k_esr) == 0); // not latched yet
    wr(a, Vlapic::k_esr, 0);
    CHECK(rd(a, Vlapic::k_esr) == 0x20); // send illegal vector
    wr(a, Vlapic::k_esr, 0);
    CHECK(rd(a, Vlapic::k_esr) == 0);
    a.raise(0xf);
    wr(a, Vlapic::k_esr, 0);
    CHECK(rd(a, Vlapic::k_esr) == 0x40); // receive illegal vector
    CHECK(a.pending_vector(0) == -1);
}

TEST_CASE("vlapic timer: one-shot", "[hvm][vlapic]") {
    Vlapic a = enabled(0);
    wr(a, Vlapic::k_divide, 0xb); // divide by 1: one count per ns
    wr(a, Vlapic::k_lvt_timer, 0xec);
    wr(a, Vlapic::k_initial_count, 1000, 5000);
    CHECK(a.next_deadline_ns() == 6000);
    CHECK(rd(a, Vlapic::k_current_count, 5000) == 1000);
    CHECK(rd(a, Vlapic::k_current_count, 5400) == 600);
    CHECK(a.pending_vector(5999) == -1);
    CHECK(a.pending_vector(6000) == 0xec);
    CHECK(a.next_deadline_ns() == Vlapic::k_no_deadline);
    CHECK(rd(a, Vlapic::k_current_count, 7000) == 0);
    CHECK(rd(a, Vlapic::k_initial_count) == 1000);
    a.accept(0xec);
    wr(a, Vlapic::k_eoi, 0);
    CHECK(a.pending_vector(100000) == -1); // fired once
    // Writing 0 stops a running timer.
    wr(a, Vlapic::k_initial_count, 10, 200000);
    wr(a, Vlapic::k_initial_count, 0, 200001);
    CHECK(a.next_deadline_ns() == Vlapic::k_no_deadline);
    CHECK(a.pending_vector(300000) == -1);
}

TEST_CASE("vlapic timer: divide configuration", "[hvm][vlapic]") {
    const struct {
        uint32_t config;
        uint64_t divisor;
    } cases[] = {{0x0, 2}, {0x1, 4}, {0x2, 8}, {0x3, 16}, {0x8, 32}, {0x9, 64}, {0xa, 128}, {0xb, 1}};
    for (const auto& c : cases) {
        Vlapic a = enabled(0);
        wr(a, Vlapic::k_divide, c.config);
        wr(a, Vlapic::k_initial_count, 100, 1000);
        CHECK(a.next_deadline_ns() == 1000 + 100 * c.divisor);
        CHECK(rd(a, Vlapic::k_current_count, 1000 + 10 * c.divisor) == 90);
        // A new divide value waits for the next load of the count.
        wr(a, Vlapic::k_divide, c.config == 0xb ? 0 : 0xb);
        CHECK(a.next_deadline_ns() == 1000 + 100 * c.divisor);
        CHECK(rd(a, Vlapic::k_current_count, 1000 + 10 * c.divisor) == 90);
    }
}

TEST_CASE("vlapic timer: periodic, late callers get one interrupt", "[hvm][vlapic]") {
    Vlapic a = enabled(0);
    wr(a, Vlapic::k_divide, 0xb);
    wr(a, Vlapic::k_lvt_timer, 0x20030); // periodic, vector 0x30
    wr(a, Vlapic::k_initial_count, 100, 0);
    CHECK(a.next_deadline_ns() == 100);
    CHECK(rd(a, Vlapic::k_current_count, 130) == 70);
    CHECK(a.pending_vector(100) == 0x30);
    CHECK(a.next_deadline_ns() == 200);
    a.accept(0x30);
    wr(a, Vlapic::k_eoi, 0);
    // 3.5 periods late: one interrupt, next deadline on the grid.
    CHECK(a.pending_vector(550) == 0x30);
    CHECK(a.next_deadline_ns() == 600);
    CHECK(rd(a, Vlapic::k_current_count, 550) == 50);
    // Masked: the count keeps running, no interrupt.
    a.accept(0x30);
    wr(a, Vlapic::k_eoi, 0);
    wr(a, Vlapic::k_lvt_timer, 0x30030);
    CHECK(a.pending_vector(650) == -1);
    CHECK(a.next_deadline_ns() == 700);
}

TEST_CASE("vlapic timer: masked one-shot expires silently; software-disabled APIC fires nothing",
          "[hvm][vlapic]") {
    Vlapic a = enabled(0);
    wr(a, Vlapic::k_lvt_timer, 0x10040);
    wr(a, Vlapic::k_initial_count, 5, 0);
    CHECK(a.pending_vector(1000) == -1);
    CHECK(a.next_deadline_ns() == Vlapic::k_no_deadline);
    Vlapic b(0);
    wr(b, Vlapic::k_lvt_timer, 0x40); // forced masked
    wr(b, Vlapic::k_initial_count, 5, 0);
    CHECK(b.pending_vector(1000) == -1);
}

TEST_CASE("vlapic: reset clears pending state", "[hvm][vlapic]") {
    Vlapic a = enabled(1);
    wr(a, Vlapic::k_self_ipi, 0x80);
    wr(a, Vlapic::k_initial_count, 10, 0);
    a.reset();
    CHECK(a.pending_vector(1000) == -1);
    CHECK(a.next_deadline_ns() == Vlapic::k_no_deadline);
    CHECK(rd(a, Vlapic::k_svr) == 0xff);
    CHECK(rd(a, Vlapic::k_id) == 1);
}
