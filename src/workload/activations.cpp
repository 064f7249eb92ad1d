// Activation memory kept for the backward pass, per layer and micro-batch, on one GPU.
//
// Korthikanti et al. 2022 (arXiv 2205.05198) sec. 4 count, for a GPT layer with 16-bit
// activations, s*b*h*(34 + 5as/h) bytes: attention 11sbh + 5as^2b, MLP 19sbh, two norms
// 4sbh. We keep their accounting term by term, written per token, and generalise each
// term to the architecture instead of assuming MHA and a 4h GELU MLP:
//   attention: norm input 2h, QKV input 2h, Q and K 2(a+kv)d_qk, V 2kv*d_v,
//              projection input 2a*d_v, dropout mask h
//              + unfused core: softmax output 2as, dropout mask as, dropout output 2as
//              + flash core: the row log-sum-exp, 4a (fp32)
//   dense MLP: norm input 2h, fc1 input 2h, fc1 output 2f (4f gated), activation output
//              2f, dropout mask h
//   MoE MLP:   as dense for shared experts; routed: per routed token copy its input 2h,
//              fc1 output and activation output of the expert width.
// Tensor parallelism divides the terms that live inside the split (per-head and
// MLP-width tensors); sequence parallelism divides the rest too (their "34/t").
// Selective recomputation drops the s^2 terms; full recomputation keeps only the layer
// input (2sbh, /t with SP); TorchTitan's per-op policy keeps what it saves (below). Checked against the paper's closed forms in the tests.
#include "colossim/workload.hpp"

namespace colossim {

Bytes activation_bytes_per_layer(const Scenario& s, bool moe) {
    const auto& m = s.model;
    const auto& p = s.parallelism;
    const double t = double(p.tp);
    const double tokens = double(s.training.micro_batch) * double(s.training.seq_len) / double(p.cp);
    const bool sp = p.sequence_parallel && p.tp > 1;
    const double rep = sp ? 1.0 / t : 1.0;  // share of a replicated (not TP-split) tensor
    const double h = double(m.hidden), a = double(m.heads);
    const double kv = m.mla.enabled() ? a : double(m.kv_heads);
    const double dqk = m.mla.enabled() ? double(m.mla.qk_nope_head_dim + m.mla.qk_rope_head_dim) : double(m.head_dim);
    const double dv = m.mla.enabled() ? double(m.mla.v_head_dim) : double(m.head_dim);
    const double mask = s.training.dropout ? 1.0 : 0.0;
    const double seq = double(s.training.seq_len);  // keys each query attends to (whole sequence under CP)

    if (p.recompute == Recompute::full) return Bytes(2.0 * h * rep * tokens);
    const double up = m.gated_mlp() ? 2.0 : 1.0;
    if (p.recompute == Recompute::selective_op && !moe) {
        // TorchTitan's per-op checkpointing (blocks.cpp, selective_op_recompute) keeps the
        // layer input, the attention core's output and row log-sum-exp, and every second
        // matmul's output in call order: wq, wv, w1 and (gated) w2, or wq, wv, fc1; the
        // rest is replayed. Its paper's Llama 3.1 8B at 8 x 8,192 tokens a GPU peaks at
        // 82 GiB of 96 with this policy (arXiv 2410.06511, Table 1), where keeping every
        // tensor (the general count below) would not fit.
        double kept = 2 * h * rep + (2 * a * dqk + 2 * kv * dv + 2 * a * dv + 4 * a) / t;
        kept += 2 * double(m.ffn_hidden) / t;
        if (up > 1) kept += 2 * h * rep;
        return Bytes(kept * tokens);
    }

    double per_token = 0;
    // attention block
    per_token += (2 * h + 2 * h + mask * h) * rep;
    per_token += (2 * (a + kv) * dqk + 2 * kv * dv + 2 * a * dv) / t;
    if (s.training.attention == AttentionKernel::unfused) {
        if (p.recompute == Recompute::none) per_token += (2 + 3 * mask) * a * seq / t;
    } else {
        per_token += 4 * a / t;
    }
    // MLP block
    per_token += (2 * h + 2 * h + mask * h) * rep;
    if (!moe) {
        per_token += 2 * double(m.ffn_hidden) * (up + 1) / t;
    } else {
        const auto& e = m.moe;
        per_token += 2 * double(e.shared_experts * e.shared_ffn_hidden) * (up + 1) / t;
        // routed copies: each of this rank's tokens (1/tp of them) goes to top_k experts
        // expert-TP ranks hold each other's token copies in full and 1/etp of the expert width
        per_token += double(e.top_k) / t * (2 * h * double(p.expert_tp()) + 2 * double(e.ffn_hidden) * (up + 1));
    }
    return Bytes(per_token * tokens);
}

}  // namespace colossim
