#include <fmt/format.h>

#include "colossim/report.hpp"
#include "colossim/units_parse.hpp"

namespace colossim {

namespace {
std::string percent(double part, double whole) { return whole > 0 ? fmt::format("{:5.1f}%", 100.0 * part / whole) : ""; }
std::string gb(Bytes b) { return fmt::format("{:7.2f} GB", b.value / 1e9); }
}  // namespace

std::string estimate_table(const Scenario& s, const StepResult& r) {
    const auto& p = s.parallelism;
    const auto& t = s.training;
    const auto& b = r.breakdown;
    std::string out;
    out += fmt::format("{} on {} x {} ({})\n", s.model.name, s.gpus, s.cluster.gpu.name, s.cluster.name);
    out += fmt::format("  parallelism  tp={} pp={} vpp={} dp={} cp={} ep={} zero={} recompute={} sp={}\n", p.tp, p.pp, p.vpp,
                       p.dp, p.cp, p.ep, p.zero, to_string(p.recompute), p.sequence_parallel ? "on" : "off");
    out += fmt::format("  training     seq={} global_batch={} micro_batch={} ({} micro-batches/step) {}\n", t.seq_len,
                       t.global_batch, t.micro_batch, r.micro_batches, to_string(t.precision));
    out += fmt::format("  parameters   {} total, {} active per token\n\n", format_count(r.params_total),
                       format_count(r.params_active));
    out += fmt::format("step time      {:10.3f} s\n", r.step_time.value);
    out += fmt::format("MFU / HFU      {:9.1f}% / {:.1f}%{}\n", 100 * r.mfu, 100 * r.hfu,
                       s.training.precision == Precision::fp8 ? "   (of the BF16 peak, as published FP8 runs report it)" : "");
    out += fmt::format("TFLOP/s/GPU    {:10.1f} model, {:.1f} hardware\n", r.model_flops_per_gpu.value / 1e12,
                       r.hardware_flops_per_gpu.value / 1e12);
    out += fmt::format("tokens/s       {:10.4g}\n\n", r.tokens_per_s);
    out += fmt::format("breakdown (critical stage {})\n", r.critical_stage);
    const std::pair<const char*, Seconds> rows[] = {
        {"compute", b.compute}, {"tp comm", b.tp_comm}, {"cp comm", b.cp_comm}, {"ep comm", b.ep_comm},
        {"pp comm", b.pp_comm}, {"dp comm", b.dp_comm}, {"bubble", b.bubble},   {"optimizer", b.optimizer}};
    for (const auto& [name, v] : rows) {
        out += fmt::format("  {:<12} {:10.3f} s  {}\n", name, v.value, percent(v.value, r.step_time.value));
    }
    if (b.host.value > 0) {  // shown where a pass waits on the CPU (host-bound MoE experts)
        out += fmt::format("  {:<12} {:10.3f} s  {}\n", "host wait", b.host.value, percent(b.host.value, r.step_time.value));
    }
    const auto& m = r.memory;
    out += fmt::format("\nmemory per GPU (stage {})\n", m.stage);
    out += fmt::format("  weights      {}\n  gradients    {}\n  optimizer    {}\n  activations  {}\n", gb(m.weights),
                       gb(m.gradients), gb(m.optimizer), gb(m.activations));
    out += fmt::format("  total        {} of {}  -> {}\n", gb(m.total), gb(m.capacity),
                       m.fits ? "fits" : "DOES NOT FIT");
    if (t.tokens > 0) {
        out += fmt::format("\ntraining {} tokens\n", format_count(t.tokens));
        out += fmt::format("  time         {}\n", format_duration(r.time_to_train));
        out += fmt::format("  GPU-hours    {:.4g}\n", r.gpu_hours);
        out += fmt::format("  energy       {:.4g} MWh (PUE {:.2f})\n", r.energy_mwh, t.pue);
        out += fmt::format("  cost         ${:.4g} at ${:.2f}/GPU-hour\n", r.cost_usd, t.price_per_gpu_hour);
    }
    return out;
}

std::string describe_model(const ModelSpec& m) {
    std::string out = fmt::format("{} ({}): {}\n", m.name, m.family, m.description);
    const std::string head_dim = m.mla.enabled() ? fmt::format("{} (q/k), {} (v)", m.head_dim, m.mla.v_head_dim)
                                                 : std::to_string(m.head_dim);
    out += fmt::format("  layers {}  hidden {}  ffn {}  heads {}  kv_heads {}  head_dim {}  vocab {}\n", m.layers,
                       m.hidden, m.ffn_hidden, m.heads, m.kv_heads, head_dim, m.vocab);
    out += fmt::format("  activation {}  norm {}  positions {}  tied embeddings {}\n", to_string(m.activation),
                       to_string(m.norm), to_string(m.position_embedding), m.tie_embeddings ? "yes" : "no");
    if (m.moe.enabled()) {
        out += fmt::format("  MoE: {} experts, top-{}, expert ffn {}, {} shared (ffn {}), {} dense layers first\n",
                           m.moe.experts, m.moe.top_k, m.moe.ffn_hidden, m.moe.shared_experts, m.moe.shared_ffn_hidden,
                           m.moe.first_dense_layers);
        if (m.moe.groups > 0) {
            out += fmt::format("  routing: top-{} of the best {} of {} expert groups\n", m.moe.top_k, m.moe.group_top_k,
                               m.moe.groups);
        }
    }
    if (m.mla.enabled()) {
        out += fmt::format("  MLA: q_lora {}  kv_lora {}  qk_nope {}  qk_rope {}  v {}\n", m.mla.q_lora_rank,
                           m.mla.kv_lora_rank, m.mla.qk_nope_head_dim, m.mla.qk_rope_head_dim, m.mla.v_head_dim);
    }
    for (const auto& [k, v] : m.sources) out += fmt::format("  source {}: {}\n", k, v);
    return out;
}

std::string describe_gpu(const GpuSpec& g) {
    std::string out = fmt::format("{}: {}\n", g.name, g.description);
    out += fmt::format("  BF16 {:.1f} TFLOP/s", g.peak_bf16.value / 1e12);
    if (g.peak_fp8) out += fmt::format("  FP8 {:.1f} TFLOP/s", g.peak_fp8->value / 1e12);
    out += fmt::format("\n  HBM {:.0f} GB at {:.2f} TB/s  NVLink {:.0f} GB/s  TDP {:.0f} W  SMs {}\n",
                       g.hbm_capacity.value / 1e9, g.hbm_bandwidth.value / 1e12, g.nvlink_bandwidth.value / 1e9,
                       g.tdp.value, g.sm_count);
    for (const auto& [k, v] : g.sources) out += fmt::format("  source {}: {}\n", k, v);
    return out;
}

std::string describe_cluster(const ClusterSpec& c) {
    std::string out = fmt::format("{}: {}\n", c.name, c.description);
    out += fmt::format("  GPU {}  {} per node  NVLink domain {}  NIC {} per GPU\n", c.gpu.name, c.gpus_per_node,
                       c.nvlink_domain, format_byte_rate(c.nic_bandwidth));
    out += fmt::format("  latency NVLink {}  network {}  PUE {:.2f}  ${:.2f}/GPU-hour", format_duration(c.nvlink_latency),
                       format_duration(c.network_latency), c.pue, c.price_per_gpu_hour);
    if (c.max_gpus > 0) out += fmt::format("  up to {} GPUs", c.max_gpus);
    out += "\n";
    for (const auto& [k, v] : c.sources) out += fmt::format("  source {}: {}\n", k, v);
    return out;
}

}  // namespace colossim
