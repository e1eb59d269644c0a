#include "dom0-tools/lib/config/cpu_list.hpp"

#include "dom0-tools/lib/config/domain_config.hpp"
#include "dom0-tools/lib/config/text.hpp"

namespace pv::tools {
namespace {

using Problem = CpuListParse::Problem;

CpuListParse failure(Problem problem, StringView item, uint64_t number = 0) {
    CpuListParse result;
    result.problem = problem;
    result.item = item;
    result.number = number;
    return result;
}

uint64_t bits_from_to(uint64_t first, uint64_t last) {
    const uint64_t upto_last = last >= 63 ? k_config_all_cpus : (uint64_t{1} << (last + 1)) - 1;
    return upto_last & ~((uint64_t{1} << first) - 1);
}

} // namespace

CpuListParse parse_cpu_list(StringView text) {
    if (trim(text).empty()) return failure(Problem::empty, StringView());

    uint64_t mask = 0;
    size_t start = 0;
    while (start <= text.size()) {
        size_t comma = text.find(',', start);
        if (comma == StringView::npos) comma = text.size();
        const StringView item = trim(text.substr(start, comma - start));
        start = comma + 1;

        StringView body = item;
        const bool remove = !body.empty() && body[0] == '^';
        if (remove) body = trim(body.substr(1));

        uint64_t bits = 0;
        if (body == "all") {
            bits = k_config_all_cpus;
        } else if (body.starts_with("node")) {
            return failure(Problem::numa, item);
        } else {
            const size_t dash = body.find('-');
            const StringView first_text = trim(body.substr(0, dash));
            const StringView last_text =
                dash == StringView::npos ? first_text : trim(body.substr(dash + 1));
            uint64_t first = 0;
            uint64_t last = 0;
            if (parse_number(first_text, first) != NumberParse::ok ||
                parse_number(last_text, last) != NumberParse::ok)
                return failure(Problem::bad_item, item);
            if (first > last) return failure(Problem::backwards, item);
            if (last >= k_config_max_host_cpus) return failure(Problem::cpu_too_high, item, last);
            bits = bits_from_to(first, last);
        }
        mask = remove ? (mask & ~bits) : (mask | bits);
    }
    if (mask == 0) return failure(Problem::no_cpu, StringView());

    CpuListParse result;
    result.mask = mask;
    return result;
}

void print_cpu_list(OutputSink& out, uint64_t mask) {
    if (mask == k_config_all_cpus) {
        out.write("all");
        return;
    }
    bool first_item = true;
    uint32_t cpu = 0;
    while (cpu < k_config_max_host_cpus) {
        if ((mask & (uint64_t{1} << cpu)) == 0) {
            ++cpu;
            continue;
        }
        uint32_t last = cpu;
        while (last + 1 < k_config_max_host_cpus && (mask & (uint64_t{1} << (last + 1))) != 0)
            ++last;
        if (!first_item) out.write(",");
        first_item = false;
        if (last == cpu)
            print_to(out, "{}", cpu);
        else
            print_to(out, "{}-{}", cpu, last);
        cpu = last + 1;
    }
}

} // namespace pv::tools
