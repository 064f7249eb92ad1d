// Checks of a resolved scenario. Each error names the field, the value, and what would be
// valid (for divisibility, the valid values themselves).
#include <algorithm>
#include <optional>

#include "colossim/spec.hpp"

namespace colossim {
namespace {

// The smallest divisors of n (at most 16), for messages.
std::string divisors_of(std::int64_t n) {
    const auto all = divisors(n);
    std::string out;
    for (std::size_t i = 0; i < all.size() && i < 16; ++i) out += (i ? ", " : "") + std::to_string(all[i]);
    return out;
}

std::optional<InputError> require_divides(const char* field, std::int64_t size, const char* what, std::int64_t total) {
    if (total % size == 0) return std::nullopt;
    return InputError(field, std::to_string(size),
                      std::string("must divide ") + what + " (" + std::to_string(total) + "); valid: " + divisors_of(total));
}

}  // namespace

std::vector<std::int64_t> divisors(std::int64_t n) {
    // Found up to sqrt(n), so that a large n is cheap.
    std::vector<std::int64_t> small, large;
    for (std::int64_t d = 1; d * d <= n; ++d) {
        if (n % d != 0) continue;
        small.push_back(d);
        if (d != n / d) large.push_back(n / d);
    }
    small.insert(small.end(), large.rbegin(), large.rend());
    return small;
}

std::vector<std::int64_t> stage_layers(const ModelSpec& m, const Parallelism& p) {
    std::vector<std::int64_t> out;
    if (auto e = stage_layers_checked(m, p, out)) throw *e;
    return out;
}

std::optional<InputError> stage_layers_checked(const ModelSpec& m, const Parallelism& p, std::vector<std::int64_t>& out) {
    const std::int64_t L = m.layers, pp = p.pp;
    auto empty_stage = [&](const std::string& why) {
        return InputError("parallelism.pp", std::to_string(pp),
                          why + "; at most " + std::to_string(L) + " stages for " + std::to_string(L) + " layers");
    };
    if (pp > L) return empty_stage("leaves a pipeline stage without layers");
    out.assign(static_cast<std::size_t>(pp), 0);
    if (p.first_stage_layers > 0 || p.last_stage_layers > 0) {
        if (pp == 1) return InputError("parallelism.first_stage_layers", std::to_string(p.first_stage_layers),
                                      "only with pp > 1");
        std::int64_t first = p.first_stage_layers, last = p.last_stage_layers;
        std::int64_t middle_stages = pp - 2;
        std::int64_t known = (first > 0 ? first : 0) + (last > 0 ? last : 0);
        std::int64_t unknown_stages = middle_stages + (first > 0 ? 0 : 1) + (last > 0 ? 0 : 1);
        std::int64_t rest = L - known;
        if (rest < unknown_stages || (unknown_stages == 0 && rest != 0) ||
            (unknown_stages > 0 && rest % unknown_stages != 0)) {
            return InputError(first > 0 ? "parallelism.first_stage_layers" : "parallelism.last_stage_layers",
                             std::to_string(first > 0 ? first : last),
                             "the other " + std::to_string(unknown_stages) + " stages must share the remaining " +
                                 std::to_string(rest) + " of " + std::to_string(L) + " layers evenly, at least one each");
        }
        std::int64_t each = unknown_stages > 0 ? rest / unknown_stages : 0;
        std::fill(out.begin(), out.end(), each);
        if (first > 0) out.front() = first;
        if (last > 0) out.back() = last;
        return std::nullopt;
    }
    if (L % pp == 0 || pp == 1) {
        std::fill(out.begin(), out.end(), L / pp);
        return std::nullopt;
    }
    if (pp == 2) {
        out[0] = L / 2;
        out[1] = L - L / 2;
        return std::nullopt;
    }
    // Middle stages take ceil(L/pp); the first and last share what is left, the first
    // taking the smaller half (it also holds the embedding; the last holds the loss).
    std::int64_t middle = (L + pp - 1) / pp;
    std::int64_t rest = L - middle * (pp - 2);
    std::int64_t first = rest / 2, last = rest - first;
    if (first < 1) return empty_stage("leaves the first pipeline stage without layers");
    std::fill(out.begin(), out.end(), middle);
    out.front() = first;
    out.back() = last;
    return std::nullopt;
}

void validate_scenario(const Scenario& s) {
    if (auto e = scenario_problem(s)) throw *e;
}

std::optional<InputError> scenario_problem(const Scenario& s) {
    const ModelSpec& m = s.model;
    const Parallelism& p = s.parallelism;
    const Training& t = s.training;

    if (auto e = require_divides("parallelism.tp", p.tp, "attention heads", m.heads)) return e;
    if (!m.mla.enabled()) {
        if (auto e = require_divides("parallelism.tp", p.tp, "key/value heads", m.kv_heads)) return e;
    }
    if (m.dense_layers() > 0) {
        if (auto e = require_divides("parallelism.tp", p.tp, "the MLP width (ffn_hidden)", m.ffn_hidden)) return e;
    }
    if (m.moe.enabled()) {
        if (auto e = require_divides("parallelism.ep", p.ep, "the experts", m.moe.experts)) return e;
        std::int64_t folded = p.tp * p.cp * p.dp;
        if (folded % (p.expert_tp() * p.ep) != 0) {
            return InputError("parallelism.ep", std::to_string(p.ep),
                             "expert layers re-divide tp*cp*dp = " + std::to_string(folded) +
                                 " ranks into etp x ep x edp, so etp*ep (" + std::to_string(p.expert_tp() * p.ep) +
                                 ") must divide it; valid ep: " + divisors_of(folded / p.expert_tp()));
        }
        if (auto e = require_divides("parallelism.etp", p.expert_tp(), "the expert width (moe.ffn_hidden)", m.moe.ffn_hidden)) return e;
    } else if (p.ep != 1) {
        return InputError("parallelism.ep", std::to_string(p.ep), "1: the model has no experts");
    }
    if (p.schedule == Schedule::interleaved && p.vpp < 2) {
        return InputError("parallelism.schedule", "interleaved", "auto, gpipe, 1f1b or zb-h1: interleaving needs vpp > 1");
    }
    if ((p.schedule == Schedule::zb_h1 || p.schedule == Schedule::gpipe || p.schedule == Schedule::one_f_one_b) &&
        p.vpp > 1) {
        return InputError("parallelism.schedule", p.schedule == Schedule::zb_h1 ? "zb-h1" : p.schedule == Schedule::gpipe ? "gpipe" : "1f1b",
                          "interleaved or auto with vpp = " + std::to_string(p.vpp) + " (this schedule runs one chunk a rank: vpp 1)");
    }
    if (p.recompute_layers > 0 && p.recompute != Recompute::full) {
        return InputError("parallelism.recompute_layers", std::to_string(p.recompute_layers),
                          "0 unless recompute is full (it limits full recomputation to the first layers of each chunk)");
    }
    if (p.recompute_layers > m.layers) {
        return InputError("parallelism.recompute_layers", std::to_string(p.recompute_layers),
                          "0 (all) to the model's " + std::to_string(m.layers) + " layers");
    }
    if (p.vpp > 1 && p.pp == 1) {
        return InputError("parallelism.vpp", std::to_string(p.vpp), "1 unless pp > 1 (interleaving needs stages)");
    }
    std::vector<std::int64_t> layers;
    if (auto e = stage_layers_checked(m, p, layers)) return e;
    for (std::size_t i = 0; i < layers.size(); ++i) {
        if (layers[i] < p.vpp) {
            return InputError("parallelism.vpp", std::to_string(p.vpp),
                             "at most the layers of every stage (stage " + std::to_string(i) + " has " +
                                 std::to_string(layers[i]) + ")");
        }
    }
    if (p.vpp > 1 && layers.size() > 2) {
        if (auto e = require_divides("parallelism.vpp", p.vpp, "the layers of a middle pipeline stage", layers[1])) return e;
    }
    if (p.sequence_parallel && p.tp > 1) {
        if (auto e = require_divides("parallelism.tp", p.tp, "the sequence length with sequence parallelism", t.seq_len)) {
            return e;
        }
    }
    if (p.cp > 1 && t.seq_len % (2 * p.cp) != 0) {
        return InputError("parallelism.cp", std::to_string(p.cp),
                         "2*cp must divide seq_len (" + std::to_string(t.seq_len) +
                             ") for load-balanced causal context parallelism");
    }
    if (t.global_batch % (t.micro_batch * p.dp) != 0) {
        return InputError("training.global_batch", std::to_string(t.global_batch),
                         "a multiple of micro_batch x dp = " + std::to_string(t.micro_batch) + " x " +
                             std::to_string(p.dp) + " = " + std::to_string(t.micro_batch * p.dp));
    }
    if (p.vpp > 1 && t.micro_batches_per_step(p) % p.pp != 0) {
        // Megatron-LM's interleaved schedule runs micro-batches in groups of pp.
        return InputError("parallelism.vpp", std::to_string(p.vpp),
                          "1, or micro-batches per step (global_batch / (micro_batch x dp) = " +
                              std::to_string(t.micro_batches_per_step(p)) + ") a multiple of pp = " + std::to_string(p.pp) +
                              " for the interleaved schedule");
    }
    if (t.precision == Precision::fp8 && !s.cluster.gpu.peak_fp8) {
        return InputError("training.precision", "fp8", "bf16: " + s.cluster.gpu.name + " has no FP8 tensor cores");
    }
    return std::nullopt;
}

}  // namespace colossim
