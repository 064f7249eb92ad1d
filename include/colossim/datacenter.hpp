// The datacenter behind a run: for N GPUs of a cluster kind, the nodes, racks and NVLink
// domains; the scale-out fat tree's switches, links and optical transceivers per tier;
// IT and facility power; energy of a run; capital and power cost at the prices of a
// prices file (data/prices/). Pure functions: no I/O beyond the catalog text they are given.
//
// Fat-tree counting (src/datacenter/fabric.cpp has the derivation): a switch of k ports
// at down:up ratio o gives d = floor(k·o/(o+1)) ports down and u = k − d up. For E
// endpoints: leaves = ⌈E/d1⌉; leaf-to-spine links = ⌈E·u1/d1⌉ (a full leaf has u1
// uplinks); spines = ⌈links/k⌉ on two tiers (every port down), ⌈links/d2⌉ on three;
// spine-to-core links = ⌈links·u2/d2⌉; cores = ⌈links/k⌉. At full bisection and
// E = k³/4 this is the k-ary fat tree: k²/2 leaves, k²/2 spines, k²/4 cores.
#pragma once

#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "colossim/catalog.hpp"
#include "colossim/errors.hpp"
#include "colossim/hardware.hpp"
#include "colossim/spec.hpp"
#include "colossim/units.hpp"

namespace colossim {

// One tier of switches and the links that come up into it from the tier below.
struct FabricTier {
    const char* name = "";        // "leaf", "spine", "core"
    const char* links_name = "";  // "nic_leaf", "leaf_spine", "spine_core"
    std::int64_t switches = 0;
    std::int64_t links = 0;
    std::int64_t transceivers = 0;  // optical link ends on those links (2 a link, 0 on copper)
};

struct FabricCounts {
    std::int64_t planes = 1;
    std::int64_t endpoints_per_plane = 0;  // NIC ports on one plane
    std::int64_t radix = 0;                // switch ports at the NIC's link speed
    std::vector<FabricTier> tiers;         // leaf first; every plane together
    std::int64_t switches() const;
    std::int64_t links() const;
    std::int64_t transceivers() const;
};

// Endpoints one plane of `f` holds on `tiers` tiers when links run at `link_speed`.
// The shape of one plane of the fat tree that holds `gpus` NIC links: the fewest tiers
// (up to max_tiers), the switch radix at the NIC's link speed, and each tier's port
// split. The event simulation's topology is built from it (src/net/topology.cpp), so the
// links it simulates are the ones count_fabric() counts. InputError naming `field` when
// the fabric cannot hold that many GPUs.
struct FatTreeShape {
    std::int64_t planes = 1, radix = 0, endpoints_per_plane = 0;
    int tiers = 1;
    std::int64_t leaf_down = 0, leaf_up = 0, spine_down = 0, spine_up = 0;
};
FatTreeShape fat_tree_shape(const FabricSpec& f, ByteRate link_speed, std::int64_t gpus, const std::string& field);

// Which NICs share a leaf and which leaves a pod, for `nodes` nodes of `gpus_per_node` GPUs
// (one NIC each) on a fat tree of `shape`: the event simulation wires its links so
// (src/net/topology.cpp) and the fleet places jobs so (src/fleet/layout.cpp). Plane p
// joins NIC p (mod planes) of every node. Rail-optimised: NIC i of `leaf_down` consecutive
// nodes meets on leaf i of their group; otherwise a leaf takes `leaf_down` consecutive
// NICs of its plane. A pod is the leaves of a plane under one set of spines: `spine_down`
// of them, rounded down to whole leaf groups (a SuperPOD's scalable units).
struct LeafLayout {
    std::int64_t planes = 1, nics_per_plane = 1;
    std::int64_t leaves_per_plane = 1, leaves_per_pod = 1, pods_per_plane = 1;
    // Nodes whose NICs share their leaves (a leaf group), and leaf groups a pod.
    std::int64_t nodes_per_group = 1, groups_per_pod = 1;
};
LeafLayout leaf_layout(const FatTreeShape& shape, bool rail_optimized, std::int64_t gpus_per_node, std::int64_t nodes);

std::int64_t fat_tree_capacity(const FabricSpec& f, ByteRate link_speed, int tiers);

// Counts the fat tree that joins `gpus` GPUs (one NIC each at `link_speed`), built with
// the fewest tiers that hold them. Throws InputError on `field` when even f.max_tiers
// cannot, or when a switch port is slower than a NIC.
FabricCounts count_fabric(const FabricSpec& f, ByteRate link_speed, std::int64_t gpus, const std::string& field);

// What a cluster file without `fabric:` is taken to have (a warning says so): a
// non-blocking fat tree of up to 3 tiers of 64-port switches at the NIC speed.
FabricSpec assumed_fabric(const ClusterSpec& c);
// The cluster's fabric, or the assumed one with a warning in `diagnostics`.
FabricSpec fabric_of(const ClusterSpec& c, Diagnostics& diagnostics);
// The speed a GPU's link takes a fabric port at: a what-if NIC faster than the ports
// (--nic-bw) is counted one link a port, as the failure model and the checks count it.
inline ByteRate port_link_speed(const ClusterSpec& c, const FabricSpec& f) { return std::min(c.nic_bandwidth, f.port_speed); }

// data/prices/NAME.yaml: USD per item and per kWh. `gpu` and `switch` are either one
// price or a map by GPU name / switch model.
struct Prices {
    std::map<std::string, double> gpu_usd;     // key "*": any GPU
    std::map<std::string, double> switch_usd;  // key "*": any switch
    double node_usd = 0;                       // one server without its GPUs
    double transceiver_usd = 0;                // one optical link end
    double cable_usd = 0;                      // one link (fibre or copper)
    double electricity_usd_per_kwh = 0;
    std::map<std::string, std::string> sources;

    double gpu(const std::string& name) const;            // InputError on prices.gpu when missing
    double switch_price(const std::string& model) const;  // InputError on prices.switch when missing
};

// Reads prices text; `overrides` replace top-level fields ({"gpu", "30000"} from
// --price-gpu sets one price for any GPU). Throws InputError naming "prices.<field>".
Prices read_prices(const std::string& yaml_text, const std::string& source_name, const std::vector<Override>& overrides,
                   Diagnostics& diagnostics);
// `reference`: a data/prices name or a file path.
Prices load_prices(const Catalog& catalog, const std::string& reference, const std::vector<Override>& overrides,
                   Diagnostics& diagnostics);

struct Capex {
    double gpus_usd = 0, hosts_usd = 0, switches_usd = 0, transceivers_usd = 0, cables_usd = 0;
    double total() const { return gpus_usd + hosts_usd + switches_usd + transceivers_usd + cables_usd; }
};

struct Datacenter {
    std::string cluster, gpu;
    std::int64_t gpus = 0, nodes = 0, racks = 0, nvlink_domains = 0;
    FabricSpec fabric;            // as given, or assumed
    bool fabric_assumed = false;
    FabricCounts network;
    Watts gpu_power, host_power, network_power;  // IT power by part
    Watts it_power, facility_power;              // facility = IT x PUE
    double pue = 1;
    Capex capex;
    double power_cost_usd_per_year = 0;  // facility power all year round
    Seconds run;                         // 0 unless a run's duration was given
    double energy_mwh = 0, energy_cost_usd = 0;  // of that run at full power
};

// The options of `colossim datacenter`, from {key, value} pairs: cluster (required), gpus
// (required), duration (a run, for its energy), prices (a data/prices name or file), pue.
// Throws InputError naming the option.
struct DatacenterOptions {
    std::string cluster;
    std::int64_t gpus = 0;
    Seconds run;  // 0: no run
    std::string prices = "default";
    std::optional<double> pue;
};
DatacenterOptions read_datacenter_options(const std::vector<Override>& options, Diagnostics& diagnostics);

// Sizes the datacenter for `gpus` GPUs of cluster `c` (a multiple of gpus_per_node).
Datacenter size_datacenter(const ClusterSpec& c, std::int64_t gpus, const Prices& prices, Seconds run,
                           Diagnostics& diagnostics);

}  // namespace colossim
