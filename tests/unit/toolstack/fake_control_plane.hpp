// A simulated hypervisor behind ControlPlane for the toolstack's host tests:
// a domain table, frames as host pages with made-up machine frame numbers,
// foreign mappings that hand out those pages, event channels, the log ring,
// and switches that make one operation fail. It also checks the rules the
// real one enforces on the toolstack: no mapping of a domain may be live
// when its vCPU context is set or when it is destroyed. PVH domains exist
// when virt_caps offers a container: their RAM is gfns with frames, their
// console is found through HVM parameters, their vCPU context is not
// checked against page tables.
#pragma once

#include "dom0-tools/lib/toolstack/control_plane.hpp"
#include "dom0-tools/lib/toolstack/toolstack.hpp"
#include "include/public/console_ring.hpp"
#include "include/public/hvm.hpp"
#include "include/public/sched.hpp"
#include "include/public/start_info.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace pv::test {

using Page = std::array<uint8_t, 4096>;

struct FakeVcpu {
    uint64_t affinity = ~uint64_t{0};
    bool online = false;
    uint64_t cpu_time_ns = 0;
};

struct FakeDomain {
    uint16_t id = 0;
    std::string name;
    uint32_t flags = 0;
    uint32_t shutdown_reason = 0;
    bool pvh = false;
    uint32_t create_flags = 0;
    std::map<uint32_t, uint64_t> hvm_params; // index -> value
    uint32_t max_vcpus = 1;
    uint64_t max_memkb = 0;
    uint64_t shared_info_mfn = 0;
    std::map<uint64_t, uint64_t> p2m; // pfn -> mfn
    std::vector<FakeVcpu> vcpus;
    std::optional<abi::VcpuGuestContext> context;
    std::optional<uint64_t> pinned_l4; // pin_l4_table's frame
    uint32_t weight = 256;
    uint32_t cap = 0;
    uint64_t cpu_time_ns = 0;
    bool paused = true;
    int unpauses = 0;
};

class FakeControlPlane final : public tools::ControlPlane {
public:
    // Failure switches: the next call of that kind fails with the errno
    // (populate after `populate_ok_pages` more pages, map after `map_ok` more).
    std::optional<Errno> fail_create, fail_set_context, fail_sched, fail_unpause, fail_bind,
        fail_alloc_unbound, fail_affinity, fail_max_mem, fail_physinfo, fail_set_hvm_param;
    std::optional<uint64_t> populate_ok_pages;
    std::optional<uint64_t> map_ok;
    bool refuse_shutdown_at_once = false; // remote_shutdown leaves the domain running

    uint64_t total_pages = 64 * 256; // 64 MiB of "host" memory for domains
    // Pages the "hypervisor" keeps for each DomU while it exists (its own
    // bookkeeping), taken from the same free memory.
    uint64_t overhead_pages_per_domain = 0;
    uint32_t nr_cpus = 2;
    // No hardware containers unless a test gives them: type "auto" is PV.
    uint32_t virt_caps = abi::k_virt_cap_pv;
    uint64_t clock_ns = 1'000'000'000;
    std::string log = "(XEN) Paravane booting\n(XEN) dom0: Mini-OS\n";
    std::vector<std::string> violations; // rules the toolstack broke
    // The building calls in order: "create", "max_mem", "populate",
    // "alloc_unbound", "bind", "hvm_param", "pin", "context", "unpause",
    // "destroy".
    std::vector<std::string> calls;

    FakeControlPlane() {
        FakeDomain dom0;
        dom0.id = 0;
        dom0.name = "Domain-0";
        dom0.flags = abi::k_dominfo_running | abi::k_dominfo_privileged;
        dom0.max_vcpus = 1;
        dom0.vcpus.resize(1);
        dom0.vcpus[0].online = true;
        dom0.paused = false;
        dom0.cpu_time_ns = 12'345'000'000;
        dom0_pages = 64 * 256;
        dom0.max_memkb = dom0_pages * 4;
        domains[0] = dom0;
    }

    // ---- state the tests look at -------------------------------------------
    std::map<uint16_t, FakeDomain> domains;
    uint64_t dom0_pages = 0;
    std::map<uint64_t, std::pair<uint16_t, std::unique_ptr<Page>>> frames; // mfn -> owner, page
    std::map<uint8_t*, int> live_maps;                                     // page -> mapping count
    std::map<uint8_t*, uint16_t> map_owner;
    uint64_t maps_made = 0;
    struct Channel {
        uint16_t domid;
        uint32_t remote_port;
    };
    std::map<uint32_t, Channel> dom0_ports;
    std::map<uint16_t, std::set<uint32_t>> unbound; // per domain: ports waiting for Dom0
    std::map<uint32_t, int> notifications;
    std::set<uint32_t> pending;

    size_t domain_count() const { return domains.size(); }
    size_t mapping_count() const {
        size_t n = 0;
        for (auto& [page, count] : live_maps)
            n += count;
        return n;
    }
    size_t frame_count() const { return frames.size(); }
    uint64_t pages_in_use() const {
        return frames.size() + overhead_pages_per_domain * (domains.size() - 1);
    }
    FakeDomain* find(const std::string& name) {
        for (auto& [id, d] : domains)
            if (d.name == name) return &d;
        return nullptr;
    }
    uint8_t* page(uint16_t domid, uint64_t pfn) {
        auto& d = domains.at(domid);
        return frames.at(d.p2m.at(pfn)).second->data();
    }
    uint8_t* frame(uint64_t mfn) { return frames.at(mfn).second->data(); }
    // start_info of a built domain (its vCPU 0 has RSI; VIRT_BASE 0 in our kernels).
    const abi::StartInfo& start_info(uint16_t domid, uint64_t virt_base = 0) {
        auto& d = domains.at(domid);
        uint64_t pfn = (d.context->user_regs.rsi - virt_base) >> 12;
        return *reinterpret_cast<const abi::StartInfo*>(page(domid, pfn) +
                                                        (d.context->user_regs.rsi & 0xfff));
    }
    // PV: start_info's console mfn; PVH: the frame of HVM_PARAM_CONSOLE_PFN.
    abi::ConsoleRing& console_ring(uint16_t domid) {
        auto& d = domains.at(domid);
        if (d.pvh)
            return *reinterpret_cast<abi::ConsoleRing*>(
                page(domid, d.hvm_params.at(abi::raw(abi::HvmParamIndex::console_pfn))));
        return *reinterpret_cast<abi::ConsoleRing*>(frame(start_info(domid).console.domu.mfn));
    }
    // The bytes of a PVH domain's RAM at guest-physical `gpa`.
    std::string read_gpa(uint16_t domid, uint64_t gpa, size_t len) {
        std::string s;
        for (size_t i = 0; i < len; ++i)
            s += static_cast<char>(page(domid, (gpa + i) >> 12)[(gpa + i) & 0xfff]);
        return s;
    }
    // The guest prints (produces into `out`) and signals Dom0.
    void guest_writes(uint16_t domid, const std::string& text) {
        abi::ConsoleRing& ring = console_ring(domid);
        for (char c : text)
            ring.out[abi::console_ring_slot(ring.out_prod++, abi::k_console_out_size)] = c;
        for (auto& [local, ch] : dom0_ports)
            if (ch.domid == domid) pending.insert(local);
    }
    // What the guest has not yet read from `in`.
    std::string guest_reads(uint16_t domid) {
        abi::ConsoleRing& ring = console_ring(domid);
        std::string s;
        while (ring.in_cons != ring.in_prod)
            s += ring.in[abi::console_ring_slot(ring.in_cons++, abi::k_console_in_size)];
        return s;
    }
    void guest_shuts_down(uint16_t domid, abi::ShutdownReason reason) {
        auto& d = domains.at(domid);
        d.flags = (d.flags & ~(abi::k_dominfo_running | abi::k_dominfo_blocked)) |
                  abi::k_dominfo_shutdown;
        d.shutdown_reason = static_cast<uint32_t>(reason);
    }

    // ---- ControlPlane -------------------------------------------------------
    Status physinfo(abi::SysctlPhysinfo& info) override {
        if (fail_physinfo) return *fail_physinfo;
        info = {};
        info.nr_cpus = nr_cpus;
        info.max_cpu_id = nr_cpus - 1;
        info.total_pages = total_pages + dom0_pages;
        info.free_pages = total_pages - pages_in_use();
        info.cpu_khz = 2'995'123;
        info.virt_caps = virt_caps;
        return Status::ok();
    }
    Result<size_t> read_console(uint64_t& cursor, char* buffer, size_t size) override {
        if (cursor >= log.size()) return size_t{0};
        size_t n = std::min(size, log.size() - cursor);
        std::memcpy(buffer, log.data() + cursor, n);
        cursor += n;
        return n;
    }
    Status domain_info(uint16_t from, abi::DomctlDomainInfo& info) override {
        auto it = domains.lower_bound(from);
        if (it == domains.end()) return Errno::esrch;
        const FakeDomain& d = it->second;
        info = {};
        info.domain = d.id;
        info.flags = d.flags;
        if (d.paused && !(d.flags & abi::k_dominfo_shutdown)) info.flags |= abi::k_dominfo_paused;
        info.shutdown_reason = d.shutdown_reason;
        info.nr_vcpus = d.max_vcpus;
        info.nr_online_vcpus = d.id == 0 ? 1 : (d.context ? 1 : 0);
        info.tot_pages = d.id == 0 ? dom0_pages : d.p2m.size();
        info.max_pages = d.max_memkb / 4;
        info.cpu_time_ns = d.cpu_time_ns;
        std::strncpy(info.name, d.name.c_str(), sizeof info.name - 1);
        return Status::ok();
    }
    Result<uint16_t> create_domain(abi::DomctlCreateDomain& create) override {
        calls.push_back("create");
        if (fail_create) return *fail_create;
        std::string name(create.name, strnlen(create.name, sizeof create.name));
        if (name.empty() || create.max_vcpus == 0 || create.max_vcpus > 8) return Errno::einval;
        if (create.flags & ~abi::k_create_pvh) return Errno::einval;
        const bool pvh = create.flags & abi::k_create_pvh;
        if (pvh && !(virt_caps & (abi::k_virt_cap_svm | abi::k_virt_cap_vmx))) return Errno::einval;
        if (find(name)) return Errno::eexist;
        uint16_t id = next_domid++;
        FakeDomain d;
        d.id = id;
        d.name = name;
        d.pvh = pvh;
        d.create_flags = create.flags;
        d.flags = pvh ? abi::k_dominfo_pvh : 0;
        d.max_vcpus = create.max_vcpus;
        d.max_memkb = create.max_memkb;
        d.vcpus.resize(create.max_vcpus);
        d.shared_info_mfn = 0x90000 + id; // hypervisor-owned, not in `frames`
        create.shared_info_mfn = d.shared_info_mfn;
        domains[id] = std::move(d);
        return id;
    }
    Status destroy_domain(uint16_t domid) override {
        calls.push_back("destroy");
        auto it = domains.find(domid);
        if (it == domains.end()) return Errno::esrch;
        if (domid == 0) return Errno::einval;
        for (auto& [page, owner] : map_owner)
            if (owner == domid && live_maps[page] > 0)
                violations.push_back("destroyed d" + std::to_string(domid) + " while mapped");
        for (auto& [pfn, mfn] : it->second.p2m)
            frames.erase(mfn);
        unbound.erase(domid);
        domains.erase(it);
        return Status::ok();
    }
    Status pause_domain(uint16_t domid) override {
        auto d = get(domid);
        if (!d) return Errno::esrch;
        d->paused = true;
        d->flags &= ~abi::k_dominfo_running;
        return Status::ok();
    }
    Status unpause_domain(uint16_t domid) override {
        calls.push_back("unpause");
        if (fail_unpause) return *fail_unpause;
        auto d = get(domid);
        if (!d) return Errno::esrch;
        if (!d->context) return Errno::einval; // never set up
        d->paused = false;
        d->unpauses++;
        d->flags |= abi::k_dominfo_running;
        d->vcpus[0].online = true;
        return Status::ok();
    }
    Status set_max_memory(uint16_t domid, uint64_t max_memkb) override {
        calls.push_back("max_mem");
        if (fail_max_mem) return *fail_max_mem;
        auto d = get(domid);
        if (!d) return Errno::esrch;
        d->max_memkb = max_memkb;
        return Status::ok();
    }
    Status pin_l4_table(uint16_t domid, uint64_t mfn) override {
        calls.push_back("pin");
        auto d = get(domid);
        if (!d) return Errno::esrch;
        for (auto& [page, owner] : map_owner)
            if (owner == domid && live_maps[page] > 0)
                violations.push_back("pinned while mapped");
        bool ours = false;
        for (auto& [pfn, frame] : d->p2m)
            ours |= frame == mfn;
        if (!ours) return Errno::einval;
        d->pinned_l4 = mfn;
        return Status::ok();
    }
    Status set_vcpu_context(uint16_t domid, uint32_t vcpu,
                            const abi::VcpuGuestContext& context) override {
        calls.push_back("context");
        if (fail_set_context) return *fail_set_context;
        auto d = get(domid);
        if (!d) return Errno::esrch;
        if (vcpu >= d->max_vcpus) return Errno::einval;
        for (auto& [page, owner] : map_owner)
            if (owner == domid && live_maps[page] > 0)
                violations.push_back("context set while mapped");
        if (d->pvh) { // RIP and RBX only; no page tables yet (paging is off)
            d->context = context;
            return Status::ok();
        }
        bool l4_ours = false;
        for (auto& [pfn, mfn] : d->p2m)
            l4_ours |= mfn == context.ctrlreg[3] >> 12;
        if (!l4_ours) return Errno::einval;
        d->context = context;
        return Status::ok();
    }
    Status vcpu_info(uint16_t domid, uint32_t vcpu, abi::DomctlVcpuInfo& info) override {
        auto d = get(domid);
        if (!d) return Errno::esrch;
        if (vcpu >= d->vcpus.size()) return Errno::einval;
        info = {};
        info.vcpu = vcpu;
        info.online = d->vcpus[vcpu].online;
        info.running = d->vcpus[vcpu].online && !d->paused;
        info.cpu = vcpu % nr_cpus;
        info.cpu_time_ns = d->vcpus[vcpu].cpu_time_ns;
        info.affinity = d->vcpus[vcpu].affinity;
        return Status::ok();
    }
    Status set_vcpu_affinity(uint16_t domid, uint32_t vcpu, uint64_t cpumap) override {
        if (fail_affinity) return *fail_affinity;
        auto d = get(domid);
        if (!d) return Errno::esrch;
        if (vcpu >= d->vcpus.size()) return Errno::einval;
        if ((cpumap & ((uint64_t{1} << nr_cpus) - 1)) == 0) return Errno::einval;
        d->vcpus[vcpu].affinity = cpumap;
        return Status::ok();
    }
    Status sched_credit(uint16_t domid, abi::DomctlSchedCredit& params) override {
        if (fail_sched && params.set) return *fail_sched;
        auto d = get(domid);
        if (!d) return Errno::esrch;
        if (!params.set) {
            params.weight = d->weight;
            params.cap = d->cap;
            return Status::ok();
        }
        if (params.weight < 1 || params.weight > 65535 || params.cap > 100 * d->max_vcpus)
            return Errno::einval;
        d->weight = params.weight;
        d->cap = params.cap;
        return Status::ok();
    }
    Status populate(uint16_t domid, uint64_t first_pfn, uint64_t count, uint64_t* mfns) override {
        if (calls.empty() || calls.back() != "populate") calls.push_back("populate");
        auto d = get(domid);
        if (!d) return Errno::esrch;
        for (uint64_t i = 0; i < count; ++i) {
            if (populate_ok_pages) {
                if (*populate_ok_pages == 0) return Errno::enomem;
                --*populate_ok_pages;
            }
            if (pages_in_use() >= total_pages) return Errno::enomem;
            if ((d->p2m.size() + 1) * 4 > d->max_memkb) return Errno::enomem;
            uint64_t mfn = next_mfn;
            next_mfn += 3; // not contiguous, so pfn/mfn mix-ups show
            auto page = std::make_unique<Page>();
            page->fill(0);
            frames[mfn] = {domid, std::move(page)};
            d->p2m[first_pfn + i] = mfn;
            mfns[i] = mfn;
        }
        return Status::ok();
    }
    Result<uint8_t*> map_foreign(uint16_t domid, uint64_t mfn) override {
        if (map_ok) {
            if (*map_ok == 0) return Errno::efault;
            --*map_ok;
        }
        auto it = frames.find(mfn);
        if (it == frames.end() || it->second.first != domid) return Errno::einval;
        uint8_t* p = it->second.second->data();
        live_maps[p]++;
        map_owner[p] = domid;
        maps_made++;
        return p;
    }
    void unmap_foreign(uint8_t* page) override {
        auto it = live_maps.find(page);
        if (it == live_maps.end() || it->second == 0) {
            violations.push_back("unmap of a page not mapped");
            return;
        }
        it->second--;
    }
    Result<uint32_t> alloc_unbound(uint16_t domid) override {
        calls.push_back("alloc_unbound");
        if (fail_alloc_unbound) return *fail_alloc_unbound;
        if (!get(domid)) return Errno::esrch;
        uint32_t port = 1 + static_cast<uint32_t>(unbound[domid].size());
        unbound[domid].insert(port);
        return port;
    }
    Result<uint32_t> bind_interdomain(uint16_t domid, uint32_t remote_port) override {
        calls.push_back("bind");
        if (fail_bind) return *fail_bind;
        if (!get(domid) || !unbound[domid].count(remote_port)) return Errno::einval;
        uint32_t local = next_local_port++;
        dom0_ports[local] = {domid, remote_port};
        return local;
    }
    Status close_port(uint32_t local_port) override {
        if (!dom0_ports.erase(local_port)) {
            violations.push_back("close of an unknown port");
            return Errno::einval;
        }
        return Status::ok();
    }
    Status notify(uint32_t local_port) override {
        if (!dom0_ports.count(local_port)) return Errno::einval;
        notifications[local_port]++;
        if (on_notify) on_notify(local_port);
        if (echo_notify) pending.insert(local_port);
        return Status::ok();
    }
    bool port_pending(uint32_t local_port) override { return pending.erase(local_port) != 0; }
    // sched_op poll / yield for bench-events: `on_notify` lets a test play
    // the DomU's side of a channel (echo_notify: every send comes back at
    // once); a poll finds the port pending or times out; the clock moves
    // `poll_step_ns` per poll and `yield_step_ns` per yield.
    std::function<void(uint32_t)> on_notify;
    bool echo_notify = false;
    uint64_t poll_step_ns = 0, yield_step_ns = 0;
    uint64_t polls = 0, yields = 0;
    std::optional<Errno> fail_yield;
    Status poll_port(uint32_t local_port, uint64_t deadline_ns) override {
        ++polls;
        clock_ns += poll_step_ns;
        if (!dom0_ports.count(local_port)) return Errno::einval;
        if (pending.count(local_port)) return Status::ok();
        if (clock_ns < deadline_ns) clock_ns = deadline_ns;
        return Errno::etimedout;
    }
    Status yield_cpu() override {
        ++yields;
        clock_ns += yield_step_ns;
        if (fail_yield) return *fail_yield;
        return Status::ok();
    }
    // Xen's HVMOP_set_param checks: an HVM (here PVH) domain, a known index.
    Status set_hvm_param(uint16_t domid, uint32_t index, uint64_t value) override {
        calls.push_back("hvm_param");
        if (fail_set_hvm_param) return *fail_set_hvm_param;
        auto d = get(domid);
        if (!d) return Errno::esrch;
        if (!d->pvh || index >= abi::k_hvm_nr_params) return Errno::einval;
        d->hvm_params[index] = value;
        return Status::ok();
    }
    Status remote_shutdown(uint16_t domid, uint32_t reason) override {
        auto d = get(domid);
        if (!d) return Errno::esrch;
        if (!refuse_shutdown_at_once)
            guest_shuts_down(domid, static_cast<abi::ShutdownReason>(reason));
        return Status::ok();
    }
    uint64_t now_ns() override { return clock_ns; }
    // getdomaincounters: what tests put in `counters` (zeros for a domain
    // they did not), ESRCH for no such domain, or fail_counters.
    std::map<uint16_t, abi::DomainCounterValues> counters;
    std::optional<Errno> fail_counters;
    Status domain_counters(uint16_t domid, abi::DomainCounterValues& out) override {
        if (fail_counters) return *fail_counters;
        if (!get(domid)) return Errno::esrch;
        auto it = counters.find(domid);
        out = it == counters.end() ? abi::DomainCounterValues{} : it->second;
        return Status::ok();
    }
    Status hypervisor_version(uint32_t& version, char* extra, size_t size) override {
        version = (4u << 16) | 19;
        std::strncpy(extra, "-paravane", size);
        return Status::ok();
    }

private:
    FakeDomain* get(uint16_t domid) {
        auto it = domains.find(domid);
        return it == domains.end() ? nullptr : &it->second;
    }
    uint16_t next_domid = 1;
    uint64_t next_mfn = 0x1000;
    uint32_t next_local_port = 20;
};

class FakeTerminal final : public tools::Terminal {
public:
    std::string output;
    std::deque<int> input;
    int waits = 0;
    // Called from wait(): lets a test act while the console is attached.
    std::function<void(int)> on_wait;

    int poll_char() override {
        if (input.empty()) return -1;
        int c = input.front();
        input.pop_front();
        return c;
    }
    void write(StringView text) override { output.append(text.data(), text.size()); }
    void wait() override {
        ++waits;
        if (on_wait) on_wait(waits);
        if (waits > 10000) input.push_back(tools::k_console_detach_char); // never hang a test
    }
    std::string take() {
        std::string s;
        s.swap(output);
        return s;
    }
};

class FakeFiles final : public tools::FileSource {
public:
    std::map<std::string, std::string> files;
    std::set<std::string> dirs{"/guests"};

    Result<StringView> read_file(StringView path) override {
        std::string p(path.data(), path.size());
        if (dirs.count(p)) return Errno::eisdir;
        auto it = files.find(p);
        if (it == files.end()) return Errno::enoent;
        return StringView(it->second.data(), it->second.size());
    }
};

} // namespace pv::test
