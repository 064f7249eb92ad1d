// The cost model: how long one operation takes on this hardware. Shared by every engine.
//
// Compute (roofline x efficiency): time = max(FLOPs / (peak x efficiency), bytes /
// (HBM bandwidth x memory efficiency)) + a launch overhead. A GEMM's efficiency is the
// GPU's measured best-case GEMM efficiency (data/gpus, "MAMF") times two losses that
// depend on its shape: wave quantization of output tiles over the SMs, and a short
// reduction dimension (k / (k + k_half)).
// Collectives (alpha-beta per topology level): a group is split into the members that
// share an NVLink domain (k) and the domains it spans (n/k); inside a domain a ring over
// NVLink, across domains NCCL's multi-channel rings (see CostModel::collective).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "colossim/catalog.hpp"
#include "colossim/scenario.hpp"
#include "colossim/workload.hpp"

namespace colossim {

// One calibration for every case: data/calibration/model.yaml, each figure with its source.
struct Calibration {
    double memory_efficiency = 0.85;   // HBM bandwidth reached by elementwise kernels
    double gemm_k_half = 128;          // k at which the reduction-length loss is 1/2
    double gemm_tile_m = 128, gemm_tile_n = 128;
    Seconds kernel_overhead = microseconds(2);
    double nvlink_efficiency = 0.8;    // ring bus bandwidth / NVLink rate
    double network_efficiency = 0.95;  // ring bus bandwidth / NIC rate
    double default_gemm_efficiency = 0.8;       // for a GPU file that gives none
    double default_attention_efficiency = 0.5;
    double attention_seq_half = 2392;  // tokens a sequence needs to reach half the attention plateau
    double ddp_bucket_params = 40e6;   // Megatron-Core DDP bucket (parameters)

    // Constants that `validate --cross-validate` refits on the other sources (model.yaml
    // `fitted:` name: [low, high]); empty when every constant comes from a measurement.
    struct Fitted {
        std::string name;
        double low = 0, high = 0;
    };
    std::vector<Fitted> fitted;
    std::vector<Fitted> fitted_constants() const { return fitted; }
    // A numeric constant by its model.yaml name (durations in seconds); InternalError if unknown.
    double get(const std::string& name) const;
    void set(const std::string& name, double value);

    static Calibration from_catalog(const Catalog& catalog);
};

// Where a communicator's members sit: `size` ranks, consecutive members `stride` ranks
// apart; `per_domain` of them share an NVLink domain.
struct GroupPlacement {
    std::int64_t size = 1;
    std::int64_t per_domain = 1;
};

class CostModel {
public:
    CostModel(const Scenario& scenario, const Calibration& calibration);

    Seconds compute(const ComputeOp& op) const;
    Seconds collective(const CollectiveOp& op) const;
    Seconds collective(CollectiveKind kind, Bytes bytes, GroupPlacement where) const;
    // The latency part of collective(): message steps times the per-step latency.
    Seconds collective_latency(CollectiveKind kind, GroupPlacement where) const;
    ByteRate nvlink_rate() const { return nvlink_rate_; }
    ByteRate network_rate() const { return network_rate_; }

    GroupPlacement placement(CommGroup group) const;
    double gemm_efficiency(double m, double n, double k, double batch) const;
    // The fraction of the GPU's attention plateau a causal FlashAttention forward+backward
    // reaches over sequences of `query_rows` tokens.
    double attention_efficiency(double query_rows) const;
    FlopRate gemm_peak() const { return gemm_peak_; }

private:
    const Scenario& s_;
    Calibration cal_;
    FlopRate gemm_peak_, attention_rate_;
    ByteRate memory_rate_, nvlink_rate_, network_rate_;
    double gemm_efficiency_max_;
    GroupPlacement groups_[6];
};

}  // namespace colossim
