#include <cmath>

#include "colossim/spec.hpp"
#include "colossim/units_parse.hpp"
#include "field_reader.hpp"
#include "hardware_reader.hpp"
#include "model_reader.hpp"

namespace colossim {

const std::vector<FlagKey>& scenario_flags() {
    static const std::vector<FlagKey> kFlags = {
        {"model", "model", "catalog name, our YAML file or a HuggingFace config.json"},
        {"cluster", "cluster", "catalog name or YAML file"},
        {"gpus", "gpus", "number of GPUs"},
        {"gpu", "hardware.gpu", "override the cluster's GPU (catalog name or file)"},
        {"gpus-per-node", "hardware.gpus_per_node", "override GPUs per node (and NVLink domain)"},
        {"nic-bw", "hardware.nic_bw", "override scale-out bandwidth per GPU, e.g. \"100 Gbit/s\""},
        {"nvlink-bw", "hardware.nvlink_bw", "override NVLink bandwidth per GPU (both directions), e.g. \"900 GB/s\""},
        {"segment", "hardware.segment",
         "nodes of one NVLink domain the job gets per block (Slurm --segment), e.g. 16 on NVL72: 64 GPUs a rack"},
        {"tp", "parallelism.tp", "tensor parallel size", "tensor-model-parallel-size"},
        {"pp", "parallelism.pp", "pipeline parallel size", "pipeline-model-parallel-size"},
        {"vpp", "parallelism.vpp", "virtual (interleaved) stages per pipeline rank", "virtual-pipeline-model-parallel-size"},
        {"dp", "parallelism.dp", "data parallel size (default gpus / (tp*pp*cp))"},
        {"cp", "parallelism.cp", "context parallel size", "context-parallel-size"},
        {"cp-impl", "parallelism.cp_impl",
         "te|torch: whose ring attention (te: Megatron-Core/Transformer Engine; torch: PyTorch's context_parallel, TorchTitan's)"},
        {"ep", "parallelism.ep", "expert parallel size", "expert-model-parallel-size"},
        {"etp", "parallelism.etp", "expert tensor parallel size (default tp)", "expert-tensor-parallel-size"},
        {"zero", "parallelism.zero", "0 DDP, 1 distributed optimizer, 2 +gradients, 3 +weights (FSDP)"},
        {"zero-impl", "parallelism.zero_impl",
         "flat|fsdp2: whose ZeRO-3 (flat: Megatron, FSDP1, DeepSpeed buffers gathered in place; fsdp2: PyTorch fully_shard, TorchTitan's, copying each parameter in and out)"},
        {"recompute", "parallelism.recompute", "none|selective|full|selective-op (TorchTitan's per-op AC)", "recompute-granularity"},
        {"recompute-layers", "parallelism.recompute_layers",
         "with --recompute full: layers of each pipeline chunk recomputed, the first ones (Megatron's block method); 0 = all",
         "recompute-num-layers"},
        {"sequence-parallel", "parallelism.sequence_parallel", "on|off: Megatron sequence parallelism (default on when tp > 1)",
         nullptr, true},
        {"dp-overlap", "parallelism.dp_overlap", "on|off: overlap gradient reduction with backward", "overlap-grad-reduce",
         true},
        {"ep-overlap", "parallelism.ep_overlap", "on|off: overlap MoE all-to-alls with another micro-batch's compute (DualPipe-like)",
         "overlap-moe-expert-parallel-comm", true},
        {"tp-overlap", "parallelism.tp_overlap",
         "on|off: pipeline TP all-gathers/reduce-scatters with their GEMMs (TE userbuffers, AsyncTP; needs sequence parallelism)",
         "tp-comm-overlap", true},
        {"moe-dispatcher", "parallelism.moe_dispatcher",
         "alltoall|deepep: Megatron-Core's MoE token dispatcher (deepep, alias flex: DeepEP/HybridEP, a token sent once a destination NVLink domain)",
         "moe-token-dispatcher-type"},
        {"tp-impl", "parallelism.tp_impl",
         "te|torch: whose tensor parallelism (te: Megatron-Core/Transformer Engine, sequence-first, userbuffers overlap of both passes; torch: PyTorch DTensor, batch-first, so each sequence-parallel gather or reduce-scatter copies the whole tensor, and AsyncTP, whose backward reduce-scatters of summed input gradients stay exposed)",
         "tp-overlap-impl"},
        {"schedule", "parallelism.schedule", "auto|gpipe|1f1b|interleaved|zb-h1: the pipeline schedule (auto: interleaved when vpp > 1)"},
        {"first-stage-layers", "parallelism.first_stage_layers", "layers on the first pipeline stage", "decoder-first-pipeline-num-layers"},
        {"last-stage-layers", "parallelism.last_stage_layers", "layers on the last pipeline stage", "decoder-last-pipeline-num-layers"},
        {"micro-batch", "training.micro_batch", "sequences per micro-batch", "micro-batch-size"},
        {"global-batch", "training.global_batch", "sequences per optimizer step", "global-batch-size"},
        {"seq-len", "training.seq_len", "tokens per sequence (8k = 8,192, 1M = 1,048,576)", "seq-length"},
        {"tokens", "training.tokens", "tokens to train, e.g. 15.6T"},
        {"precision", "training.precision", "bf16|fp16|fp8"},
        {"attention", "training.attention", "flash (FlashAttention-2) | flash1 (FlashAttention-1, 2023 Triton kernels) | cudnn (cuDNN fused attention: Transformer Engine's choice on Hopper and newer) | unfused"},
        {"elementwise", "training.elementwise", "fused (TE/Apex kernels, torch.compile) | eager (PyTorch ops one kernel each)"},
        {"dropout", "training.dropout", "on|off: dropout layers present", nullptr, true},
        {"nccl-algo", "training.nccl_algo", "auto|ring|tree: the event engine's all-reduce algorithm (as NCCL_ALGO)"},
        {"grad-reduce", "training.grad_reduce",
         "fp32|bf16: the gradient buffer, accumulated and reduced in it (default fp32; bf16 as --grad-reduce-in-bf16)"},
        {"grouped-gemm", "training.grouped_gemm",
         "te|fused: a MoE layer's expert GEMMs (te: Transformer Engine's GroupedLinear, a cuBLAS GEMM and host time a local expert; fused: one grouped kernel, DeepGEMM or CUTLASS)"},
        {"cuda-graphs", "training.cuda_graphs",
         "on|off: the whole iteration captured as CUDA graphs (--cuda-graph-scope full_iteration): no pass waits on the host", nullptr,
         true},
        {"cuda-device-max-connections", "training.cuda_device_max_connections",
         "1-32, as CUDA_DEVICE_MAX_CONNECTIONS (default 8): with 1, ZeRO-3's collectives serialise behind compute"},
        {"price", "training.price_per_gpu_hour", "USD per GPU-hour"},
        {"pue", "training.pue", "power usage effectiveness"},
        {"memory-headroom", "training.memory_headroom",
         "share of GPU memory kept free for the CUDA context, NCCL buffers and fragmentation (default 0.05)"},
    };
    return kFlags;
}

namespace {

void apply_override(YAML::Node& root, const Override& o) {
    auto dot = o.key.find('.');
    if (dot == std::string::npos) {
        root[o.key] = o.value;
        return;
    }
    std::string group = o.key.substr(0, dot);
    std::string key = o.key.substr(dot + 1);
    YAML::Node g = root[group];
    if (!g.IsDefined() || g.IsNull() || !g.IsMap()) {
        root[group] = YAML::Node(YAML::NodeType::Map);
    }
    root[group][key] = o.value;
}

Recompute parse_recompute(const std::string& s) {
    if (s == "none") return Recompute::none;
    if (s == "full") return Recompute::full;
    if (s == "selective-op") return Recompute::selective_op;
    return Recompute::selective;
}

YAML::Node scenario_document(const std::string& yaml_text, const std::string& source_name,
                             const std::vector<Override>& overrides) {
    YAML::Node root = yaml_text.empty() ? YAML::Node(YAML::NodeType::Map)
                                        : spec::load_mapping(yaml_text, source_name, "scenario", "the scenario file");
    if (root.IsNull()) root = YAML::Node(YAML::NodeType::Map);
    if (!root.IsMap()) throw InputError(source_name, "(not a mapping)", "a scenario: a mapping with model, cluster, gpus, parallelism, training");
    for (const auto& o : overrides) apply_override(root, o);
    return root;
}

}  // namespace

std::set<std::string> scenario_keys_given(const std::string& yaml_text, const std::string& source_name,
                                          const std::vector<Override>& overrides) {
    YAML::Node root = scenario_document(yaml_text, source_name, overrides);
    std::set<std::string> keys;
    for (auto it = root.begin(); it != root.end(); ++it) {
        if (!it->first.IsScalar() || it->second.IsNull()) continue;
        const std::string key = it->first.Scalar();
        keys.insert(key);
        if (it->second.IsMap() && key != "model" && key != "cluster") {
            for (auto jt = it->second.begin(); jt != it->second.end(); ++jt) {
                if (jt->first.IsScalar() && !jt->second.IsNull()) keys.insert(key + "." + jt->first.Scalar());
            }
        }
    }
    return keys;
}

Scenario load_scenario(const std::string& yaml_text, const std::string& source_name,
                       const std::vector<Override>& overrides, const Catalog& catalog, Diagnostics& diagnostics,
                       ScenarioCheck check) {
    YAML::Node root = scenario_document(yaml_text, source_name, overrides);

    spec::FieldReader r(root, "", diagnostics);
    Scenario s;

    // model: a reference, or an inline mapping of our model schema or of a HuggingFace
    // config.json (told apart as a model file is: by its model_type).
    {
        YAML::Node m = r.raw("model");
        if (!m.IsDefined() || m.IsNull()) throw InputError("model", "", "required: a catalog name or a file (--model)");
        if (m.IsMap() && spec::looks_like_hf_config(m)) s.model = spec::read_hf_config(m, "model", diagnostics);
        else if (m.IsMap()) s.model = spec::read_model_yaml(m, "model", diagnostics);
        else s.model = catalog.model(r.text("model"), "model", diagnostics);
    }
    {
        YAML::Node c = r.raw("cluster");
        if (!c.IsDefined() || c.IsNull()) throw InputError("cluster", "", "required: a catalog name or a file (--cluster)");
        auto resolve_gpu = [&](const std::string& ref, const std::string& f) { return catalog.gpu(ref, f, diagnostics); };
        if (c.IsMap()) s.cluster = spec::read_cluster_yaml(c, "cluster", diagnostics, resolve_gpu);
        else s.cluster = catalog.cluster(r.text("cluster"), "cluster", diagnostics);
    }
    if (r.has("hardware")) {
        spec::FieldReader h(r.raw("hardware"), "hardware", diagnostics);
        if (h.has("gpu")) s.cluster.gpu = catalog.gpu(h.text("gpu"), "hardware.gpu", diagnostics);
        if (auto n = h.optional_integer("gpus_per_node", 1, 1024)) {
            // An NVLink domain larger than the node (NVL72) is kept; otherwise it follows the node.
            if (s.cluster.nvlink_domain == s.cluster.gpus_per_node) s.cluster.nvlink_domain = *n;
            s.cluster.gpus_per_node = *n;
            if (s.cluster.nvlink_domain < *n) s.cluster.nvlink_domain = *n;
        }
        if (h.has("segment")) {
            // Slurm's --segment hands a job its nodes in blocks inside one NVLink domain
            // (16 of an NVL72 rack's 18 trays: 64 GPUs); the job's NVLink groups are those blocks.
            const std::int64_t most = std::max<std::int64_t>(1, s.cluster.nvlink_domain / s.cluster.gpus_per_node);
            const std::int64_t nodes = h.integer("segment", 1, most);
            s.cluster.nvlink_domain = nodes * s.cluster.gpus_per_node;
        }
        if (h.has("nic_bw")) s.cluster.nic_bandwidth = h.byte_rate("nic_bw");
        if (h.has("nvlink_bw")) s.cluster.gpu.nvlink_bandwidth = h.byte_rate("nvlink_bw");
        h.ignore({"nic_bw", "nvlink_bw", "gpu"});
        h.finish();
    } else {
        r.raw("hardware");
    }

    Parallelism& p = s.parallelism;
    std::optional<std::int64_t> dp;
    if (r.has("parallelism")) {
        spec::FieldReader q(r.raw("parallelism"), "parallelism", diagnostics);
        p.tp = q.optional_integer("tp").value_or(1);
        p.pp = q.optional_integer("pp").value_or(1);
        p.vpp = q.optional_integer("vpp").value_or(1);
        p.cp = q.optional_integer("cp").value_or(1);
        p.ep = q.optional_integer("ep").value_or(1);
        p.etp = q.optional_integer("etp").value_or(0);
        dp = q.optional_integer("dp");
        if (q.has("zero")) p.zero = static_cast<int>(std::stol(q.choice("zero", {"0", "1", "2", "3"})));
        else q.raw("zero");
        if (q.has("recompute")) p.recompute = parse_recompute(q.choice("recompute", {"none", "selective", "full", "selective-op"}));
        else q.raw("recompute");
        p.recompute_layers = q.optional_integer("recompute_layers", 0).value_or(0);
        p.sequence_parallel = q.optional_flag("sequence_parallel").value_or(p.tp > 1);
        p.dp_overlap = q.optional_flag("dp_overlap").value_or(true);
        p.ep_overlap = q.optional_flag("ep_overlap").value_or(false);
        p.tp_overlap = q.optional_flag("tp_overlap").value_or(false);
        if (q.has("cp_impl")) p.cp_impl = q.choice("cp_impl", {"te", "torch"}) == to_string(CpImpl::torch) ? CpImpl::torch : CpImpl::te;
        else q.raw("cp_impl");
        if (q.has("zero_impl")) {
            p.zero_impl = q.choice("zero_impl", {"flat", "fsdp2"}) == to_string(ZeroImpl::fsdp2) ? ZeroImpl::fsdp2 : ZeroImpl::flat;
        } else {
            q.raw("zero_impl");
        }
        if (q.has("moe_dispatcher")) {
            // Megatron's --moe-token-dispatcher-type flex is DeepEP's (or HybridEP's) path.
            const std::string d = q.choice("moe_dispatcher", {"alltoall", "deepep", "flex"});
            p.moe_dispatcher = d == "alltoall" ? MoeDispatcher::alltoall : MoeDispatcher::deepep;
        } else {
            q.raw("moe_dispatcher");
        }
        // tp_overlap_impl: the key's name before it also chose the layout (kept for old files).
        for (const char* key : {"tp_impl", "tp_overlap_impl"}) {
            if (q.has(key)) p.tp_impl = q.choice(key, {"te", "torch"}) == to_string(TpImpl::torch) ? TpImpl::torch : TpImpl::te;
            else q.raw(key);
        }
        if (q.has("schedule")) {
            const std::string v = q.choice("schedule", {"auto", "gpipe", "1f1b", "interleaved", "zb-h1"});
            p.schedule = v == "gpipe"         ? Schedule::gpipe
                         : v == "1f1b"        ? Schedule::one_f_one_b
                         : v == "interleaved" ? Schedule::interleaved
                         : v == "zb-h1"       ? Schedule::zb_h1
                                              : Schedule::automatic;
        } else {
            q.raw("schedule");
        }
        p.first_stage_layers = q.optional_integer("first_stage_layers").value_or(0);
        p.last_stage_layers = q.optional_integer("last_stage_layers").value_or(0);
        q.finish();
    } else {
        r.raw("parallelism");
        p.sequence_parallel = false;
    }

    Training& t = s.training;
    {
        if (!r.has("training")) {
            throw InputError("training.seq_len", "", "required: tokens per sequence (--seq-len)");
        }
        spec::FieldReader q(r.raw("training"), "training", diagnostics);
        if (!q.has("seq_len")) throw InputError("training.seq_len", "", "required: tokens per sequence (--seq-len)");
        t.seq_len = q.sequence_length("seq_len");
        if (!q.has("global_batch")) {
            throw InputError("training.global_batch", "", "required: sequences per optimizer step (--global-batch)");
        }
        t.global_batch = q.integer("global_batch");
        t.micro_batch = q.optional_integer("micro_batch").value_or(1);
        t.tokens = q.optional_number("tokens", 0.0, 1e18).value_or(0.0);
        if (q.has("precision")) {
            std::string prec = q.choice("precision", {"bf16", "fp16", "fp8"});
            t.precision = prec == "fp8" ? Precision::fp8 : prec == "fp16" ? Precision::fp16 : Precision::bf16;
        }
        else q.raw("precision");
        if (q.has("attention")) {
            const std::string kernel = q.choice("attention", {"flash", "flash1", "cudnn", "unfused"});
            t.attention = kernel == "unfused"  ? AttentionKernel::unfused
                          : kernel == "flash1" ? AttentionKernel::flash1
                          : kernel == "cudnn"  ? AttentionKernel::cudnn
                                               : AttentionKernel::flash;
        } else {
            q.raw("attention");
        }
        if (q.has("elementwise")) {
            t.elementwise = q.choice("elementwise", {"fused", "eager"}) == "eager" ? Elementwise::eager : Elementwise::fused;
        } else {
            q.raw("elementwise");
        }
        t.dropout = q.optional_flag("dropout").value_or(false);
        if (q.has("nccl_algo")) {
            const std::string algo = q.choice("nccl_algo", {"auto", "ring", "tree"});
            t.nccl_algo = algo == "ring" ? NcclAlgorithm::ring : algo == "tree" ? NcclAlgorithm::tree : NcclAlgorithm::automatic;
        } else {
            q.raw("nccl_algo");
        }
        if (q.has("grad_reduce")) t.grad_reduce_bf16 = q.choice("grad_reduce", {"fp32", "bf16"}) == "bf16";
        else q.raw("grad_reduce");
        t.cuda_device_max_connections =
            q.optional_integer("cuda_device_max_connections", 1, 32).value_or(t.cuda_device_max_connections);
        if (q.has("grouped_gemm")) t.grouped_gemm = q.choice("grouped_gemm", {"te", "fused"}) == "fused" ? GroupedGemm::fused : GroupedGemm::te;
        else q.raw("grouped_gemm");
        t.cuda_graphs = q.optional_flag("cuda_graphs").value_or(false);
        t.price_per_gpu_hour = q.optional_number("price_per_gpu_hour", 0.0, 1e4).value_or(s.cluster.price_per_gpu_hour);
        t.pue = q.optional_number("pue", 1.0, 5.0).value_or(s.cluster.pue);
        t.memory_headroom = q.optional_number("memory_headroom", 0.0, 0.9).value_or(t.memory_headroom);
        q.finish();
    }

    std::int64_t model_ranks = p.tp * p.pp * p.cp;
    if (r.has("gpus")) {
        s.gpus = r.integer("gpus");
        if (check == ScenarioCheck::fields_only) {
            p.dp = std::max<std::int64_t>(1, s.gpus / model_ranks);
        } else if (s.gpus % model_ranks != 0) {
            throw InputError("gpus", std::to_string(s.gpus),
                             "a multiple of tp*pp*cp = " + std::to_string(model_ranks));
        }
        if (check == ScenarioCheck::full) p.dp = s.gpus / model_ranks;
        if (check == ScenarioCheck::full && dp && *dp != p.dp) {
            throw InputError("parallelism.dp", std::to_string(*dp),
                             "tp*pp*cp*dp must equal gpus = " + std::to_string(s.gpus) + "; with tp*pp*cp = " +
                                 std::to_string(model_ranks) + " that is dp = " + std::to_string(p.dp));
        }
    } else {
        r.raw("gpus");
        if (!dp) throw InputError("gpus", "", "required: the number of GPUs (--gpus), or parallelism.dp");
        p.dp = *dp;
        s.gpus = model_ranks * p.dp;
    }
    r.finish();
    warn_if_beyond_largest_build(s.cluster, s.gpus, diagnostics);
    if (check == ScenarioCheck::full) validate_scenario(s);
    return s;
}

void warn_if_beyond_largest_build(const ClusterSpec& c, std::int64_t gpus, Diagnostics& diagnostics) {
    if (c.max_gpus > 0 && gpus > c.max_gpus) {
        diagnostics.warn("gpus = " + std::to_string(gpus) + " is more than the largest " + c.name + " built (" +
                         std::to_string(c.max_gpus) + "); the fabric is extrapolated");
    }
}

const char* to_string(Recompute r) {
    switch (r) {
        case Recompute::none: return "none";
        case Recompute::selective: return "selective";
        case Recompute::selective_op: return "selective-op";
        case Recompute::full: return "full";
    }
    return "?";
}
const char* to_string(CpImpl c) { return c == CpImpl::torch ? "torch" : "te"; }
const char* to_string(ZeroImpl z) { return z == ZeroImpl::fsdp2 ? "fsdp2" : "flat"; }
const char* to_string(TpImpl t) { return t == TpImpl::torch ? "torch" : "te"; }
const char* to_string(MoeDispatcher d) { return d == MoeDispatcher::deepep ? "deepep" : "alltoall"; }
const char* to_string(GroupedGemm g) { return g == GroupedGemm::fused ? "fused" : "te"; }
const char* to_string(Precision p) {
    switch (p) {
        case Precision::bf16: return "bf16";
        case Precision::fp16: return "fp16";
        case Precision::fp8: return "fp8";
    }
    return "?";
}
const char* to_string(Elementwise e) { return e == Elementwise::eager ? "eager" : "fused"; }
const char* to_string(AttentionKernel k) {
    switch (k) {
        case AttentionKernel::flash: return "flash";
        case AttentionKernel::flash1: return "flash1";
        case AttentionKernel::cudnn: return "cudnn";
        case AttentionKernel::unfused: return "unfused";
    }
    return "?";
}

}  // namespace colossim
