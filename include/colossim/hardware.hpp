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
    std::string generation;          // architecture generation (ampere, hopper, blackwell, cdna3)
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
    double gemm_efficiency_fp8 = 0;  // the same for FP8 GEMMs (0: as gemm_efficiency)
    double attention_efficiency = 0;
    // Query tokens a sequence needs for half the attention plateau (0: the calibration's).
    double attention_seq_half = 0;
    // NCCL's large-message ring bus bandwidth over the NVLink rate (0: the calibration's).
    double nvlink_efficiency = 0;
    std::map<std::string, std::string> sources;

    ByteRate nvlink_per_direction() const { return nvlink_bandwidth / 2.0; }
};

// The scale-out network as built: a fat tree (folded Clos) of identical switches, read
// from a cluster file's optional `fabric:` section (data/README.md). The datacenter layer
// counts its switches, links and transceivers; see src/datacenter/fabric.cpp.
struct FabricSpec {
    std::string switch_model;          // a name in the prices file, e.g. "QM9700"
    int max_tiers = 3;                 // the fewest tiers that hold the endpoints are built, up to this
    std::int64_t switch_ports = 64;    // ports at port_speed
    ByteRate port_speed;               // e.g. 800 Gbit/s; a port may split into NIC-speed links
    // Down:up ratio of a leaf switch and of a spine switch (1 = full bisection).
    double leaf_oversubscription = 1, spine_oversubscription = 1;
    bool rail_optimized = false;       // wiring only: the counts are the same
    std::int64_t planes = 1;           // separate fabrics; plane i joins NIC i of every node
    Seconds switch_latency;            // one switch's port-to-port latency (0: not given); a
                                       // message crossing s switches waits (s-1) more than one
    std::int64_t nodes_per_rack = 1;
    bool optical_nic_links = true;     // NIC-to-leaf links optical (else copper DAC/AEC)
    Watts switch_power;                // one switch without its optics
    Watts transceiver_power;           // one optical link end
    std::map<std::string, std::string> sources;
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
    std::optional<FabricSpec> fabric; // absent: the datacenter layer assumes one (and says so)
    std::map<std::string, std::string> sources;
};

}  // namespace colossim
