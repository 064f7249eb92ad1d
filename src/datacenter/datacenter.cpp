// The bill of materials, power and cost of N GPUs of a cluster kind.
#include <cmath>

#include "colossim/datacenter.hpp"
#include "colossim/spec.hpp"

namespace colossim {

namespace {
std::int64_t ceil_div(std::int64_t a, std::int64_t b) { return (a + b - 1) / b; }

constexpr double kHoursPerYear = 8766;  // 365.25 days
}  // namespace

Datacenter size_datacenter(const ClusterSpec& c, std::int64_t gpus, const Prices& prices, Seconds run,
                           Diagnostics& diagnostics) {
    if (gpus < 1 || gpus % c.gpus_per_node != 0) {
        throw InputError("gpus", std::to_string(gpus),
                         "a positive multiple of the " + std::to_string(c.gpus_per_node) + " GPUs of a " + c.name +
                             " node");
    }
    warn_if_beyond_largest_build(c, gpus, diagnostics);
    Datacenter d;
    d.cluster = c.name;
    d.gpu = c.gpu.name;
    d.gpus = gpus;
    d.fabric = fabric_of(c, diagnostics);
    d.fabric_assumed = !c.fabric.has_value();
    d.nodes = gpus / c.gpus_per_node;
    d.racks = ceil_div(d.nodes, d.fabric.nodes_per_rack);
    d.nvlink_domains = ceil_div(gpus, c.nvlink_domain);
    d.network = count_fabric(d.fabric, c.nic_bandwidth, gpus, "gpus");

    // IT power at full load: GPUs at TDP, the rest of each server (the cluster's
    // host_power), every switch and every optical transceiver.
    d.gpu_power = c.gpu.tdp * double(gpus);
    d.host_power = c.host_power * double(d.nodes);
    d.network_power = d.fabric.switch_power * double(d.network.switches()) +
                      d.fabric.transceiver_power * double(d.network.transceivers());
    d.it_power = d.gpu_power + d.host_power + d.network_power;
    d.pue = c.pue;
    d.facility_power = d.it_power * c.pue;

    d.capex.gpus_usd = double(gpus) * prices.gpu(c.gpu.name);
    d.capex.hosts_usd = double(d.nodes) * prices.node_usd;
    d.capex.switches_usd = double(d.network.switches()) * prices.switch_price(d.fabric.switch_model);
    d.capex.transceivers_usd = double(d.network.transceivers()) * prices.transceiver_usd;
    d.capex.cables_usd = double(d.network.links()) * prices.cable_usd;

    const double facility_kw = d.facility_power.value / 1e3;
    d.power_cost_usd_per_year = facility_kw * kHoursPerYear * prices.electricity_usd_per_kwh;
    d.run = run;
    if (run.value > 0) {
        Joules energy = d.facility_power * run;
        d.energy_mwh = energy.value / kJoulesPerMWh;
        d.energy_cost_usd = d.energy_mwh * 1e3 * prices.electricity_usd_per_kwh;
    }
    return d;
}

}  // namespace colossim
