#include "core/domain/counters_report.hpp"

#include "lib/format.hpp"
#include "lib/log.hpp"

namespace pv {

namespace {

// SDM Vol. 3 §7.15 (exception and interrupt reference), by vector.
const char* vector_name(uint32_t vector) {
    static const char* const names[VcpuCounters::k_exception_vectors] = {
        "#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM", "#DF", "-",   "#TS",
        "#NP", "#SS", "#GP", "#PF", "-",   "#MF", "#AC", "#MC", "#XM", "#VE", "#CP",
        "-",   "-",   "-",   "-",   "-",   "-",   "#HV", "#VC", "#SX", "-"};
    return vector < VcpuCounters::k_exception_vectors ? names[vector] : "-";
}

template <typename... Args> void emit(CounterLines& out, StringView fmt, const Args&... args) {
    char text[192];
    const size_t length = format(text, sizeof text, fmt, args...);
    out.line(StringView(text, length));
}

} // namespace

DomainCounters domain_counters(const Domain& domain) {
    DomainCounters sum;
    for (uint32_t i = 0; i < domain.vcpu_count && i < Domain::k_max_vcpus; ++i) {
        const Vcpu* v = domain.vcpus[i];
        if (v == nullptr) continue;
        const VcpuCounters& c = v->counters;
        for (size_t n = 0; n <= VcpuCounters::k_hypercall_numbers; ++n)
            sum.hypercalls[n] += c.hypercalls[n];
        for (size_t n = 0; n < VcpuCounters::k_exception_vectors; ++n) {
            sum.exceptions[n] += c.exceptions[n];
            sum.bounced[n] += c.bounced[n];
        }
        sum.syscalls += c.syscalls;
        sum.event_sends += c.event_sends;
        sum.upcalls += c.upcalls;
    }
    return sum;
}

uint64_t total_hypercalls(const DomainCounters& c) {
    uint64_t total = 0;
    for (uint64_t n : c.hypercalls)
        total += n;
    return total;
}

uint64_t total_exceptions(const DomainCounters& c) {
    uint64_t total = 0;
    for (uint64_t n : c.exceptions)
        total += n;
    return total;
}

uint64_t total_bounced(const DomainCounters& c) {
    uint64_t total = 0;
    for (uint64_t n : c.bounced)
        total += n;
    return total;
}

uint64_t handled_exceptions(const DomainCounters& c, uint32_t vector) {
    if (vector >= VcpuCounters::k_exception_vectors) return 0;
    const uint64_t taken = c.exceptions[vector], bounced = c.bounced[vector];
    return taken > bounced ? taken - bounced : 0;
}

void report_counters(DomainId id, const DomainCounters& c, const HypercallTable* names,
                     CounterLines& out) {
    emit(out,
         "d{} counters: hypercalls={} syscalls={} event_sends={} upcalls={} exceptions={} "
         "bounced={}",
         id, total_hypercalls(c), c.syscalls, c.event_sends, c.upcalls, total_exceptions(c),
         total_bounced(c));
    for (size_t n = 0; n < VcpuCounters::k_hypercall_numbers; ++n) {
        if (c.hypercalls[n] == 0) continue;
        const char* name = names != nullptr ? names->name(n) : nullptr;
        emit(out, "d{} counters: hypercall={} name={} count={}", id, n,
             name != nullptr ? name : "-", c.hypercalls[n]);
    }
    if (const uint64_t other = c.hypercalls[VcpuCounters::k_hypercall_numbers]; other != 0)
        emit(out, "d{} counters: hypercall=other count={}", id, other);
    for (uint32_t v = 0; v < VcpuCounters::k_exception_vectors; ++v) {
        if (c.exceptions[v] == 0 && c.bounced[v] == 0) continue;
        emit(out, "d{} counters: vector={} name={} taken={} bounced={} handled={}", id, v,
             vector_name(v), c.exceptions[v], c.bounced[v], handled_exceptions(c, v));
    }
}

void log_counters(const Domain& domain, const HypercallTable* names) {
    class ToLog final : public CounterLines {
    public:
        void line(StringView text) override { log_info("{}", text); }
    } to_log;
    report_counters(domain.id(), domain_counters(domain), names, to_log);
}

} // namespace pv
