// Memory per GPU on one pipeline stage.
// Model states (Rajbhandari et al., ZeRO, SC'20, sec. 3.1, with Megatron-LM's fp32 gradient
// buffer for bf16, docs/source/api-guide/dist_optimizer.md): 2 bytes of 16-bit weights,
// 4 bytes of fp32 gradients (2 for fp16 training or a bf16 gradient buffer:
// gradient_bytes), 12 bytes of optimizer state (fp32 master weights, Adam m and v) per
// parameter. ZeRO-1 / the distributed optimizer shards
// the optimizer state over the data-parallel ranks, ZeRO-2 the gradients too, ZeRO-3 the
// weights too. Activations: activation_bytes_per_layer() times the layers in flight.
#include <algorithm>

#include "colossim/estimate.hpp"

namespace colossim {

namespace {
// Micro-batch chunks the schedule keeps in flight on a stage: Megatron-LM's interleaved
// warm-up count plus the one in hand ((p - i - 1)*2 + (v - 1)*p + 1 chunks of L/v layers;
// for v = 1 this is the 1F1B count p - i). For stage 0 it gives Korthikanti et al.'s
// L*(1 + (p-1)/(p*v)) layers' worth.
double layers_in_flight(std::int64_t stage_layers, std::int64_t stage, std::int64_t pp, std::int64_t vpp,
                        std::int64_t micro_batches) {
    std::int64_t chunks = vpp == 1 ? pp - stage : (pp - stage - 1) * 2 + (vpp - 1) * pp + 1;
    chunks = std::min(chunks, micro_batches * vpp);
    return double(chunks) * double(stage_layers) / double(vpp);
}
}  // namespace

MemoryResult stage_memory(const Scenario& s, const Workload& w, std::size_t stage) {
    const auto& p = s.parallelism;
    const StageWork& st = w.stages[stage];
    const double dense_params = st.params - st.expert_params;
    const double dense_shards = double(p.dp * p.cp), expert_shards = double(p.expert_dp());
    const double grad_bytes = gradient_bytes(s);

    auto sharded = [&](double bytes_per_param, int from_stage) {
        double dense = dense_params * bytes_per_param, expert = st.expert_params * bytes_per_param;
        if (p.zero >= from_stage) {
            dense /= dense_shards;
            expert /= expert_shards;
        }
        return Bytes(dense + expert);
    };
    MemoryResult r;
    r.stage = static_cast<std::int64_t>(stage);
    r.weights = sharded(2.0, 3);
    r.gradients = sharded(grad_bytes, 2);
    r.optimizer = sharded(12.0, 1);

    const std::int64_t layers = st.dense_layers + st.moe_layers;
    // GPipe runs every forward before any backward: all m micro-batches in flight.
    const double in_flight = p.schedule == Schedule::gpipe && p.pp > 1
                                 ? double(w.micro_batches) * double(layers)
                                 : layers_in_flight(layers, r.stage, p.pp, p.vpp, w.micro_batches);
    const double per_layer_dense = activation_bytes_per_layer(s, false).value;
    const double per_layer_moe = st.moe_layers > 0 ? activation_bytes_per_layer(s, true).value : 0.0;
    const double mean_per_layer =
        layers > 0 ? (per_layer_dense * double(st.dense_layers) + per_layer_moe * double(st.moe_layers)) / double(layers)
                   : 0.0;
    double activations = in_flight * mean_per_layer;
    const double recomputed = recomputed_layer_fraction(p, layers);
    if (p.recompute == Recompute::full && recomputed < 1.0) {
        // Megatron's block method: the chunk's other layers keep all their activations.
        Scenario kept = s;
        kept.parallelism.recompute = Recompute::none;
        const double dense = activation_bytes_per_layer(kept, false).value;
        const double moe = st.moe_layers > 0 ? activation_bytes_per_layer(kept, true).value : 0.0;
        const double kept_per_layer = (dense * double(st.dense_layers) + moe * double(st.moe_layers)) / double(layers);
        activations = in_flight * (recomputed * mean_per_layer + (1.0 - recomputed) * kept_per_layer);
    }
    if (p.recompute == Recompute::full && layers > 0) {
        // Recomputing one layer at a time needs that layer's full activations once.
        Scenario one = s;
        one.parallelism.recompute = Recompute::selective;
        activations += activation_bytes_per_layer(one, st.moe_layers > 0).value;
    }
    if (st.has_head) {
        // fp32 logits and their gradient for the micro-batch in hand (vocabulary-parallel).
        activations += 2.0 * 4.0 * w.tokens_per_micro_batch * double(s.model.vocab) / double(p.tp);
    }
    r.activations = Bytes(activations);
    r.total = r.weights + r.gradients + r.optimizer + r.activations;
    r.capacity = s.cluster.gpu.hbm_capacity;
    r.fits = r.total <= r.capacity * (1.0 - s.training.memory_headroom);
    return r;
}

}  // namespace colossim
