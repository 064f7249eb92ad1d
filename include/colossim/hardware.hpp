// The hardware a scenario runs on: one GPU kind and the cluster that connects them.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "colossim/units.hpp"

namespace colossim {

struct GpuSpec {
    std::string name;
    std::string description;
    FlopRate peak_bf16;              // dense tensor-core peak
    std::optional<FlopRate> peak_fp8;
    Bytes hbm_capacity;
    ByteRate hbm_bandwidth;
    ByteRate nvlink_bandwidth;       // per GPU, both directions summed (NVIDIA's figure)
    Watts tdp;
    std::int64_t sm_count = 0;
    // Measured fractions of peak (0 = take the calibration's default): the best large
    // GEMM ("maximum achievable matmul FLOPS") and FlashAttention forward+backward.
    double gemm_efficiency = 0;
    double attention_efficiency = 0;
    std::map<std::string, std::string> sources;

    ByteRate nvlink_per_direction() const { return nvlink_bandwidth / 2.0; }
};

struct ClusterSpec {
    std::string name;
    std::string description;
    GpuSpec gpu;
    std::int64_t gpus_per_node = 8;
    std::int64_t nvlink_domain = 8;   // GPUs reachable over NVLink (>= gpus_per_node for NVL72)
    ByteRate nic_bandwidth;           // scale-out, per GPU, one direction
    Seconds nvlink_latency;           // per step of a collective inside the NVLink domain
    Seconds network_latency;          // per step of a collective across the scale-out fabric
    std::int64_t max_gpus = 0;        // 0: no stated limit
    Watts host_power;                 // per node, beyond the GPUs
    double pue = 1.2;
    double price_per_gpu_hour = 0.0;  // USD
    std::map<std::string, std::string> sources;
};

}  // namespace colossim
