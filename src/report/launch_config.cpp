// The launch arguments of a plan for Megatron-LM, NeMo 2.0 and TorchTitan. Each setting
// colossim priced maps to the framework's own name; where the framework has no such
// setting the emitted text says so instead of guessing. The names are checked against the
// frameworks' argument lists in tests/data/frameworks/ (tests/test_launch_config.cpp).
#include "colossim/launch_config.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "colossim/errors.hpp"
#include "colossim/workload.hpp"

namespace colossim {

namespace {

struct Setting {
    std::string name, value;  // value "" for a switch
};

struct Builder {
    std::vector<Setting> settings;
    std::vector<std::string> notes;
    void add(std::string name, std::string value = "") { settings.push_back({std::move(name), std::move(value)}); }
    void add(std::string name, std::int64_t value) { add(std::move(name), std::to_string(value)); }
    void note(std::string text) { notes.push_back(std::move(text)); }
};

std::int64_t train_steps(const Scenario& s) {
    const double per_step = double(s.training.global_batch) * double(s.training.seq_len);
    return s.training.tokens > 0 ? std::int64_t(std::ceil(s.training.tokens / per_step)) : 0;
}

// Notes every framework shares: what colossim assumed of the run.
void common_notes(const Scenario& s, Builder& b) {
    b.note(fmt::format("colossim plan: {} on {} x {} ({}), {} micro-batches of {} a step", s.model.name, s.gpus,
                       s.cluster.gpu.name, s.cluster.name, s.training.micro_batches_per_step(s.parallelism),
                       s.training.micro_batch));
    if (s.parallelism.zero == 2) {
        b.note("ZeRO-2 (sharded gradients) was priced; the nearest setting is given");
    }
}

void megatron(const Scenario& s, Builder& b) {
    const auto& m = s.model;
    const auto& p = s.parallelism;
    const auto& t = s.training;
    b.add("--num-layers", m.layers);
    b.add("--hidden-size", m.hidden);
    if (m.dense_layers() > 0 || !m.moe.enabled()) b.add("--ffn-hidden-size", m.ffn_hidden);
    b.add("--num-attention-heads", m.heads);
    if (!m.mla.enabled() && m.kv_heads != m.heads) {
        b.add("--group-query-attention");
        b.add("--num-query-groups", m.kv_heads);
    }
    if (!m.mla.enabled() && m.head_dim * m.heads != m.hidden) b.add("--kv-channels", m.head_dim);
    if (m.mla.enabled()) {
        b.add("--multi-latent-attention");
        if (m.mla.q_lora_rank > 0) b.add("--q-lora-rank", m.mla.q_lora_rank);
        b.add("--kv-lora-rank", m.mla.kv_lora_rank);
        b.add("--qk-head-dim", m.mla.qk_nope_head_dim);
        b.add("--qk-pos-emb-head-dim", m.mla.qk_rope_head_dim);
        b.add("--v-head-dim", m.mla.v_head_dim);
    }
    b.add("--seq-length", t.seq_len);
    b.add("--max-position-embeddings", std::max(t.seq_len, m.max_seq_len));
    b.add("--position-embedding-type", m.position_embedding == PositionEmbedding::rope ? "rope" : "learned_absolute");
    b.add("--normalization", m.norm == Norm::rmsnorm ? "RMSNorm" : "LayerNorm");
    if (m.activation == Activation::swiglu) b.add("--swiglu");
    if (m.activation == Activation::squared_relu) b.add("--squared-relu");
    if (!m.tie_embeddings) b.add("--untie-embeddings-and-output-weights");
    if (!m.bias) b.add("--disable-bias-linear");
    b.add("--vocab-size", m.vocab);
    if (m.moe.enabled()) {
        b.add("--num-experts", m.moe.experts);
        b.add("--moe-router-topk", m.moe.top_k);
        b.add("--moe-ffn-hidden-size", m.moe.ffn_hidden);
        if (m.moe.shared_experts > 0) {
            b.add("--moe-shared-expert-intermediate-size", m.moe.shared_experts * m.moe.shared_ffn_hidden);
        }
        if (m.moe.first_dense_layers > 0) {
            b.add("--moe-layer-freq", fmt::format("'([0]*{}+[1]*{})'", m.moe.first_dense_layers, m.moe_layers()));
        }
        b.add("--moe-grouped-gemm");
        if (p.moe_dispatcher == MoeDispatcher::deepep) {
            b.add("--moe-token-dispatcher-type", "flex");
            b.add("--moe-enable-deepep");
        } else {
            b.add("--moe-token-dispatcher-type", "alltoall");
        }
        if (m.moe.groups > 0) {
            b.add("--moe-router-num-groups", m.moe.groups);
            b.add("--moe-router-group-topk", m.moe.group_top_k);
        }
        b.note("MoE routing priced as balanced (as --moe-router-force-load-balancing benchmarks run)");
    }
    b.add("--tensor-model-parallel-size", p.tp);
    b.add("--pipeline-model-parallel-size", p.pp);
    if (p.vpp > 1) b.add("--num-virtual-stages-per-pipeline-rank", p.vpp);
    if (p.first_stage_layers > 0) b.add("--decoder-first-pipeline-num-layers", p.first_stage_layers);
    if (p.last_stage_layers > 0) b.add("--decoder-last-pipeline-num-layers", p.last_stage_layers);
    if (p.cp > 1) b.add("--context-parallel-size", p.cp);
    if (p.ep > 1) b.add("--expert-model-parallel-size", p.ep);
    if (m.moe.enabled()) b.add("--expert-tensor-parallel-size", p.expert_tp());
    if (p.sequence_parallel && p.tp > 1) b.add("--sequence-parallel");
    if (p.zero == 3) {
        // The FSDP priced: Megatron-FSDP's flat buffers, or PyTorch's fully_shard with its copies.
        // (Megatron-FSDP's required flags: docs/discussions/megatron-fsdp-user-guide.)
        if (p.zero_impl == ZeroImpl::fsdp2) {
            b.add("--use-torch-fsdp2");
        } else {
            b.add("--use-megatron-fsdp");
            b.add("--data-parallel-sharding-strategy", "optim_grads_params");
            b.add("--use-distributed-optimizer");
        }
        b.add("--no-gradient-accumulation-fusion");
        b.note(data_parallel_overlaps(s) ? "ZeRO-3 priced with its collectives beside compute: launch with CUDA_DEVICE_MAX_CONNECTIONS unset"
                                         : "ZeRO-3 priced with its collectives serialised behind compute (CUDA_DEVICE_MAX_CONNECTIONS=1)");
    } else if (p.zero >= 1) {
        b.add("--use-distributed-optimizer");
        if (p.zero == 2) b.note("Megatron's distributed optimizer reduce-scatters gradients (as ZeRO-2) but keeps a whole gradient buffer");
    }
    if (p.dp_overlap && p.dp * p.cp > 1) {
        b.add("--overlap-grad-reduce");
        if (p.zero >= 1 && p.zero < 3) b.add("--overlap-param-gather");
    }
    if (p.ep_overlap) b.add("--overlap-moe-expert-parallel-comm");
    if (tp_overlaps(p)) b.add("--tp-comm-overlap");
    if (s.training.cuda_graphs) {
        b.add("--cuda-graph-impl", "local");
        b.add("--cuda-graph-scope", "full_iteration");
    }
    if (s.model.moe.enabled() && s.training.grouped_gemm == GroupedGemm::fused) {
        b.note("one grouped expert kernel was priced (training.grouped_gemm fused); Megatron's TEGroupedMLP issues a GEMM a local expert");
    }
    switch (p.recompute) {
        case Recompute::none: break;
        case Recompute::selective: b.add("--recompute-granularity", "selective"); break;
        case Recompute::selective_op:
            b.add("--recompute-granularity", "selective");
            b.note("TorchTitan's per-op checkpointing has no Megatron-LM equivalent: selective (the attention core) is given");
            break;
        case Recompute::full:
            b.add("--recompute-granularity", "full");
            b.add("--recompute-method", p.recompute_layers > 0 ? "block" : "uniform");
            b.add("--recompute-num-layers", p.recompute_layers > 0 ? p.recompute_layers : 1);
            break;
    }
    if (p.schedule == Schedule::gpipe || p.schedule == Schedule::zb_h1) {
        b.note(std::string("the ") + (p.schedule == Schedule::gpipe ? "GPipe" : "zero-bubble H1") +
               " schedule was priced; Megatron-LM runs 1F1B (interleaved with virtual stages)");
    }
    b.add("--micro-batch-size", t.micro_batch);
    b.add("--global-batch-size", t.global_batch);
    if (const auto steps = train_steps(s)) b.add("--train-iters", steps);
    if (t.grad_reduce_bf16) b.add("--grad-reduce-in-bf16");
    if (t.precision == Precision::fp16) b.add("--fp16");
    else b.add("--bf16");
    if (t.precision == Precision::fp8) {
        b.add("--fp8-format", "hybrid");
        b.note("FP8 priced as per-tensor scaling of the linear layers (Transformer Engine's hybrid recipe)");
    }
    b.add("--attention-backend", t.attention == AttentionKernel::unfused ? "unfused"
                                 : t.attention == AttentionKernel::cudnn ? "fused"
                                                                         : "flash");
    if (t.attention == AttentionKernel::flash1) b.note("FlashAttention-1-class kernels were priced; Megatron-LM runs FlashAttention-2 or cuDNN");
    if (t.elementwise == Elementwise::eager) b.note("eager elementwise kernels were priced; Megatron-LM fuses them (Transformer Engine)");
}

void nemo(const Scenario& s, Builder& b) {
    const auto& p = s.parallelism;
    const auto& t = s.training;
    const std::int64_t per_node = s.cluster.gpus_per_node;
    b.add("trainer.num_nodes", (s.gpus + per_node - 1) / per_node);
    b.add("trainer.devices", std::min(per_node, s.gpus));
    b.add("trainer.strategy.tensor_model_parallel_size", p.tp);
    b.add("trainer.strategy.pipeline_model_parallel_size", p.pp);
    b.add("trainer.strategy.virtual_pipeline_model_parallel_size", p.vpp > 1 ? std::to_string(p.vpp) : "null");
    b.add("trainer.strategy.context_parallel_size", p.cp);
    b.add("trainer.strategy.sequence_parallel", p.sequence_parallel && p.tp > 1 ? "true" : "false");
    if (tp_overlaps(p)) {
        b.note("TP overlap priced: NeMo 2.0 turns it on with MegatronCommOverlapCallback(tp_comm_overlap=True)");
    }
    if (s.model.moe.enabled()) {
        b.add("trainer.strategy.expert_model_parallel_size", p.ep);
        if (p.expert_tp() != p.tp) {
            b.note(fmt::format("expert tensor parallelism {} (not tp): trainer.strategy.expert_tensor_parallel_size in NeMo "
                               "versions that have it", p.expert_tp()));
        }
    }
    b.add("data.seq_length", t.seq_len);
    b.add("data.micro_batch_size", t.micro_batch);
    b.add("data.global_batch_size", t.global_batch);
    if (const auto steps = train_steps(s)) b.add("trainer.max_steps", steps);
    b.add("optim.config.use_distributed_optimizer", p.zero >= 1 ? "true" : "false");
    if (p.zero == 3) b.note("ZeRO-3 was priced: NeMo 2 runs it as Megatron-FSDP (the recipe's fsdp setting), not set here");
    switch (p.recompute) {
        case Recompute::none: break;
        case Recompute::selective:
        case Recompute::selective_op: b.add("model.config.recompute_granularity", "selective"); break;
        case Recompute::full:
            b.add("model.config.recompute_granularity", "full");
            b.add("model.config.recompute_method", p.recompute_layers > 0 ? "block" : "uniform");
            b.add("model.config.recompute_num_layers", p.recompute_layers > 0 ? p.recompute_layers : 1);
            break;
    }
    if (t.precision == Precision::fp8) b.note("FP8 was priced: use the recipe's FP8 precision plugin (bf16 with FP8 linear layers)");
    b.note("the model itself comes from the recipe (nemo llm pretrain --factory <recipe>); these override its parallelism and batch");
}

void torchtitan(const Scenario& s, Builder& b) {
    const auto& p = s.parallelism;
    const auto& t = s.training;
    // TorchTitan's data parallelism is FSDP (shard) or DDP (replicate); CP ranks join the
    // FSDP group, as colossim's data-parallel reduction spans dp x cp.
    const bool shard = p.zero >= 1;
    b.add("parallelism.data_parallel_replicate_degree", shard ? 1 : p.dp);
    b.add("parallelism.data_parallel_shard_degree", shard ? p.dp : 1);
    if (p.zero == 1) b.note("ZeRO-1 was priced; TorchTitan shards with FSDP2 (ZeRO-3) instead");
    if (p.zero == 3 && p.zero_impl == ZeroImpl::flat) b.note("flat-buffer ZeRO-3 was priced; TorchTitan's FSDP2 also copies each parameter in and out (parallelism.zero_impl fsdp2)");
    if (p.zero == 2) b.add("parallelism.fsdp_reshard_after_forward", "\"never\"");
    b.add("parallelism.tensor_parallel_degree", p.tp);
    if (p.tp > 1 && !p.sequence_parallel) b.note("TorchTitan's TP always shards the sequence of norms (sequence parallel)");
    if (tp_overlaps(p)) {
        b.add("parallelism.enable_async_tensor_parallel", "true");
        if (p.tp_impl == TpImpl::te) {
            b.note("Transformer Engine's TP overlap was priced; AsyncTP leaves the backward's reduce-scatters of summed input gradients exposed (parallelism.tp_impl torch)");
        }
    }
    b.add("parallelism.pipeline_parallel_degree", p.pp);
    if (p.pp > 1) {
        const char* schedule = p.schedule == Schedule::gpipe   ? "\"GPipe\""
                               : p.vpp > 1                      ? "\"Interleaved1F1B\""
                               : p.schedule == Schedule::zb_h1 ? "\"InterleavedZeroBubble\""
                                                                : "\"1F1B\"";
        b.add("parallelism.pipeline_parallel_schedule", schedule);
        b.add("parallelism.pipeline_parallel_microbatch_size", t.micro_batch);
        if (p.vpp > 1) b.note(fmt::format("{} stages a rank (vpp): TorchTitan derives them from the schedule and the layers", p.vpp));
    }
    b.add("parallelism.context_parallel_degree", p.cp);
    if (s.model.moe.enabled()) b.add("parallelism.expert_parallel_degree", p.ep);
    b.add("training.seq_len", t.seq_len);
    b.add("training.local_batch_size", p.pp > 1 ? t.global_batch / p.dp : t.micro_batch);
    b.add("training.global_batch_size", t.global_batch);
    if (const auto steps = train_steps(s)) b.add("training.steps", steps);
    const char* mode = p.recompute == Recompute::none ? "\"none\"" : p.recompute == Recompute::full && p.recompute_layers == 0
                                                                         ? "\"full\""
                                                                         : "\"selective\"";
    b.add("activation_checkpoint.mode", mode);
    if (p.recompute == Recompute::selective_op) b.add("activation_checkpoint.selective_ac_option", "\"op\"");
    if (p.recompute == Recompute::selective) {
        b.add("activation_checkpoint.selective_ac_option", "\"op\"");
        b.note("Megatron's selective recomputation (the attention core) was priced; TorchTitan's nearest is per-op (op)");
    }
    if (p.recompute == Recompute::full && p.recompute_layers > 0) {
        const std::int64_t layers = s.model.layers / std::max<std::int64_t>(1, p.pp);
        const std::int64_t every = std::max<std::int64_t>(1, layers / p.recompute_layers);
        b.add("activation_checkpoint.selective_ac_option", fmt::format("\"{}\"", every));
    }
    b.add("training.compile", t.elementwise == Elementwise::eager ? "false" : "true");
    if (t.precision == Precision::fp8) b.add("model.converters", "[\"float8\"]");
}

}  // namespace

LaunchFramework parse_launch_framework(const std::string& name) {
    if (name == "megatron") return LaunchFramework::megatron;
    if (name == "nemo") return LaunchFramework::nemo;
    if (name == "torchtitan") return LaunchFramework::torchtitan;
    throw InputError("--emit", name, "megatron, nemo or torchtitan");
}

LaunchConfig launch_config(const Scenario& s, LaunchFramework framework) {
    Builder b;
    common_notes(s, b);
    LaunchConfig out;
    std::string body;
    switch (framework) {
        case LaunchFramework::megatron:
            megatron(s, b);
            for (const auto& st : b.settings) body += " \\\n  " + st.name + (st.value.empty() ? "" : " " + st.value);
            body = "torchrun ... pretrain_gpt.py" + body + "\n";
            break;
        case LaunchFramework::nemo:
            nemo(s, b);
            for (const auto& st : b.settings) body += " \\\n  " + st.name + "=" + st.value;
            body = "nemo llm pretrain --factory <recipe>" + body + "\n";
            break;
        case LaunchFramework::torchtitan: {
            torchtitan(s, b);
            // A TOML table may appear once: settings grouped by section, sections in the
            // order first used.
            std::vector<std::string> sections;
            for (const auto& st : b.settings) {
                const std::string sec = st.name.substr(0, st.name.find('.'));
                if (std::find(sections.begin(), sections.end(), sec) == sections.end()) sections.push_back(sec);
            }
            for (const auto& sec : sections) {
                body += (body.empty() ? "" : "\n") + ("[" + sec + "]\n");
                for (const auto& st : b.settings) {
                    const auto dot = st.name.find('.');
                    if (st.name.substr(0, dot) == sec) body += st.name.substr(dot + 1) + " = " + st.value + "\n";
                }
            }
            break;
        }
    }
    for (const auto& n : b.notes) out.text += "# " + n + "\n";
    out.text += body;
    for (const auto& st : b.settings) out.names.push_back(st.name);
    out.notes = b.notes;
    return out;
}

}  // namespace colossim
