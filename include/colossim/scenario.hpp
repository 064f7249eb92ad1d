// One scenario = model x cluster x parallelism x training run (DESIGN.md). Plain,
// validated data: every engine takes a Scenario and returns results.
#pragma once

#include <cstdint>
#include <string>

#include "colossim/hardware.hpp"
#include "colossim/model.hpp"
#include "colossim/units.hpp"

namespace colossim {

// Megatron's recompute granularity (none, selective: the attention core, full: every
// layer), and TorchTitan's per-op selective checkpointing (selective_op).
enum class Recompute { none, selective, full, selective_op };
// fp16 and bf16 share the 16-bit tensor-core peak; they differ in gradient reduction
// (Megatron-LM accumulates and reduces bf16 gradients in fp32, fp16 ones in fp16).
enum class Precision { bf16, fp16, fp8 };
// The attention kernel: FlashAttention-2 (and kernels as fast), FlashAttention-1 (and the
// Triton kernels of 2023 derived from it, e.g. MPT's attn_impl "triton"), cuDNN's fused
// attention (what Transformer Engine, so Megatron-Core and NeMo, picks on Hopper and newer),
// or Megatron's unfused bmm + softmax path.
enum class AttentionKernel { flash, flash1, cudnn, unfused };
// How the elementwise steps of a layer (norms, rotary, the gated activation) run: fused
// kernels (Transformer Engine / Apex in Megatron-LM and NeMo, Inductor under
// torch.compile, MPT's fused LayerNorm) or eagerly, one PyTorch op a kernel (TorchTitan
// without --training.compile): more HBM traffic and more launches.
enum class Elementwise { fused, eager };
// Whose context parallelism: te, Megatron-Core's ring attention in Transformer Engine (K
// and V of the KV heads in bf16, each step's partial output merged in a fused kernel,
// every exchange beside the attention); torch, PyTorch's experimental context_parallel as
// TorchTitan runs it (torch/distributed/tensor/experimental/_attention.py): K and V after
// repeat_kv (every query head), gathered whole before the ring (overlapped with its first
// step only), partial outputs merged by eager fp32 ops, dK and dV rotated in fp32.
enum class CpImpl { te, torch };
// Whose ZeRO-3 / FSDP: flat, one flat buffer a unit that the all-gather fills in place and
// the reduce-scatter reads in place (Megatron-Core's distributed optimizer and
// Megatron-FSDP, PyTorch FSDP1's FlatParameter, DeepSpeed ZeRO-3); fsdp2, PyTorch's
// fully_shard (TorchTitan's), whose per-parameter shards are copied into the all-gather's
// buffer and out into each parameter, and whose gradients are copied into the
// reduce-scatter's buffer in the reduce dtype (torch/distributed/fsdp/_fully_shard/
// _fsdp_collectives.py: foreach_all_gather, foreach_all_gather_copy_out, foreach_reduce).
enum class ZeroImpl { flat, fsdp2 };
// Whose tensor parallelism (parallelism.tp_impl). te: Megatron-Core with Transformer
// Engine, activations sequence-first ([s, b, h]), so a sequence-parallel all-gather or
// reduce-scatter works on dim 0 in place; with parallelism.tp_overlap, TE's userbuffers
// pipeline every TP all-gather and reduce-scatter of both passes with a GEMM (the
// backward's "bulk" overlaps included). torch: PyTorch's DTensor TP (TorchTitan),
// batch-first ([b, s, h]), sequence parallel on dim 1: functional collectives gather into
// dim 0 and then chunk and concatenate into dim 1, and concatenate the chunks of dim 1
// before a reduce-scatter (torch/distributed/_functional_collectives.py, all_gather_tensor
// and reduce_scatter_tensor with gather_dim / scatter_dim != 0), one copy of the whole
// tensor each; with tp_overlap, AsyncTP (inductor's micro_pipeline_tp pass) fuses an
// all-gather into the matmuls reading it and a reduce-scatter into the one matmul
// producing it (fuse_matmul_reduce_scatter), so a backward reduce-scatter of a sum of
// input gradients (the attention's q, k, v; a gated MLP's w1, w3) stays an exposed NCCL
// collective, copy included.
enum class TpImpl { te, torch };
// Megatron-Core's MoE token dispatcher: alltoall, NCCL all-to-alls that send every one of a
// token's top-k copies to its expert's rank (--moe-token-dispatcher-type alltoall); deepep,
// DeepEP / HybridEP (--moe-token-dispatcher-type flex), which send a token bound for
// several experts of one NVLink domain across the scale-out network once and forward it
// inside the domain over NVLink (DeepSeek-V3, arXiv 2412.19437 sec. 3.2.2; deepseek-ai/DeepEP).
enum class MoeDispatcher { alltoall, deepep };
// How a MoE layer's local experts run their GEMMs: te, Transformer Engine's GroupedLinear
// as Megatron-Core's TEGroupedMLP runs it, one cuBLAS GEMM a local expert on four streams
// (transformer_engine/common/gemm/cublaslt_gemm.cu, multi_stream_cublas_gemm), each costing
// the host time of a module call a local expert (calibration expert_gemm_host_time); fused,
// one grouped kernel for all of them (DeepGEMM, CUTLASS grouped GEMM, torch._grouped_mm).
enum class GroupedGemm { te, fused };
// NCCL's all-reduce algorithm, as NCCL_ALGO fixes it; automatic: NCCL's choice by size.
enum class NcclAlgorithm { automatic, ring, tree };

// The pipeline schedule every engine runs (Megatron-LM's, and zero bubble H1, Qi et al.
// ICLR'24); automatic: interleaved 1F1B when vpp > 1, else 1F1B.
enum class Schedule { automatic, gpipe, one_f_one_b, interleaved, zb_h1 };

struct Parallelism {
    std::int64_t tp = 1, pp = 1, vpp = 1, dp = 1, cp = 1, ep = 1;
    std::int64_t etp = 0;  // expert tensor parallel size; 0 means "same as tp"
    int zero = 1;          // 0: plain DDP; 1: distributed optimizer; 2: +gradients; 3: +weights
    Recompute recompute = Recompute::selective;
    // With full recomputation, the layers of each pipeline chunk that recompute (the first
    // ones: Megatron-LM's --recompute-method block --recompute-num-layers N); 0 = all.
    std::int64_t recompute_layers = 0;
    bool sequence_parallel = true;
    bool dp_overlap = true;  // gradient reduce-scatter/all-reduce overlapped with backward
    // MoE all-to-alls overlapped with another micro-batch's compute (Megatron-Core's
    // --overlap-moe-expert-parallel-comm, DeepSeek-V3's DualPipe): only what the compute
    // of a layer's pass cannot cover is exposed.
    bool ep_overlap = false;
    // TP all-gathers and reduce-scatters pipelined with the GEMMs beside them (Megatron-LM
    // --tp-comm-overlap with Transformer Engine's userbuffers, PyTorch's AsyncTP); needs
    // sequence parallelism, as both do.
    bool tp_overlap = false;
    CpImpl cp_impl = CpImpl::te;
    ZeroImpl zero_impl = ZeroImpl::flat;
    TpImpl tp_impl = TpImpl::te;
    MoeDispatcher moe_dispatcher = MoeDispatcher::alltoall;
    // Layers on the first and last pipeline stages when they differ from the rest
    // (Megatron-Core's decoder_first/last_pipeline_num_layers); 0 = even split.
    std::int64_t first_stage_layers = 0, last_stage_layers = 0;
    Schedule schedule = Schedule::automatic;

    std::int64_t expert_tp() const { return etp > 0 ? etp : tp; }
    // Expert layers re-divide the tp*cp*dp ranks of a stage (MoE parallel folding).
    std::int64_t expert_dp() const { return tp * cp * dp / (expert_tp() * ep); }
};

struct Training {
    std::int64_t seq_len = 0;
    std::int64_t global_batch = 0;  // sequences per optimizer step
    std::int64_t micro_batch = 1;
    double tokens = 0.0;            // tokens to train; 0 = not asked
    Precision precision = Precision::bf16;
    AttentionKernel attention = AttentionKernel::flash;
    Elementwise elementwise = Elementwise::fused;
    bool dropout = false;           // dropout layers present (their masks are saved)
    NcclAlgorithm nccl_algo = NcclAlgorithm::automatic;  // the event engine's all-reduces
    // CUDA_DEVICE_MAX_CONNECTIONS: hardware work queues a GPU feeds its streams through
    // (CUDA's default 8). Megatron-LM requires 1 with sequence parallelism before Blackwell;
    // with one queue ZeRO-3's gathers and reductions serialise behind compute
    // (data_parallel_overlaps, workload.hpp).
    std::int64_t cuda_device_max_connections = 8;
    // The gradient buffer's precision, accumulated and reduced in it: fp32 (Megatron-LM's
    // default for bf16, accumulate_allreduce_grads_in_fp32) or bf16 (Megatron-Core's
    // grad_reduce_in_fp32 off, as NVIDIA's Megatron-Bridge performance recipes run).
    bool grad_reduce_bf16 = false;
    GroupedGemm grouped_gemm = GroupedGemm::te;
    // The whole iteration captured as CUDA graphs (Megatron's --cuda-graph-scope
    // full_iteration): the host replays it and issues no kernel itself, so no pass waits on
    // the CPU. Partial scopes (attention, router) leave the experts' launches to the host.
    bool cuda_graphs = false;
    double price_per_gpu_hour = 0;  // USD; from the cluster unless set
    double pue = 0;                 // from the cluster unless set
    // Share of each GPU's memory kept free: the CUDA context, cuBLAS workspaces, NCCL's
    // buffers and the caching allocator's fragmentation, which the memory model does not
    // count. A plan fits when its total is at most (1 - headroom) x capacity.
    double memory_headroom = 0.05;

    std::int64_t micro_batches_per_step(const Parallelism& p) const {
        return global_batch / (micro_batch * p.dp);
    }
};

struct Scenario {
    ModelSpec model;
    ClusterSpec cluster;
    std::int64_t gpus = 0;
    Parallelism parallelism;
    Training training;
};

const char* to_string(Recompute r);
const char* to_string(CpImpl c);  // te, torch: as parallelism.cp_impl takes it
const char* to_string(ZeroImpl z);  // flat, fsdp2: as parallelism.zero_impl takes it
const char* to_string(TpImpl t);  // te, torch: as parallelism.tp_impl takes it
const char* to_string(MoeDispatcher d);  // alltoall, deepep: as parallelism.moe_dispatcher takes it
const char* to_string(GroupedGemm g);  // te, fused: as training.grouped_gemm takes it
const char* to_string(Precision p);
const char* to_string(AttentionKernel k);
const char* to_string(Elementwise e);

}  // namespace colossim
