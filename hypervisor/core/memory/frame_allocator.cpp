#include "core/memory/frame_allocator.hpp"

namespace pv {

namespace {

// x86-64 physical addresses have at most 52 bits (SDM Vol. 3 §4.1.4,
// MAXPHYADDR), so frame numbers fit in 40 bits and the arithmetic below
// cannot overflow once inputs are clamped to this.
constexpr uint64_t k_arch_max_phys = uint64_t{1} << 52;

constexpr uint64_t k_page_mask = k_page_size - 1;

// Frames [first, end). first >= end means empty.
struct FrameSpan {
    uint64_t first;
    uint64_t end;

    bool empty() const { return first >= end; }
    bool contains(uint64_t frame) const { return first <= frame && frame < end; }
    uint64_t length() const { return empty() ? 0 : end - first; }
};

uint64_t frame_floor(uint64_t addr) { return addr >> k_page_shift; }
uint64_t frame_ceil(uint64_t addr) { return (addr >> k_page_shift) + ((addr & k_page_mask) != 0); }

// base + length, saturating: a firmware entry of length ~2^64 must not wrap.
uint64_t end_of(uint64_t base, uint64_t length) {
    return length > ~base ? ~uint64_t{0} : base + length;
}

FrameSpan clamp(FrameSpan span, uint64_t limit) {
    if (span.end > limit) span.end = limit;
    if (span.first > span.end) span.first = span.end;
    return span;
}

// Usable RAM is rounded inward (a partial frame is not RAM we may hand out);
// everything else outward (a partial frame of firmware data is still firmware's).
FrameSpan unclamped_span(const MemoryRange& range) {
    if (range.length == 0) return {0, 0};
    const uint64_t end = end_of(range.base, range.length);
    if (range.type == MemoryType::usable) return {frame_ceil(range.base), frame_floor(end)};
    return {frame_floor(range.base), frame_ceil(end)};
}

FrameSpan reserved_span(const PhysRange& range, uint64_t limit) {
    if (range.end <= range.start) return {0, 0};
    return clamp({frame_floor(range.start), frame_ceil(range.end)}, limit);
}

// What a run of frames is, and so who owns it after init.
enum class SpanKind : uint8_t {
    absent, // hole, firmware, ACPI, bad RAM: k_owner_reserved
    held,   // RAM the caller reserved (image, modules, low 1 MiB): k_owner_hypervisor
    usable, // allocatable
};

// Walks frames [0, limit) in ascending order as maximal runs of one SpanKind.
// Every run boundary is an edge of some input span, so the next boundary is
// the smallest edge above the current position: O(n) per step, O(n^2) in
// all, with no sorting and no storage, whatever order the input is in.
class SpanWalker {
public:
    SpanWalker(const FrameAllocatorPlan& plan, uint64_t limit) : plan_(plan), limit_(limit) {}

    bool next(FrameSpan& span, SpanKind& kind) {
        if (pos_ >= limit_) return false;
        kind = kind_at(pos_);
        uint64_t end = next_boundary(pos_);
        while (end < limit_ && kind_at(end) == kind) end = next_boundary(end);
        span = {pos_, end};
        pos_ = end;
        return true;
    }

private:
    FrameSpan map_span(size_t i) const { return clamp(unclamped_span(plan_.map[i]), limit_); }

    static void lower_to_edge(uint64_t& best, const FrameSpan& span, uint64_t pos) {
        if (span.empty()) return;
        if (span.first > pos && span.first < best) best = span.first;
        if (span.end > pos && span.end < best) best = span.end;
    }

    uint64_t next_boundary(uint64_t pos) const {
        uint64_t best = limit_;
        for (size_t i = 0; i < plan_.map_count; ++i) lower_to_edge(best, map_span(i), pos);
        for (size_t i = 0; i < plan_.reserved_count; ++i) {
            lower_to_edge(best, reserved_span(plan_.reserved[i], limit_), pos);
        }
        return best;
    }

    // Precedence: a non-usable map entry beats usable RAM ("reserved wins");
    // the caller's reserved list turns usable RAM into held RAM.
    SpanKind kind_at(uint64_t frame) const {
        bool ram = false;
        for (size_t i = 0; i < plan_.map_count; ++i) {
            if (!map_span(i).contains(frame)) continue;
            if (plan_.map[i].type != MemoryType::usable) return SpanKind::absent;
            ram = true;
        }
        if (!ram) return SpanKind::absent;
        for (size_t i = 0; i < plan_.reserved_count; ++i) {
            if (reserved_span(plan_.reserved[i], limit_).contains(frame)) return SpanKind::held;
        }
        return SpanKind::usable;
    }

    const FrameAllocatorPlan& plan_;
    uint64_t limit_;
    uint64_t pos_ = 0;
};

// Metadata layout: FrameInfo[frame_limit], then the bitmap (8-byte aligned).
uint64_t bitmap_offset(uint64_t frame_limit) {
    return (frame_limit * sizeof(FrameInfo) + 7) & ~uint64_t{7};
}

uint64_t bitmap_words(uint64_t frame_limit) { return (frame_limit + 63) / 64; }

void set_bits(uint64_t* bitmap, uint64_t first, uint64_t end, bool value) {
    while (first < end) {
        const uint64_t bit = first % 64;
        const uint64_t n = (end - first < 64 - bit) ? end - first : 64 - bit;
        const uint64_t mask = (n == 64 ? ~uint64_t{0} : (uint64_t{1} << n) - 1) << bit;
        if (value) {
            bitmap[first / 64] |= mask;
        } else {
            bitmap[first / 64] &= ~mask;
        }
        first += n;
    }
}

bool is_special_owner(uint16_t owner) { return owner == k_owner_free || owner == k_owner_reserved; }

} // namespace

uint64_t FrameAllocator::metadata_bytes_for(uint64_t frame_limit) {
    const uint64_t bytes = bitmap_offset(frame_limit) + bitmap_words(frame_limit) * 8;
    return (bytes + k_page_mask) & ~k_page_mask;
}

Result<FrameAllocatorPlan> FrameAllocator::plan(const MemoryRange* map, size_t map_count,
                                                const PhysRange* reserved, size_t reserved_count,
                                                uint64_t max_phys) {
    if ((map == nullptr && map_count != 0) || (reserved == nullptr && reserved_count != 0)) {
        return Errno::einval;
    }
    FrameAllocatorPlan p;
    p.map = map;
    p.map_count = map_count;
    p.reserved = reserved;
    p.reserved_count = reserved_count;
    p.max_phys = (max_phys < k_arch_max_phys ? max_phys : k_arch_max_phys) & ~k_page_mask;
    const uint64_t limit = frame_floor(p.max_phys);

    for (size_t i = 0; i < map_count; ++i) {
        const FrameSpan span = unclamped_span(map[i]);
        if (map[i].type == MemoryType::usable && !span.empty() && span.end > limit) p.clamped = true;
    }

    // Pass 1: how much RAM there is, and so how big the metadata is.
    FrameSpan span;
    SpanKind kind;
    SpanWalker sizes(p, limit);
    while (sizes.next(span, kind)) {
        if (kind == SpanKind::usable) p.usable_frames += span.length();
        if (kind != SpanKind::absent) p.frame_limit = span.end;
    }
    if (p.usable_frames == 0) return Errno::enomem;
    p.metadata_bytes = metadata_bytes_for(p.frame_limit);
    const uint64_t metadata_frames = p.metadata_bytes >> k_page_shift;
    if (metadata_frames >= p.usable_frames) return Errno::enomem;

    // Pass 2: first fit. Low memory is usually in the caller's reserved list
    // already, so the lowest usable run is a fine home.
    SpanWalker placement(p, p.frame_limit);
    while (placement.next(span, kind)) {
        if (kind == SpanKind::usable && span.length() >= metadata_frames) {
            p.metadata_phys = span.first << k_page_shift;
            return p;
        }
    }
    return Errno::enomem;
}

Status FrameAllocator::init(const FrameAllocatorPlan& plan, void* metadata_virt) {
    if (bitmap_ != nullptr) return Errno::ebusy;
    const auto virt = reinterpret_cast<uintptr_t>(metadata_virt);
    if (virt == 0 || (virt & 7) != 0) return Errno::einval;
    // The plan is a plain struct: check it is one plan() could have produced.
    if (plan.frame_limit == 0 || plan.max_phys > k_arch_max_phys ||
        plan.frame_limit > frame_floor(plan.max_phys) ||
        plan.metadata_bytes != metadata_bytes_for(plan.frame_limit) ||
        (plan.metadata_phys & k_page_mask) != 0 ||
        frame_floor(plan.metadata_phys) > plan.frame_limit ||
        (plan.metadata_bytes >> k_page_shift) > plan.frame_limit - frame_floor(plan.metadata_phys) ||
        (plan.map == nullptr && plan.map_count != 0) ||
        (plan.reserved == nullptr && plan.reserved_count != 0)) {
        return Errno::einval;
    }

    auto* bytes = static_cast<uint8_t*>(metadata_virt);
    table_ = FrameTable(reinterpret_cast<FrameInfo*>(bytes), plan.frame_limit);
    bitmap_ = reinterpret_cast<uint64_t*>(bytes + bitmap_offset(plan.frame_limit));

    // Start from "nothing is RAM", then let the walk say otherwise.
    const FrameInfo not_ram{k_owner_reserved, FrameType::none, 0, 0, 0};
    for (uint64_t mfn = 0; mfn < plan.frame_limit; ++mfn) *table_.lookup(mfn) = not_ram;
    for (uint64_t w = 0; w < word_count(); ++w) bitmap_[w] = 0;

    FrameSpan span;
    SpanKind kind;
    SpanWalker walker(plan, plan.frame_limit);
    while (walker.next(span, kind)) {
        if (kind == SpanKind::absent) continue;
        const uint16_t owner = kind == SpanKind::usable ? k_owner_free : k_owner_hypervisor;
        for (uint64_t mfn = span.first; mfn < span.end; ++mfn) table_.lookup(mfn)->owner = owner;
        if (kind == SpanKind::usable) {
            set_bits(bitmap_, span.first, span.end, true);
            free_count_ += span.length();
        }
    }

    // The metadata sits in usable RAM: take it out. If it does not (the map
    // changed since plan(), or the plan was edited) we have just written over
    // memory that was not ours to use, so refuse loudly rather than go on.
    const uint64_t meta_first = frame_floor(plan.metadata_phys);
    const uint64_t meta_end = meta_first + (plan.metadata_bytes >> k_page_shift);
    if (find_used_in(meta_first, meta_end) != meta_end) {
        reset();
        return Errno::einval;
    }
    set_bits(bitmap_, meta_first, meta_end, false);
    for (uint64_t mfn = meta_first; mfn < meta_end; ++mfn) table_.lookup(mfn)->owner = k_owner_hypervisor;
    free_count_ -= meta_end - meta_first;
    total_count_ = free_count_;
    next_word_ = 0;
    return Status::ok();
}

void FrameAllocator::reset() {
    bitmap_ = nullptr;
    table_ = FrameTable();
    free_count_ = 0;
    total_count_ = 0;
    next_word_ = 0;
}

// First free frame in [mfn, limit), or limit.
uint64_t FrameAllocator::find_free_from(uint64_t mfn, uint64_t limit) const {
    while (mfn < limit) {
        const uint64_t bits = bitmap_[mfn / 64] >> (mfn % 64);
        if (bits != 0) {
            const uint64_t found = mfn + static_cast<uint64_t>(__builtin_ctzll(bits));
            return found < limit ? found : limit;
        }
        mfn = (mfn / 64 + 1) * 64;
    }
    return limit;
}

// First non-free frame in [first, end), or end.
uint64_t FrameAllocator::find_used_in(uint64_t first, uint64_t end) const {
    while (first < end) {
        const uint64_t bits = ~bitmap_[first / 64] >> (first % 64);
        if (bits != 0) {
            const uint64_t found = first + static_cast<uint64_t>(__builtin_ctzll(bits));
            return found < end ? found : end;
        }
        first = (first / 64 + 1) * 64;
    }
    return end;
}

void FrameAllocator::take(uint64_t first, uint64_t count, uint16_t owner) {
    set_bits(bitmap_, first, first + count, false);
    for (uint64_t mfn = first; mfn < first + count; ++mfn) {
        *table_.lookup(mfn) = FrameInfo{owner, FrameType::none, k_frame_allocated, 0, 0};
    }
    free_count_ -= count;
}

Result<uint64_t> FrameAllocator::alloc(uint16_t owner) {
    if (is_special_owner(owner)) return Errno::einval;
    LockGuard guard(lock_);
    if (free_count_ == 0) return Errno::enomem;
    // Next fit: start where the last allocation found a free frame, so a run
    // of allocations does not rescan the full words below it each time.
    const uint64_t words = word_count();
    uint64_t w = next_word_ < words ? next_word_ : 0;
    for (uint64_t scanned = 0; scanned < words; ++scanned) {
        if (bitmap_[w] != 0) {
            const uint64_t mfn = w * 64 + static_cast<uint64_t>(__builtin_ctzll(bitmap_[w]));
            take(mfn, 1, owner);
            next_word_ = w;
            return mfn;
        }
        w = (w + 1 == words) ? 0 : w + 1;
    }
    return Errno::enomem; // free_count_ said otherwise: unreachable unless the bitmap is corrupt
}

Result<uint64_t> FrameAllocator::alloc_contiguous(size_t count, size_t align_frames, uint16_t owner,
                                                  uint64_t below_mfn) {
    if (count == 0 || align_frames == 0 || (align_frames & (align_frames - 1)) != 0 ||
        is_special_owner(owner)) {
        return Errno::einval;
    }
    LockGuard guard(lock_);
    if (count > free_count_) return Errno::enomem;
    const uint64_t limit = below_mfn < table_.frame_count() ? below_mfn : table_.frame_count();
    const uint64_t align = align_frames;

    // First fit. Each failed candidate resumes past the used frame that broke
    // it, so every bit is examined a bounded number of times: O(words).
    uint64_t start = 0;
    for (;;) {
        start = find_free_from(start, limit);
        const uint64_t misalign = start & (align - 1);
        if (misalign != 0) {
            if (align - misalign >= limit - start) return Errno::enomem;
            start += align - misalign;
        }
        if (start >= limit || count > limit - start) return Errno::enomem;
        const uint64_t used = find_used_in(start, start + count);
        if (used == start + count) {
            take(start, count, owner);
            return start;
        }
        start = used + 1;
    }
}

Status FrameAllocator::check_freeable(uint64_t mfn, size_t count) const {
    const uint64_t frames = table_.frame_count();
    if (count == 0 || mfn >= frames || count > frames - mfn) return Errno::einval;
    for (uint64_t f = mfn; f < mfn + count; ++f) {
        const FrameInfo& info = *table_.lookup(f);
        // Only frames alloc handed out carry the flag: that rejects double
        // frees and frames that were never the allocator's to give.
        if ((info.flags & k_frame_allocated) == 0 || is_free(f)) return Errno::einval;
        if (info.type_count != 0 || info.ref_count != 0) return Errno::ebusy;
    }
    return Status::ok();
}

Status FrameAllocator::free(uint64_t mfn) { return free_contiguous(mfn, 1); }

Status FrameAllocator::free_contiguous(uint64_t mfn, size_t count) {
    LockGuard guard(lock_);
    TRY(check_freeable(mfn, count));
    for (uint64_t f = mfn; f < mfn + count; ++f) {
        *table_.lookup(f) = FrameInfo{k_owner_free, FrameType::none, 0, 0, 0};
    }
    set_bits(bitmap_, mfn, mfn + count, true);
    free_count_ += count;
    return Status::ok();
}

} // namespace pv
