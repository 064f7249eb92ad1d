// Parameter counts from the architecture. Norm weights are counted (one vector of h per
// norm); biases where the model has them.
#include "colossim/workload.hpp"

namespace colossim {

namespace {
double attention_params(const ModelSpec& m) {
    const double h = double(m.hidden), a = double(m.heads);
    if (m.mla.enabled()) {
        // DeepSeek-V2 (arXiv 2405.04434) sec. 2.1: W_DQ, W_UQ (or W_Q), W_DKV with the shared
        // rope key, W_UK/W_UV, W_O, plus the norms of the two latents.
        const auto& x = m.mla;
        double dqk = double(x.qk_nope_head_dim + x.qk_rope_head_dim);
        double q = x.q_lora_rank > 0 ? h * x.q_lora_rank + x.q_lora_rank * a * dqk + x.q_lora_rank : h * a * dqk;
        double kv = h * (x.kv_lora_rank + x.qk_rope_head_dim) + x.kv_lora_rank +
                    x.kv_lora_rank * a * double(x.qk_nope_head_dim + x.v_head_dim);
        return q + kv + a * x.v_head_dim * h;
    }
    const double d = double(m.head_dim), kv = double(m.kv_heads);
    double p = h * (a + 2 * kv) * d + a * d * h;
    if (m.bias) p += (a + 2 * kv) * d + h;
    return p;
}

double mlp_params(const ModelSpec& m, double width) {
    const double h = double(m.hidden);
    double p = (m.gated_mlp() ? 3.0 : 2.0) * h * width;
    if (m.bias) p += width * (m.gated_mlp() ? 2.0 : 1.0) + h;
    return p;
}
}  // namespace

ParamCounts count_parameters(const ModelSpec& m) {
    ParamCounts c;
    const double h = double(m.hidden);
    c.attention = attention_params(m);
    c.dense_mlp = mlp_params(m, double(m.ffn_hidden));
    // Two norms a layer (one in a parallel block); a LayerNorm of a model with biases has one
    // too, an RMSNorm none.
    c.norms = (m.parallel_block ? 1 : 2) * h * (m.bias && m.norm == Norm::layernorm ? 2 : 1);
    if (m.moe.enabled()) {
        c.routed_experts = double(m.moe.experts) * mlp_params(m, double(m.moe.ffn_hidden));
        c.shared_experts = double(m.moe.shared_experts) * mlp_params(m, double(m.moe.shared_ffn_hidden));
        c.router = h * double(m.moe.experts);
    }
    c.embedding = double(m.vocab) * h;
    if (m.position_embedding == PositionEmbedding::learned) c.embedding += double(m.max_seq_len) * h;
    c.output = m.tie_embeddings ? 0.0 : double(m.vocab) * h;
    const double dense = double(m.dense_layers()), moe = double(m.moe_layers());
    const double per_layer_common = c.attention + c.norms;
    c.total = double(m.layers) * per_layer_common + dense * c.dense_mlp +
              moe * (c.routed_experts + c.shared_experts + c.router) + c.embedding + c.output + h;
    double active_routed = m.moe.enabled() ? double(m.moe.top_k) * mlp_params(m, double(m.moe.ffn_hidden)) : 0.0;
    c.active = double(m.layers) * per_layer_common + dense * c.dense_mlp +
               moe * (active_routed + c.shared_experts + c.router) + c.embedding + c.output + h;
    return c;
}

}  // namespace colossim
